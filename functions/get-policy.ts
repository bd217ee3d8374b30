import { currentPolicy } from '../core/access-policy-store';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

// Read from the table, not the cache: an operator checking a change must see the stored revision.
export const handler = httpRoute({ handler: 'get-policy', deps: getDeps }, ({ deps }) => currentPolicy(deps.governance));
