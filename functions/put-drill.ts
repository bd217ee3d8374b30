/** POST /drills: the drill runner stores its report; audited as a drill on the drill view's chain; a failed drill escalates. */
import { DrillReportSchema, recordDrill } from '../core/drills/records';
import type { DrillReport } from '../core/drills/report';
import { getDeps } from './commons/deps';
import { getDrillStore } from './commons/drills';
import { getEscalationNotifier } from './commons/escalation';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'put-drill', deps: getDeps, body: DrillReportSchema, status: 201 }, ({ deps, body, principal }) =>
  recordDrill(deps, getDrillStore(), getEscalationNotifier(), principal.sub, body as DrillReport),
);
