/**
 * Where the bake check reads alarm state: CloudWatch in AWS, or what the local runtime
 * installs with {@link useAlarmStatus} (local/releases.ts, fed by the local alarm evaluator).
 */
import type { AlarmStatus } from '../../core/bake';
import { cloudWatchClient } from '../../store/clients';
import { CloudWatchAlarmStatus } from '../../store/cloudwatch-alarm-status';
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
