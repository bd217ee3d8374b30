/**
 * `rewind events republish`: replay the events of a view's committed changes onto the bus. The
 * outbox (DESIGN invariant 5) publishes each history entry once its transaction commits; a
 * stream record it could not publish goes to the failure queue after a few retries so the shard
 * moves on (infra/constructs/pointer-events.ts), and the entry itself stays in the history table.
 * This reads those entries back and publishes the very same events (same detail, same
 * `eventId`), so a consumer that had them already deduplicates, and one that missed them catches up.
 *
 * It changes no Rewind state; it is audited on the view's chain before anything is published,
 * so every replay an admin started is on record even if the bus then fails half-way.
 */
import type { Deps } from './deps';
import { ValidationError, ViewNotFoundError } from './errors';
import type { HistoryEventPublisher } from './ports';
import { MAX_REPUBLISH_REVISIONS, type RepublishRequest } from './requests';

export interface RepublishResult {
  view: string;
  fromRevision: number;
  /** The last revision replayed (a request past {@link MAX_REPUBLISH_REVISIONS} revisions is cut there). */
  toRevision: number;
  /** Events published: each change's pointer event and its artifacts' events. */
  republished: number;
  /** Their `detail.eventId`s, in the order published. */
  events: string[];
  /** Where the next request starts when the range was cut; absent when it reached its end. */
  nextRevision?: number;
}

export type RepublishDeps = Pick<Deps, 'pointers' | 'audit'> & { events: HistoryEventPublisher };

/**
 * @example await republishEvents(deps, 'ada', { view: 'user_profile', fromRevision: 7 })
 * // → { view: 'user_profile', fromRevision: 7, toRevision: 9, republished: 4, events: ['user_profile#7', 'user_profile#8', 'user_profile#8#cache-namespace#user-cache', 'user_profile#9'] }
 */
export async function republishEvents(deps: RepublishDeps, actor: string, request: RepublishRequest): Promise<RepublishResult> {
  const { view, fromRevision } = request;
  const pointer = await deps.pointers.getPointer(view);
  if (!pointer || pointer.revision === 0) throw new ViewNotFoundError(view);
  const latest = pointer.revision;
  if (fromRevision > latest) throw new ValidationError('body.fromRevision', `must be at most ${latest}, the newest revision of '${view}'`);
  if (request.toRevision !== undefined && request.toRevision > latest) throw new ValidationError('body.toRevision', `must be at most ${latest}, the newest revision of '${view}'`);
  const end = request.toRevision ?? latest;
  const toRevision = Math.min(end, fromRevision + MAX_REPUBLISH_REVISIONS - 1);
  const entries = await deps.pointers.historyRange(view, fromRevision, toRevision);
  await deps.audit.appendAudit({
    actor,
    action: 'republish',
    outcome: 'allowed',
    view,
    reason: `republish the events of revisions ${fromRevision}..${toRevision}`,
    detail: { fromRevision, toRevision, entries: entries.length },
  });
  const events = await deps.events.publish(entries);
  return { view, fromRevision, toRevision, republished: events.length, events, ...(toRevision < end ? { nextRevision: toRevision + 1 } : {}) };
}
