/** Pointer transitions with a candidate on trial, and kill switches: pure functions, no store. */
import fc from 'fast-check';
import { InvalidStateError } from '../../core/errors';
import type { Pointer } from '../../core/model';
import { activatePointer, emptyPointer, promotePointer, rollbackChanges, rollbackPointer, rollbackTarget, startCandidate, switchFeature } from '../../core/pointer';

const stamp = { actor: 'alice', at: '2026-11-25T00:00:00Z' };
const canary = (version: number, percent = 10) => ({ version, strategy: 'canary' as const, percent });

function live(...versions: number[]): Pointer {
  return versions.reduce((p, v) => activatePointer(p, v, stamp), emptyPointer('v'));
}

describe('candidates', () => {
  it('a canary keeps stable serving and records who started it when', () => {
    const p = startCandidate(live(1), { ...canary(2, 5), bakeSeconds: 600 }, stamp);
    expect(p).toMatchObject({ stable: 1, candidate: { version: 2, strategy: 'canary', percent: 5, bakeSeconds: 600, startedBy: 'alice', startedAt: stamp.at }, revision: 2 });
  });

  it('refuses a candidate before anything is stable, the stable version itself, or a second candidate', () => {
    expect(() => startCandidate(emptyPointer('v'), canary(1), stamp)).toThrow(InvalidStateError);
    expect(() => startCandidate(live(1), canary(1), stamp)).toThrow(/already stable/);
    expect(() => startCandidate(startCandidate(live(1), canary(2), stamp), canary(3), stamp)).toThrow(/version 2 .* is on trial/);
  });

  it('widening the same candidate restarts its bake', () => {
    const first = startCandidate(live(1), canary(2, 5), stamp);
    const wider = startCandidate(first, canary(2, 50), { actor: 'bob', at: '2026-11-25T01:00:00Z' });
    expect(wider.candidate).toMatchObject({ percent: 50, startedAt: '2026-11-25T01:00:00Z', startedBy: 'bob' });
  });

  it('promote makes the candidate stable and the old stable the rollback target', () => {
    const p = promotePointer(startCandidate(live(1), canary(2), stamp), stamp);
    expect(p).toMatchObject({ stable: 2, previousStable: [1] });
    expect(p.candidate).toBeUndefined();
    expect(rollbackTarget(p)).toBe(1);
    expect(() => promotePointer(p, stamp)).toThrow(/no candidate/);
  });

  it('rollback during a trial drops the candidate, marks it rolled back, and leaves stable alone', () => {
    const trial = startCandidate(live(1), canary(2), stamp);
    expect(rollbackTarget(trial)).toBe(1);
    const p = rollbackPointer(trial, 1, stamp);
    expect(p).toMatchObject({ stable: 1, rolledBack: [2], previousStable: [], revision: trial.revision + 1 });
    expect(p.candidate).toBeUndefined();
    expect(rollbackChanges(p, 1)).toBe(false);
  });

  it('rollback to an earlier version during a trial drops the candidate and the stable version', () => {
    const trial = startCandidate(live(1, 2), canary(3), stamp);
    const p = rollbackPointer(trial, 1, stamp);
    expect(p).toMatchObject({ stable: 1, rolledBack: [3, 2] });
    expect(p.candidate).toBeUndefined();
  });

  it('an explicit new trial of a rolled-back version clears its mark', () => {
    const p = rollbackPointer(startCandidate(live(1), canary(2), stamp), 1, stamp);
    expect(startCandidate(p, canary(2), stamp).rolledBack).toEqual([]);
  });
});

describe('kill switches', () => {
  it('disables and enables one feature, each a revision of its own', () => {
    const p1 = switchFeature(live(1), 'age', true, stamp);
    expect(p1).toMatchObject({ stable: 1, disabledFeatures: ['age'], revision: 2 });
    const p2 = switchFeature(p1, 'country', true, stamp);
    expect(p2.disabledFeatures).toEqual(['age', 'country']);
    expect(switchFeature(p2, 'age', false, stamp)).toMatchObject({ disabledFeatures: ['country'], revision: 4 });
  });

  it('survive activation, promotion and rollback: switching back on is a decision of its own', () => {
    const off = switchFeature(live(1), 'age', true, stamp);
    expect(activatePointer(off, 2, stamp).disabledFeatures).toEqual(['age']);
    expect(promotePointer(startCandidate(off, canary(2), stamp), stamp).disabledFeatures).toEqual(['age']);
    expect(rollbackPointer(activatePointer(off, 2, stamp), 1, stamp).disabledFeatures).toEqual(['age']);
  });
});

describe('property: any sequence of changes', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('activate' as const), version: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ kind: fc.constant('trial' as const), version: fc.integer({ min: 1, max: 6 }), percent: fc.integer({ min: 1, max: 100 }), shadow: fc.boolean() }),
    fc.record({ kind: fc.constant('promote' as const) }),
    fc.record({ kind: fc.constant('rollback' as const) }),
    fc.record({ kind: fc.constant('switch' as const), feature: fc.constantFrom('a', 'b', 'c'), off: fc.boolean() }),
  );

  it('bumps the revision by one, never serves a rolled-back version, and never has the stable version on trial', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let p: Pointer = emptyPointer('v');
        for (const s of steps) {
          const before = p;
          try {
            if (s.kind === 'activate') {
              if (p.candidate && p.candidate.version !== s.version) continue; // the use case refuses this
              p = activatePointer(p, s.version, stamp);
            } else if (s.kind === 'trial') p = startCandidate(p, s.shadow ? { version: s.version, strategy: 'shadow', percent: 0 } : canary(s.version, s.percent), stamp);
            else if (s.kind === 'promote') p = promotePointer(p, stamp);
            else if (s.kind === 'rollback') {
              const target = rollbackTarget(p);
              if (!rollbackChanges(p, target)) continue;
              p = rollbackPointer(p, target, stamp);
              if (before.candidate) expect(p.rolledBack).toContain(before.candidate.version);
              expect(p.candidate).toBeUndefined();
            } else p = switchFeature(p, s.feature, s.off, stamp);
          } catch (error) {
            // Refused transitions change nothing.
            expect(error).toBeInstanceOf(Error);
            expect(p).toBe(before);
            continue;
          }
          expect(p.revision).toBe(before.revision + 1);
          expect(p.rolledBack).not.toContain(p.stable);
          if (p.candidate) {
            expect(p.candidate.version).not.toBe(p.stable);
            expect(p.rolledBack).not.toContain(p.candidate.version);
          }
          expect(new Set(p.disabledFeatures).size).toBe(p.disabledFeatures.length);
        }
      }),
    );
  });
});
