/**
 * POST /events/republish (admin): the events of a view's committed changes from `fromRevision`
 * (to `toRevision`, default its newest), published again exactly as the outbox published them
 * (core/republish.ts), after malformed or unpublishable stream records went to the failure queue.
 */
import { republishEvents } from '../core/republish';
import { RepublishRequestSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { getEventPublisher } from './commons/event-publisher';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'republish-events', deps: getDeps, body: RepublishRequestSchema }, ({ deps, principal, body }) =>
  republishEvents({ ...deps, events: getEventPublisher() }, principal.sub, body),
);
