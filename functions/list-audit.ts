import { AuditQuerySchema } from '../core/contracts';
import { listAudit } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-audit', query: AuditQuerySchema }, async ({ deps, query }) => ({
  entries: await listAudit(deps, { limit: query.limit, ...(query.view ? { view: query.view } : {}) }),
}));
