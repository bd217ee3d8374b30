/**
 * Every Lambda entry point the stack deploys, by handler name (a file under functions/).
 * Kept free of CDK imports so the bundle report can use it without loading aws-cdk-lib.
 */
import { ROUTES } from '../contract/routes';
import { RULES } from '../contract/rules';
import { JOB_STEP_HANDLERS } from '../contract/tables';

/** The function behind the serving route, throttled, sized and budgeted on its own. */
export const SERVING_HANDLER = 'get-online';
/** Batch serving (POST /online/{view}/batch): model traffic too, under serving's own limits. */
export const SERVING_BATCH_HANDLER = 'get-online-batch';
export const SERVING_HANDLERS: readonly string[] = [SERVING_HANDLER, SERVING_BATCH_HANDLER];
/** Scheduled: compares served samples with their baseline (issue 4). */
export const DRIFT_MONITOR_HANDLER = 'drift-monitor';
/** Scheduled: promotes canaries and shadows whose bake passed (issue 5). */
export const PROMOTE_CANARIES_HANDLER = 'promote-canaries';
/** Scheduled: signs a checkpoint of every audit chain's end into the bucket (issue 10). */
export const AUDIT_CHECKPOINT_HANDLER = 'audit-checkpoint';
/** POST /events/republish: the only function besides the outbox publisher that puts Rewind's events on the bus. */
export const REPUBLISH_HANDLER = 'republish-events';
/** Scheduled (`rewind:drillSchedule`): a drill against the stack's own API (issue 13 item 3). */
export const SCHEDULED_DRILL_HANDLER = 'scheduled-drill';
/**
 * The functions that notify (functions/commons/escalation.ts): each is told the ops topic
 * (REWIND_OPS_TOPIC_ARN) and may sns:Publish to it, and no other function may.
 */
export const NOTIFYING_HANDLERS: readonly string[] = ['after-rollback', 'put-drill', 'alarm-rollback'];
/** The outbox: history stream → event bus. */
export const PUBLISHER_HANDLER = 'publish-pointer-events';

/** Functions built from the store, with access rules in infra/access.ts. */
export const STORE_HANDLERS: readonly string[] = [...new Set([...ROUTES.map((r) => r.handler), ...RULES.map((r) => r.handler), DRIFT_MONITOR_HANDLER, PROMOTE_CANARIES_HANDLER, AUDIT_CHECKPOINT_HANDLER, ...JOB_STEP_HANDLERS])];

export const ALL_HANDLERS: readonly string[] = [...STORE_HANDLERS, PUBLISHER_HANDLER, SCHEDULED_DRILL_HANDLER];
