import { listViews } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-views', deps: getDeps }, async ({ deps }) => ({ views: await listViews(deps) }));
