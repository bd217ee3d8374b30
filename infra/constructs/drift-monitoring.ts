import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface DriftMonitoringProps {
  /** The drift-monitor function (functions/drift-monitor.ts). */
  monitor: IFunction;
  /** @default 1 */
  intervalMinutes?: number;
}

/**
 * Runs the drift monitor on a schedule. Its metrics (EMF in its log) are what the drift
 * alarms watch. A missed or failed run is not retried: the next one, a minute later,
 * measures a fresher sample anyway.
 */
export class DriftMonitoring extends Construct {
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: DriftMonitoringProps) {
    super(scope, id);
    const minutes = props.intervalMinutes ?? 1;
    this.schedule = new Rule(this, 'Schedule', {
      description: `Rewind drift monitor, every ${minutes} minute(s)`,
      schedule: Schedule.rate(Duration.minutes(minutes)),
    });
    this.schedule.addTarget(new LambdaFunction(props.monitor, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, minutes)) }));
  }
}
