/**
 * "As served" training sets (issue 12, item 3): for each (entity, instant) row, the features
 * a `GET /online/{view}/{entity}` at that instant answered, with the version and arm that
 * answered it. Nothing is recomputed from later data: the pointer in force is read from the
 * history (invariant 10), the arm from the deterministic canary split (core/canary.ts), the
 * values from the immutable version (online rows while materialized, else the verified
 * snapshot), so a backfill can never leak values that were not served then.
 *
 * Cost: the history of the rows' time range is read once (two binary searches for its ends,
 * then one range read), every row is placed by a binary search over that range in memory, and
 * each version needed is read once for all of its entities (core/time-travel.ts readVersionValues).
 */
import { route, type Arm } from './canary';
import type { Deps } from './deps';
import { ValidationError } from './errors';
import type { FeatureType, FeatureValue, HistoryEntry, Pointer, VersionRecord } from './model';
import type { TrainingSetTable } from './ports';
import { servedBody } from './serving';
import { newestEntryAtOrBefore, newestRevisionOf, readVersionValues, type ServedAsOf } from './time-travel';

/** One input row: an entity and the instant a request for it is to be replayed at. */
export interface EntityInstant {
  entity: string;
  at: string;
}

/** One output row: what a request for `entity` at `at` was served; `version` null when nothing was served then. */
export interface ServedRow {
  entity: string;
  at: string;
  version: number | null;
  arm: Arm | null;
  revision: number | null;
  servedFrom: ServedAsOf['servedFrom'] | null;
  found: boolean;
  features: Record<string, FeatureValue>;
}

export interface TrainingSetSummary {
  rows: number;
  /** The earliest and latest instants asked about. */
  from: string;
  to: string;
  /** Rows per (version, arm) that served them, and rows for which nothing was served (before the first activation). */
  servedBy: { version: number; arm: Arm | null; rows: number }[];
  notServed: number;
  /** Rows read from the online store, and from snapshots. */
  online: number;
  snapshot: number;
  /** The pointer revisions that served at least one row, oldest first. */
  revisions: number[];
}

/** Fixed columns before the features: what identifies the row and what served it. */
const ROW_COLUMNS: TrainingSetTable['columns'] = [
  { name: 'entity', type: 'string' },
  { name: 'at', type: 'string' },
  { name: 'version', type: 'int' },
  { name: 'arm', type: 'string' },
  { name: 'revision', type: 'int' },
  { name: 'served_from', type: 'string' },
  { name: 'found', type: 'bool' },
];

/**
 * Replays `rows` against the view's history and answers them, in input order.
 *
 * @example await servedRows(deps, 'user_profile', [{ entity: 'u-1', at: '2026-11-30T02:14:00Z' }]) // [{ entity: 'u-1', version: 3, arm: null, features: {...}, ... }]
 */
export async function servedRows(
  deps: Pick<Deps, 'pointers' | 'catalog' | 'clock' | 'online' | 'snapshots'>,
  view: string,
  rows: readonly EntityInstant[],
  /** The field a row's instant came in, for a refusal (an inline row's, or the file's with the row named). */
  fieldOf: (index: number) => string = (i) => `body.rows[${i}].at`,
): Promise<{ rows: ServedRow[]; versions: VersionRecord[] }> {
  const instants = rows.map((r) => Date.parse(r.at));
  let from = Infinity;
  let to = -Infinity;
  const now = deps.clock.now().getTime();
  instants.forEach((t, i) => {
    if (t > now) throw new ValidationError(fieldOf(i), `${rows[i]!.at} is in the future: the past only`);
    from = Math.min(from, t);
    to = Math.max(to, t);
  });
  const timeline = await historyBetween(deps, view, from, to);
  const pointers = instants.map((t) => pointerAt(timeline, t));

  // Group the served rows by version, so each version is read once for all its entities.
  const routed = rows.map((row, i) => {
    const pointer = pointers[i];
    return pointer && pointer.stable !== null ? { pointer, ...route(pointer, row.entity) } : undefined;
  });
  const entitiesOf = new Map<number, Set<string>>();
  routed.forEach((r, i) => {
    if (!r) return;
    let set = entitiesOf.get(r.version);
    if (!set) entitiesOf.set(r.version, (set = new Set()));
    set.add(rows[i]!.entity);
  });
  const versionNumbers = [...entitiesOf.keys()];
  const records = await Promise.all(versionNumbers.map((v) => deps.catalog.getVersion(view, v)));
  const recordOf = new Map(records.map((r, i) => [versionNumbers[i]!, r!] as const));
  const reads = new Map(
    await Promise.all(versionNumbers.map(async (v) => [v, await readVersionValues(deps, view, recordOf.get(v)!, [...entitiesOf.get(v)!])] as const)),
  );

  const served = rows.map((row, i): ServedRow => {
    const r = routed[i];
    if (!r) return { entity: row.entity, at: row.at, version: null, arm: null, revision: null, servedFrom: null, found: false, features: {} };
    const read = reads.get(r.version)!;
    const body = servedBody(r.pointer, { version: r.version, entity: row.entity, ...(r.arm ? { arm: r.arm } : {}) }, recordOf.get(r.version)!.definition, read.values.get(row.entity));
    return { entity: row.entity, at: row.at, version: r.version, arm: r.arm ?? null, revision: r.pointer.revision, servedFrom: read.servedFrom.get(row.entity)!, found: body.found, features: body.features };
  });
  return { rows: served, versions: [...recordOf.values()] };
}

/** The history entries in force somewhere in [from, to], oldest first: the one in force at `from` (if any) and every later one up to `to`. */
async function historyBetween(deps: Pick<Deps, 'pointers' | 'catalog'>, view: string, from: number, to: number): Promise<HistoryEntry[]> {
  const newest = await newestRevisionOf(deps, view);
  if (newest === 0) return [];
  const [first, last] = await Promise.all([newestEntryAtOrBefore(deps, view, newest, from), newestEntryAtOrBefore(deps, view, newest, to)]);
  if (!last) return [];
  return deps.pointers.historyRange(view, first?.revision ?? 1, last.revision);
}

/** The pointer an entry of `timeline` set and that was in force at `instant` (binary search; null: none yet). */
function pointerAt(timeline: readonly HistoryEntry[], instant: number): Pointer | null {
  let low = 0;
  let high = timeline.length - 1;
  let found: HistoryEntry | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (Date.parse(timeline[middle]!.at) <= instant) {
      found = timeline[middle];
      low = middle + 1;
    } else high = middle - 1;
  }
  return found?.after ?? null;
}

/**
 * The feature columns of a set served by several versions: each feature once, in the order the
 * versions first declared it; a feature two versions type differently becomes a string column,
 * and one named like a fixed column is prefixed `feature_`.
 */
export function featureColumns(versions: readonly VersionRecord[]): { name: string; feature: string; type: FeatureType }[] {
  const types = new Map<string, FeatureType>();
  for (const record of [...versions].sort((a, b) => a.version - b.version)) {
    for (const f of record.definition.features) {
      const known = types.get(f.name);
      types.set(f.name, known === undefined || known === f.type ? f.type : 'string');
    }
  }
  return [...types].map(([feature, type]) => ({ name: ROW_COLUMNS.some((c) => c.name === feature) ? `feature_${feature}` : feature, feature, type }));
}

/** The Parquet table of a training set, and its summary. */
export function trainingSetTable(view: string, served: { rows: ServedRow[]; versions: VersionRecord[] }, metadata: Record<string, string>): { table: TrainingSetTable; summary: TrainingSetSummary } {
  const features = featureColumns(served.versions);
  const rows = served.rows.map((r) => trainingSetRow(features, r));
  const summary = new SummaryBuilder();
  served.rows.forEach((r) => summary.add(r));
  return { table: { columns: trainingSetColumns(features), rows, metadata: { 'rewind.view': view, ...metadata } }, summary: summary.result() };
}

/** A set's columns: the fixed ones, then its features (featureColumns). */
export function trainingSetColumns(features: ReturnType<typeof featureColumns>): TrainingSetTable['columns'] {
  return [...ROW_COLUMNS, ...features.map(({ name, type }) => ({ name, type }))];
}

/** One served row as a row of the set's Parquet table (a job writes them a part at a time: core/jobs/training-set.ts). */
export function trainingSetRow(features: ReturnType<typeof featureColumns>, r: ServedRow): FeatureValue[] {
  return [
    r.entity,
    r.at,
    r.version,
    r.arm,
    r.revision,
    r.servedFrom,
    r.found,
    ...features.map(({ feature, type }) => {
      const value = r.features[feature];
      if (value === undefined || value === null) return null;
      return type === 'string' && typeof value !== 'string' ? String(value) : value;
    }),
  ];
}

/** A set's summary, built a row at a time (memory: one entry per (version, arm) and per revision, not per row). */
export class SummaryBuilder {
  private readonly by = new Map<string, { version: number; arm: Arm | null; rows: number }>();
  private readonly revisions = new Set<number>();
  private rows = 0;
  private notServed = 0;
  private online = 0;
  private snapshot = 0;
  private from = Infinity;
  private to = -Infinity;

  add(r: ServedRow): void {
    this.rows++;
    const t = Date.parse(r.at);
    this.from = Math.min(this.from, t);
    this.to = Math.max(this.to, t);
    if (r.version === null) {
      this.notServed++;
      return;
    }
    const key = `${r.version}#${r.arm}`;
    const entry = this.by.get(key) ?? { version: r.version, arm: r.arm, rows: 0 };
    entry.rows++;
    this.by.set(key, entry);
    this.revisions.add(r.revision!);
    if (r.servedFrom === 'online') this.online++;
    else this.snapshot++;
  }

  result(): TrainingSetSummary {
    return {
      rows: this.rows,
      from: new Date(this.from).toISOString(),
      to: new Date(this.to).toISOString(),
      servedBy: [...this.by.values()].sort((a, b) => a.version - b.version || String(a.arm).localeCompare(String(b.arm))),
      notServed: this.notServed,
      online: this.online,
      snapshot: this.snapshot,
      revisions: [...this.revisions].sort((a, b) => a - b),
    };
  }
}
