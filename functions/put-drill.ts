/**
 * POST /drills: the drill runner stores its report; audited as a drill on the drill view's chain;
 * a failed drill escalates; and, on the local runtime, `DrillCompleted` goes on its bus (on AWS
 * the scheduled drill publishes its own: functions/commons/drills.ts).
 */
import { drillCompletedEvent } from '../core/drills/events';
import { DrillReportSchema, recordDrill } from '../core/drills/records';
import type { DrillReport } from '../core/drills/report';
import { getDeps } from './commons/deps';
import { getDrillEvents, getDrillStore } from './commons/drills';
import { getEscalationNotifier } from './commons/escalation';
import { logger } from './commons/powertools';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'put-drill', deps: getDeps, body: DrillReportSchema, status: 201 }, async ({ deps, body, principal }) => {
  const recorded = await recordDrill(deps, getDrillStore(), getEscalationNotifier(), principal.sub, body as DrillReport);
  const publish = getDrillEvents();
  if (publish) {
    try {
      await publish(drillCompletedEvent(recorded));
    } catch (error) {
      // The report is stored and audited: an event that could not go is logged, never a failed request.
      logger.error('DrillCompleted was not published', { drill: recorded.id, error: error as Error });
    }
  }
  return recorded;
});
