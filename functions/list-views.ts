import { listViews } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ action: 'read' }, async ({ deps }) => ({ views: await listViews(deps) }));
