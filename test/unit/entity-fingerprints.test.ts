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
});
