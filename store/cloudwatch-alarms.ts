/**
 * Rewind's drift alarms in CloudWatch: read a view's (or all of them) back, put and delete them. What to put
 * and delete is decided elsewhere (contract/alarm-sync.ts planDriftAlarmSync); this adapter
 * only renders `AlarmSpec`s (contract/alarms.ts) as PutMetricAlarm requests. It is bound to one
 * service (contract/service.ts): it reads, puts and deletes that service's drift alarms only,
 * never another stack's in the same account and region.
 *
 * Drift alarms get no actions: CloudWatch publishes every alarm state change to the account's
 * default event bus by itself, where the alarm → rollback rule listens (contract/rules.ts). An
 * alarm that pages (a heartbeat) notifies the ops topic its spec names, on ALARM and on OK.
 */
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type CloudWatchClient,
  type MetricAlarm,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { ExistingDriftAlarm } from '../contract/alarm-sync';
import { driftAlarmPrefix, monitorAlarmPrefix, viewDriftAlarmPrefix, type AlarmSpec, type AlarmStatistic, type ComparisonOperator, type TreatMissingData } from '../contract/alarms';
import { DEFAULT_SERVICE_NAME } from '../contract/service';
import { MAX_DELETE_ALARMS, type DriftAlarmsPort } from '../core/alarm-sync';

/** DeleteAlarms takes at most 100 names per call (core/alarm-sync.ts batches its purge by the same number). */
export { MAX_DELETE_ALARMS };

export type CloudWatchSender = Pick<CloudWatchClient, 'send'>;

/**
 * The PutMetricAlarm request for one spec.
 *
 * @example putMetricAlarmInput(driftAlarmsForView('user_profile', monitor)[0]).AlarmName // 'rewind-drift-user_profile-psi'
 */
export function putMetricAlarmInput(spec: AlarmSpec): PutMetricAlarmCommandInput {
  return {
    AlarmName: spec.alarmName,
    AlarmDescription: spec.description,
    Namespace: spec.namespace,
    MetricName: spec.metricName,
    Dimensions: Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Statistic: spec.statistic,
    Period: spec.periodSeconds,
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparisonOperator,
    TreatMissingData: spec.treatMissingData,
    ActionsEnabled: true,
    // Always sent: PutMetricAlarm replaces the alarm, and a list left out keeps nothing.
    AlarmActions: spec.alarmActions ?? [],
    OKActions: spec.alarmActions ?? [],
  };
}

/** A described metric alarm, in the planner's terms. */
export function existingDriftAlarm(alarm: MetricAlarm): ExistingDriftAlarm | undefined {
  if (!alarm.AlarmName) return undefined;
  const dimensions = Object.fromEntries((alarm.Dimensions ?? []).filter((d) => d.Name !== undefined).map((d) => [d.Name!, d.Value ?? '']));
  return {
    alarmName: alarm.AlarmName,
    dimensions,
    ...(alarm.AlarmActions?.length ? { alarmActions: alarm.AlarmActions } : {}),
    config: {
      description: alarm.AlarmDescription ?? '',
      namespace: alarm.Namespace ?? '',
      metricName: alarm.MetricName ?? '',
      statistic: alarm.Statistic as AlarmStatistic,
      periodSeconds: alarm.Period ?? 0,
      evaluationPeriods: alarm.EvaluationPeriods ?? 0,
      // CloudWatch leaves it out when it equals EvaluationPeriods.
      datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods ?? 0,
      threshold: alarm.Threshold ?? Number.NaN,
      comparisonOperator: alarm.ComparisonOperator as ComparisonOperator,
      treatMissingData: (alarm.TreatMissingData ?? 'missing') as TreatMissingData,
    },
  };
}

export class CloudWatchDriftAlarms implements DriftAlarmsPort {
  /**
   * @param service whose drift alarms these are (the function's POWERTOOLS_SERVICE_NAME).
   * @default 'rewind'
   */
  constructor(
    private readonly cloudwatch: CloudWatchSender,
    readonly service: string = DEFAULT_SERVICE_NAME,
  ) {}

  /** Every metric alarm under the view's name prefix (other views' included: the planner sorts them out by dimension). */
  describe(view: string): Promise<ExistingDriftAlarm[]> {
    // The view's heartbeat alarms (ops-named, outside the rollback rule's prefix) are its too.
    return Promise.all([this.describePrefix(viewDriftAlarmPrefix(view, this.service)), this.describePrefix(`${monitorAlarmPrefix(this.service)}${view}-v`)]).then((a) => a.flat());
  }

  /**
   * Every metric alarm under the service's drift prefix, every view's (for the purge when the
   * stack is deleted). The default stack's prefix `rewind-drift-` also covers a stack named
   * `Drift` (`rewind-drift-drift-…`): contract/alarm-sync.ts `driftAlarmsToPurge` sorts them
   * out by their `service` dimension.
   */
  describeAll(): Promise<ExistingDriftAlarm[]> {
    return Promise.all([this.describePrefix(driftAlarmPrefix(this.service)), this.describePrefix(monitorAlarmPrefix(this.service))]).then((a) => a.flat());
  }

  private async describePrefix(AlarmNamePrefix: string): Promise<ExistingDriftAlarm[]> {
    const found: ExistingDriftAlarm[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix, AlarmTypes: ['MetricAlarm'], NextToken }));
      for (const alarm of page.MetricAlarms ?? []) {
        const existing = existingDriftAlarm(alarm);
        if (existing) found.push(existing);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return found;
  }

  async put(spec: AlarmSpec): Promise<void> {
    this.assertOwn([spec.alarmName]);
    await this.cloudwatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(spec)));
  }

  async delete(alarmNames: readonly string[]): Promise<void> {
    this.assertOwn(alarmNames);
    for (let start = 0; start < alarmNames.length; start += MAX_DELETE_ALARMS) {
      await this.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: alarmNames.slice(start, start + MAX_DELETE_ALARMS) }));
    }
  }

  /** IAM scopes the function to its service's drift alarms too; this names the mistake before AWS refuses it. */
  private assertOwn(alarmNames: readonly string[]): void {
    const prefix = driftAlarmPrefix(this.service);
    const foreign = alarmNames.filter((name) => !name.startsWith(prefix) && !name.startsWith(monitorAlarmPrefix(this.service)));
    if (foreign.length > 0) throw new Error(`drift alarms of service ${this.service} are named ${prefix}…; refusing to change ${foreign.join(', ')}`);
  }
}
