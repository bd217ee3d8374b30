import { AuditQuerySchema } from '../core/requests';
import { listAudit } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-audit', deps: getDeps, query: AuditQuerySchema }, async ({ deps, query }) => ({
  entries: await listAudit(deps, { limit: query.limit, ...(query.view ? { view: query.view } : {}), ...(query.actor ? { actor: query.actor } : {}) }),
}));
