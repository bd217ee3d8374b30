import { verifyAudit } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ action: 'read' }, ({ deps }) => verifyAudit(deps));
