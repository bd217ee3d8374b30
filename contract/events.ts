/**
 * The public events Rewind puts on its bus, and the one mapping from a committed history entry
 * to them ({@link historyEvents}), shared by the outbox publisher in AWS
 * (functions/publish-pointer-events.ts, through store/eventbridge-outbox.ts) and the local
 * outbox relay (local/outbox.ts), so the two publish the same events.
 *
 * Every history entry stands for its pointer change's event, detail-type named by the entry's
 * action (contract/rules.ts POINTER_DETAIL_TYPES: `FeatureViewActivated`, `…CanaryStarted`,
 * `…ShadowStarted`, `…Promoted`, `…RolledBack`, `FeatureDisabled`, `FeatureEnabled`), then one
 * `FeatureArtifactRefreshed` per derived artifact the entry's plan lists, in its order (data →
 * models → dashboards). Delivery is at least once and not in order: consumers deduplicate on
 * `detail.eventId` and order on `detail.revision` (a view's changes) and `detail.order` (the
 * artifacts of one change).
 *
 * The input is typed by the fields read (structurally, core/model.ts `HistoryEntry` is one), so
 * this file imports nothing from core/.
 *
 * Beside them, on the same bus and from the same outbox, the OpenLineage events
 * (contract/openlineage.ts): detail-type `OpenLineageRunEvent` (a deploy's START and
 * COMPLETE/FAIL/ABORT, from the versions and jobs tables' streams) and `OpenLineageDatasetEvent`
 * (what a view serves after each pointer change), `detail` being the OpenLineage event itself.
 */
import { POINTER_EVENT_SOURCE, pointerDetailType } from './rules';

export { OPENLINEAGE_DATASET_EVENT, OPENLINEAGE_RUN_EVENT, type OpenLineageDatasetEvent, type OpenLineageEvent, type OpenLineageRunEvent } from './openlineage';

/** The detail-type of an artifact's event (core/artifacts.ts `ARTIFACT_EVENT` is the same string). */
export const ARTIFACT_EVENT = 'FeatureArtifactRefreshed';

export type ArtifactKind = string;
export interface EventArtifact {
  kind: ArtifactKind;
  name: string;
  tier: string;
}
/** What a view serves after a change: a cache refilled from now on admits only these versions. */
export interface Serves {
  stable: number | null;
  candidate?: number;
}
export type ArtifactEventStatus = 'invalidated' | 'requested' | 'failed' | 'skipped';

export interface PointerEventDetail {
  /** `${view}#${revision}`: the same pointer change always has the same id. */
  eventId: string;
  view: string;
  revision: number;
  action: string;
  actor: string;
  reason?: string;
  at: string;
  fromVersion: number | null;
  toVersion: number | null;
  auditId: string;
  /** disable / enable: the feature switched. */
  feature?: string;
  /** The approval the change consumed (critical tiers). */
  approvalId?: string;
  /** Done by an admin without an approval (break-glass), for `reason`. */
  breakGlass?: boolean;
}

export interface ArtifactEventDetail {
  /** `${view}#${revision}#${kind}#${name}`: the same artifact of the same change always has the same id. */
  eventId: string;
  view: string;
  revision: number;
  action: string;
  fromVersion: number | null;
  toVersion: number | null;
  serves: Serves;
  auditId?: string;
  artifact: EventArtifact;
  /** Position in the refresh order (data → models → dashboards), from 0. */
  order: number;
  status: ArtifactEventStatus;
  detail?: string;
}

/** One event as EventBridge's PutEvents takes it (structurally a `PutEventsRequestEntry`). */
export interface BusEvent {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Time: Date;
  Detail: string;
}

/** One artifact of a change's refresh plan, as its history entry records it. */
export interface PlannedEventArtifact extends EventArtifact {
  order: number;
  status: 'invalidated' | 'requested';
  detail?: string;
}

/** What the events are made of: a committed history entry (core/model.ts `HistoryEntry`). */
export interface HistoryEventSource {
  view: string;
  revision: number;
  action: Parameters<typeof pointerDetailType>[0];
  actor: string;
  reason?: string;
  at: string;
  fromVersion: number | null;
  toVersion: number | null;
  after: { stable: number | null; candidate?: { version: number } | null };
  auditId: string;
  feature?: string;
  approvalId?: string;
  breakGlass?: boolean;
  artifacts?: readonly PlannedEventArtifact[];
}

/**
 * The event for one history entry.
 *
 * @example toPointerEvent({ view: 'user_profile', revision: 3, action: 'rollback', … }, 'rewind-bus')
 *   // → { Source: 'rewind', DetailType: 'FeatureViewRolledBack', Detail: '{"eventId":"user_profile#3",…}', … }
 */
export function toPointerEvent(entry: HistoryEventSource, eventBusName: string): BusEvent {
  const detail: PointerEventDetail = {
    eventId: `${entry.view}#${entry.revision}`,
    view: entry.view,
    revision: entry.revision,
    action: entry.action,
    actor: entry.actor,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    at: entry.at,
    fromVersion: entry.fromVersion,
    toVersion: entry.toVersion,
    auditId: entry.auditId,
    ...(entry.feature !== undefined ? { feature: entry.feature } : {}),
    ...(entry.approvalId !== undefined ? { approvalId: entry.approvalId } : {}),
    ...(entry.breakGlass !== undefined ? { breakGlass: entry.breakGlass } : {}),
  };
  return {
    EventBusName: eventBusName,
    Source: POINTER_EVENT_SOURCE,
    DetailType: pointerDetailType(entry.action),
    Time: new Date(entry.at),
    Detail: JSON.stringify(detail),
  };
}

/**
 * The event of one artifact of a history entry's refresh plan.
 *
 * @example toArtifactEvent(entry, entry.artifacts[0], 'rewind-bus')
 *   // → { DetailType: 'FeatureArtifactRefreshed', Detail: '{"eventId":"user_profile#3#cache-namespace#user-cache",…}', … }
 */
export function toArtifactEvent(entry: HistoryEventSource, planned: PlannedEventArtifact, eventBusName: string): BusEvent {
  const { stable, candidate } = entry.after;
  const detail: ArtifactEventDetail = {
    eventId: `${entry.view}#${entry.revision}#${planned.kind}#${planned.name}`,
    view: entry.view,
    revision: entry.revision,
    action: entry.action,
    fromVersion: entry.fromVersion,
    toVersion: entry.toVersion,
    serves: { stable, ...(candidate ? { candidate: candidate.version } : {}) },
    ...(entry.auditId ? { auditId: entry.auditId } : {}),
    artifact: { kind: planned.kind, name: planned.name, tier: planned.tier },
    order: planned.order,
    status: planned.status,
    ...(planned.detail ? { detail: planned.detail } : {}),
  };
  return {
    EventBusName: eventBusName,
    Source: POINTER_EVENT_SOURCE,
    DetailType: ARTIFACT_EVENT,
    Time: new Date(entry.at),
    Detail: JSON.stringify(detail),
  };
}

/**
 * Every event one history entry stands for, in order: the pointer change's, then one per
 * planned artifact (an entry without a plan has only the first).
 *
 * @example historyEvents(rollbackEntry, 'rewind-bus').map((e) => e.DetailType)
 *   // ['FeatureViewRolledBack', 'FeatureArtifactRefreshed', 'FeatureArtifactRefreshed']
 */
export function historyEvents(entry: HistoryEventSource, eventBusName: string): BusEvent[] {
  return [toPointerEvent(entry, eventBusName), ...(entry.artifacts ?? []).map((planned) => toArtifactEvent(entry, planned, eventBusName))];
}
