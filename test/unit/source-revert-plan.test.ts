/** Source-level revert's plan per view (core/source-revert.ts planView), from a pointer and records alone. */
import type { Pointer, VersionRecord } from '../../core/model';
import { featuresFedBy, planView, readsSource } from '../../core/source-revert';

const BAD = 's3://lake/bad';
const GOOD = 's3://lake/good';

function rec(version: number, sources: string[], over: Partial<VersionRecord> = {}): VersionRecord {
  return {
    view: 'v',
    version,
    definition: { entity: 'id', features: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }], tier: 'standard', owners: [] },
    sources: sources.map((uri) => ({ uri, checksum: `sha:${uri}` })),
    outcome: 'ready',
    ...over,
  } as VersionRecord;
}

function pointer(stable: number | null, over: Partial<Pointer> = {}): Pointer {
  return { view: 'v', stable, previousStable: [], rolledBack: [], disabledFeatures: [], revision: 3, ...over } as Pointer;
}

it('leaves a view alone when nothing it serves read the source', () => {
  expect(planView(pointer(2), [rec(1, [BAD]), rec(2, [GOOD])], { uri: BAD })).toBeUndefined();
});

it('goes back to the newest earlier accepted version without the source, skipping rejected and rolled-back ones', () => {
  const records = [rec(1, [GOOD]), rec(2, [GOOD]), rec(3, [GOOD], { outcome: 'rejected' }), rec(4, [BAD]), rec(5, [GOOD, BAD])];
  expect(planView(pointer(5), records, { uri: BAD })).toMatchObject({ outcome: 'revert', fromVersion: 5, toVersion: 2, readSource: [5] });
  expect(planView(pointer(5, { rolledBack: [2] }), records, { uri: BAD })).toMatchObject({ outcome: 'revert', toVersion: 1 });
});

it('drops a candidate that read the source and keeps the stable version', () => {
  const plan = planView(pointer(1, { candidate: { version: 2, strategy: 'canary', percent: 5 } as Pointer['candidate'] }), [rec(1, [GOOD]), rec(2, [BAD])], { uri: BAD });
  expect(plan).toMatchObject({ outcome: 'revert', fromVersion: 2, toVersion: 1, servedBefore: { stable: 1, candidate: 2 } });
});

it('offers the kill switch for the features the source feeds when no earlier version did without it', () => {
  const lineage = { kind: 'sql', ref: 'q', columnLineage: { b: [{ source: BAD, field: 'x' }], a: [{ source: GOOD, field: 'y' }] } };
  const plan = planView(pointer(1), [rec(1, [BAD, GOOD], { transformation: lineage })], { uri: BAD });
  expect(plan).toMatchObject({ outcome: 'no-target', killSwitch: { features: ['b'], routes: ['POST /views/v/features/b/disable'] } });
  // Without column lineage the source feeds the whole view.
  expect(featuresFedBy(rec(1, [BAD]), { uri: BAD })).toEqual(['a', 'b']);
});

it('matches a source by uri, by checksum, or by both', () => {
  const r = rec(1, [BAD]);
  expect(readsSource(r, { uri: BAD })).toBe(true);
  expect(readsSource(r, { checksum: `sha:${BAD}` })).toBe(true);
  expect(readsSource(r, { uri: BAD, checksum: 'sha:other' })).toBe(false);
  expect(readsSource(r, { uri: GOOD })).toBe(false);
});
