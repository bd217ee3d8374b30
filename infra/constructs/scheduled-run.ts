import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface ScheduledRunProps {
  /** The function to run. */
  fn: IFunction;
  /** What the run does, for the rule's description. */
  purpose: string;
  /** @default 1 */
  intervalMinutes?: number;
}

/**
 * Runs a function on a schedule, without retries: Rewind's scheduled work (the drift monitor,
 * the bake check) is idempotent and judged afresh by the next run a minute later, so a
 * missed or failed run needs no retry (a bake promotion is conditioned on the revision it
 * judged, so overlapping runs promote once).
 *
 * @example new ScheduledRun(this, 'DriftMonitoring', { fn: monitor, purpose: 'Rewind drift monitor' })
 */
export class ScheduledRun extends Construct {
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: ScheduledRunProps) {
    super(scope, id);
    const minutes = props.intervalMinutes ?? 1;
    this.schedule = new Rule(this, 'Schedule', {
      description: `${props.purpose}, every ${minutes} minute(s)`,
      schedule: Schedule.rate(Duration.minutes(minutes)),
    });
    this.schedule.addTarget(new LambdaFunction(props.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, minutes)) }));
  }
}
