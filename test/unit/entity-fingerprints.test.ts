import fc from 'fast-check';
import { EntityFingerprints } from '../../core/entity-fingerprints';

describe('EntityFingerprints', () => {
  it('says false only for an entity added before, across the table growing', () => {
    const seen = new EntityFingerprints();
    let refused = 0;
    for (let i = 0; i < 200_000; i++) if (!seen.add(`u${i}`)) refused++;
    expect(refused).toBe(0);
    for (const i of [0, 1, 65_535, 199_999]) expect(seen.add(`u${i}`)).toBe(false);
    expect(seen.add('u200000')).toBe(true);
    expect(seen.add('')).toBe(true);
    expect(seen.add('')).toBe(false);
  });

  it('saved as bytes and restored, says false for every key it had and true for new ones', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 12, unit: 'binary' }), { maxLength: 300 }), fc.nat(), (keys, cut) => {
        const split = cut % (keys.length + 1);
        const [had, fresh] = [keys.slice(0, split), keys.slice(split)];
        const before = new EntityFingerprints();
        for (const k of had) before.add(k);
        const bytes = before.toBytes();
        expect(bytes.byteLength).toBe(8 * had.length);
        const restored = EntityFingerprints.fromBytes(bytes);
        expect(restored.count).toBe(had.length);
        expect(had.filter((k) => restored.add(k))).toEqual([]);
        expect(fresh.filter((k) => !restored.add(k))).toEqual([]);
        expect(fresh.filter((k) => restored.add(k))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips a set large enough to grow the table, holding the same fingerprints, and an empty one', () => {
    const seen = new EntityFingerprints();
    for (let i = 0; i < 100_000; i++) seen.add(`u${i}`);
    const bytes = seen.toBytes();
    const restored = EntityFingerprints.fromBytes(bytes);
    const pairs = (b: Uint8Array) => new BigUint64Array(b.slice().buffer).sort();
    expect(pairs(restored.toBytes())).toEqual(pairs(bytes));
    expect(restored.add('u99999')).toBe(false);
    expect(restored.add('u100000')).toBe(true);

    const empty = new EntityFingerprints().toBytes();
    expect(empty.byteLength).toBe(0);
    const none = EntityFingerprints.fromBytes(empty);
    expect(none.count).toBe(0);
    expect(none.add('u0')).toBe(true);
    expect(none.add('u0')).toBe(false);
  });

  it('reads bytes at any offset into their buffer, and refuses bytes toBytes cannot have written', () => {
    const seen = new EntityFingerprints();
    for (const k of ['a', 'b', 'c']) seen.add(k);
    const padded = new Uint8Array(3 + 24);
    padded.set(seen.toBytes(), 3);
    const restored = EntityFingerprints.fromBytes(padded.subarray(3));
    expect(['a', 'b', 'c'].map((k) => restored.add(k))).toEqual([false, false, false]);

    expect(() => EntityFingerprints.fromBytes(new Uint8Array(7))).toThrow(/not a whole number/);
    expect(() => EntityFingerprints.fromBytes(new Uint8Array(8))).toThrow(/the empty slot/);
    const once = seen.toBytes().subarray(0, 8);
    const twice = new Uint8Array(16);
    twice.set(once, 0);
    twice.set(once, 8);
    expect(() => EntityFingerprints.fromBytes(twice)).toThrow(/fingerprint 1 is repeated/);
  });
});
