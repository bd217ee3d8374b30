import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface CanaryPromotionProps {
  /** The promote-canaries function (functions/promote-canaries.ts). */
  promoter: IFunction;
  /** @default 1 */
  intervalMinutes?: number;
}

/**
 * Runs the bake check on a schedule (docs/releases-and-governance.md, "Bake"): every canary
 * or shadow whose bake passed with no drift alarm since its start is promoted. A missed or
 * failed run is not retried: the next one, a minute later, judges the same candidates again
 * (each promotion is conditioned on the revision it judged, so overlapping runs promote once).
 */
export class CanaryPromotion extends Construct {
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: CanaryPromotionProps) {
    super(scope, id);
    const minutes = props.intervalMinutes ?? 1;
    this.schedule = new Rule(this, 'Schedule', {
      description: `Rewind bake check: promote baked canaries and shadows, every ${minutes} minute(s)`,
      schedule: Schedule.rate(Duration.minutes(minutes)),
    });
    this.schedule.addTarget(new LambdaFunction(props.promoter, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, minutes)) }));
  }
}
