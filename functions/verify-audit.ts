import { verifyAudit } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'verify-audit', deps: getDeps }, ({ deps }) => verifyAudit(deps));
