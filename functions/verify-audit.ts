import { verifyAudit } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'verify-audit' }, ({ deps }) => verifyAudit(deps));
