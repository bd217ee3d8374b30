/**
 * Where the bake check reads alarm state: CloudWatch in AWS, or what the local runtime
 * installs with {@link useAlarmStatus} (local/releases.ts, fed by the local alarm evaluator).
 */
import type { AlarmStatus } from '../../core/bake';
import { CloudWatchAlarmStatus, type CloudWatchAlarmsApi } from '../../store/cloudwatch-alarm-status';
import { SERVICE_NAME } from './powertools';

let status: AlarmStatus | undefined;

export function useAlarmStatus(replacement: AlarmStatus | undefined): void {
  status = replacement;
}

/** Built on first use, once per container; reads this stack's drift alarms only. */
export function getAlarmStatus(): AlarmStatus {
  status ??= new CloudWatchAlarmStatus(cloudWatchClient(), SERVICE_NAME);
  return status;
}

/**
 * The SDK's aggregated CloudWatch client. Loaded on first use, not at module load: only this
 * scheduled function talks to CloudWatch, and the package (@aws-sdk/client-cloudwatch) must be
 * a dependency for it to run in AWS. If it cannot be loaded, every check fails, and a
 * candidate whose alarms cannot be read is never promoted (core/bake.ts holds it).
 */
function cloudWatchClient(): CloudWatchAlarmsApi {
  let loaded: { CloudWatch: new (config: object) => CloudWatchAlarmsApi } | undefined;
  const client = (): CloudWatchAlarmsApi => {
    loaded ??= require('@aws-sdk/client-cloudwatch') as { CloudWatch: new (config: object) => CloudWatchAlarmsApi };
    return new loaded.CloudWatch({});
  };
  let instance: CloudWatchAlarmsApi | undefined;
  return {
    describeAlarms: (input) => (instance ??= client()).describeAlarms(input),
    describeAlarmHistory: (input) => (instance ??= client()).describeAlarmHistory(input),
  };
}
