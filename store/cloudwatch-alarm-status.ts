/**
 * The AlarmStatus port (core/bake.ts) over CloudWatch: the drift alarms of a view
 * (contract/alarms.ts names them `<service>-drift-<view>-<check>` and gives them a `view`
 * dimension) that are in ALARM now or entered it since a time. Only the alarms of this
 * stack's service are read (contract/service.ts): another stack's alarm about a view of the
 * same name says nothing about this one.
 *
 * The client is typed by the two calls it needs, which the SDK's aggregated `CloudWatch`
 * client (@aws-sdk/client-cloudwatch) provides as they are, and a fake provides in tests.
 */
import { viewDriftAlarmPrefix } from '../contract/alarms';
import { DEFAULT_SERVICE_NAME } from '../contract/service';
import type { AlarmStatus } from '../core/bake';

type Dimension = { Name?: string; Value?: string };

export interface CloudWatchAlarmsApi {
  describeAlarms(input: { AlarmNamePrefix?: string; AlarmTypes?: 'MetricAlarm'[]; NextToken?: string }): Promise<{
    MetricAlarms?: { AlarmName?: string; StateValue?: string; Dimensions?: Dimension[]; Metrics?: { MetricStat?: { Metric?: { Dimensions?: Dimension[] } } }[] }[];
    NextToken?: string;
  }>;
  describeAlarmHistory(input: { AlarmName: string; HistoryItemType: 'StateUpdate'; StartDate: Date; NextToken?: string }): Promise<{
    AlarmHistoryItems?: { HistoryData?: string }[];
    NextToken?: string;
  }>;
}

export class CloudWatchAlarmStatus implements AlarmStatus {
  /** @param service whose drift alarms to read (the function's POWERTOOLS_SERVICE_NAME). @default 'rewind' */
  constructor(
    private readonly cloudwatch: CloudWatchAlarmsApi,
    private readonly service: string = DEFAULT_SERVICE_NAME,
  ) {}

  async alarmsSince(view: string, since: Date): Promise<string[]> {
    const firing: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.cloudwatch.describeAlarms({ AlarmNamePrefix: viewDriftAlarmPrefix(view, this.service), AlarmTypes: ['MetricAlarm'], NextToken });
      for (const alarm of page.MetricAlarms ?? []) {
        // The prefix of view `user` also matches `user-profile`'s alarms: the dimension decides.
        const dimensions = [...(alarm.Dimensions ?? []), ...(alarm.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? [])];
        if (!alarm.AlarmName || !dimensions.some((d) => d.Name === 'view' && d.Value === view)) continue;
        if (alarm.StateValue === 'ALARM' || (await this.enteredAlarmSince(alarm.AlarmName, since))) firing.push(alarm.AlarmName);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return firing;
  }

  private async enteredAlarmSince(alarmName: string, since: Date): Promise<boolean> {
    let NextToken: string | undefined;
    do {
      const page = await this.cloudwatch.describeAlarmHistory({ AlarmName: alarmName, HistoryItemType: 'StateUpdate', StartDate: since, NextToken });
      for (const item of page.AlarmHistoryItems ?? []) {
        const data = item.HistoryData ? (JSON.parse(item.HistoryData) as { newState?: { stateValue?: string } }) : undefined;
        if (data?.newState?.stateValue === 'ALARM') return true;
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return false;
  }
}
