/** GET /drills: drill reports, newest first (?limit=). */
import { LimitQuerySchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { getDrillStore } from './commons/drills';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-drills', deps: getDeps, query: LimitQuerySchema }, async ({ query }) => ({ drills: await getDrillStore().list(query.limit) }));
