import fc from 'fast-check';
import { NoRollbackTargetError } from '../../core/errors';
import type { Pointer } from '../../core/model';
import { activatePointer, emptyPointer, rollbackPointer, rollbackTarget } from '../../core/pointer';

const stamp = { actor: 'alice', at: '2026-11-25T00:00:00Z' };

describe('pointer transitions', () => {
  it('activation remembers the version it replaces as the rollback target', () => {
    const p1 = activatePointer(emptyPointer('v'), 1, stamp);
    const p2 = activatePointer(p1, 2, stamp);
    expect(p2).toMatchObject({ stable: 2, previousStable: [1], revision: 2 });
    expect(rollbackTarget(p2)).toBe(1);
  });

  it('rollback marks the version left behind so it is not chosen again', () => {
    let p = emptyPointer('v');
    for (const v of [1, 2, 3]) p = activatePointer(p, v, stamp);
    p = rollbackPointer(p, rollbackTarget(p), stamp); // 3 → 2
    expect(p).toMatchObject({ stable: 2, rolledBack: [3], previousStable: [1] });
    p = rollbackPointer(p, rollbackTarget(p), stamp); // 2 → 1
    expect(p).toMatchObject({ stable: 1, rolledBack: [3, 2], previousStable: [] });
    expect(() => rollbackTarget(p)).toThrow(NoRollbackTargetError);
  });

  it('skips rolled-back versions when choosing a target', () => {
    let p = emptyPointer('v');
    for (const v of [1, 2]) p = activatePointer(p, v, stamp);
    p = rollbackPointer(p, 1, stamp); // 2 is bad
    p = activatePointer(p, 3, stamp); // previousStable [1]
    p = activatePointer(p, 2, stamp); // someone re-activates 2 explicitly: the mark is cleared
    expect(p.rolledBack).toEqual([]);
    expect(rollbackTarget(p)).toBe(3);
  });

  it('refuses to roll back a view that was never activated', () => {
    expect(() => rollbackTarget(emptyPointer('v'))).toThrow(/never been activated/);
  });

  const actions = fc.array(
    fc.oneof(fc.record({ kind: fc.constant('activate' as const), version: fc.integer({ min: 1, max: 6 }) }), fc.record({ kind: fc.constant('rollback' as const) })),
    { maxLength: 40 },
  );

  it('property: every change bumps the revision by one and a rollback never lands on a rolled-back or current version', () => {
    fc.assert(
      fc.property(actions, (steps) => {
        let p: Pointer = emptyPointer('v');
        for (const step of steps) {
          const before = p;
          if (step.kind === 'activate') {
            if (p.stable === step.version) continue;
            p = activatePointer(p, step.version, stamp);
          } else {
            let target: number;
            try {
              target = rollbackTarget(p);
            } catch {
              continue;
            }
            expect(target).not.toBe(before.stable);
            expect(before.rolledBack).not.toContain(target);
            p = rollbackPointer(p, target, stamp);
            expect(p.rolledBack).toContain(before.stable);
          }
          expect(p.revision).toBe(before.revision + 1);
          expect(p.previousStable).not.toContain(p.stable === null ? -1 : Number.NaN);
          expect(p.rolledBack).not.toContain(p.stable);
        }
      }),
    );
  });
});
