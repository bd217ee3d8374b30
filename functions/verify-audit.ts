import { verifyAudit } from '../core/queries';
import { auditAnchor } from '../store/audit-checkpoint-deps';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

// The chains, their heads, the signed checkpoints in the bucket and the history's citations.
export const handler = httpRoute({ handler: 'verify-audit', deps: getDeps }, ({ deps }) => verifyAudit(deps, auditAnchor()));
