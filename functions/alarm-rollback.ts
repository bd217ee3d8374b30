/**
 * PLACEHOLDER (issue 3 created it so the stack has an entry point; issue 4 replaces it).
 * Invoked by the EventBridge rule in contract/rules.ts (ALARM_ROLLBACK_RULE) when a Rewind
 * alarm enters ALARM. The real handler finds the affected view(s) and rolls them back with
 * actor `system:alarm/<name>`; this one only logs the event and does nothing.
 */
import { logger } from './commons/powertools';

interface AlarmStateChange {
  'detail-type'?: string;
  detail?: { alarmName?: string; state?: { value?: string; reason?: string } };
}

export const handler = async (event: AlarmStateChange): Promise<{ rolledBack: string[] }> => {
  logger.warn('alarm-rollback is a placeholder: no rollback performed', {
    alarmName: event.detail?.alarmName,
    state: event.detail?.state?.value,
  });
  return { rolledBack: [] };
};
