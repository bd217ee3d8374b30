import { listViews } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-views' }, async ({ deps }) => ({ views: await listViews(deps) }));
