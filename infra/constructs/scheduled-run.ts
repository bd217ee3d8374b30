import { Duration } from 'aws-cdk-lib';
import { Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../../contract/alarms';
import { opsAlarm } from './ops-alarm';

export interface ScheduledRunProps {
  /** The function to run. */
  fn: IFunction;
  /** What the run does, for the rule's description. */
  purpose: string;
  /** @default 1 */
  intervalMinutes?: number;
  /**
   * Works in rounds of this many seconds inside each run (the fast-detection monitor): said in
   * the description, so the schedule reads as what it does.
   */
  roundSeconds?: number;
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
      description: `${props.purpose}, every ${minutes} minute(s)${props.roundSeconds ? `, working in ${props.roundSeconds}-second rounds` : ''}`,
      schedule: Schedule.rate(Duration.minutes(minutes)),
    });
    this.schedule.addTarget(new LambdaFunction(props.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, minutes)) }));
  }
}

export interface MonitorOpsAlarmsProps {
  /** The stack's service: the monitor publishes its ops metrics with this `service` dimension. */
  serviceName: string;
  /** Seconds between the monitor's rounds (10 with fast detection, else the schedule's interval). */
  cadenceSeconds: number;
  topicArn?: string;
}

/**
 * The monitor watched (issue 15 item 1): views it failed on, views it skipped for failure, and
 * rounds that take longer than their cadence (the next round then starts late and windows go
 * unpublished). Each view's own heartbeat alarm (contract/alarms.ts) catches a monitor that
 * publishes nothing at all; these say why.
 */
export function monitorOpsAlarms(scope: Construct, props: MonitorOpsAlarmsProps): Alarm[] {
  const metric = (metricName: string, statistic: string) =>
    new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic, period: Duration.minutes(1) });
  const topic = props.topicArn ? { topicArn: props.topicArn } : {};
  return [
    opsAlarm(scope, 'DriftMonitorErrorsAlarm', {
      name: 'drift-monitor-errors',
      description: 'The drift monitor failed on a view (or on listing them): that view publishes no drift and cannot be rolled back on drift. Its log names the view and the error (level ERROR).',
      metric: metric(METRIC.monitorErrors, 'Sum'),
      threshold: 1,
      ...topic,
    }),
    opsAlarm(scope, 'DriftMonitorSkippedAlarm', {
      name: 'drift-monitor-skipped-views',
      description: 'The drift monitor skipped views it could not measure in time: they are unwatched. See its ERROR log lines.',
      metric: metric(METRIC.monitorSkipped, 'Sum'),
      threshold: 1,
      ...topic,
    }),
    opsAlarm(scope, 'DriftMonitorDurationAlarm', {
      name: 'drift-monitor-duration',
      description: `A drift-monitor round took longer than its ${props.cadenceSeconds} s cadence: windows go unmeasured. Raise its memory or concurrency, or split the catalog.`,
      metric: metric(METRIC.monitorDuration, 'Maximum'),
      threshold: props.cadenceSeconds * 1000,
      ...topic,
    }),
  ];
}
