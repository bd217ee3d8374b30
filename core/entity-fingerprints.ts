/**
 * The entities a deploy job has seen, as 64-bit fingerprints in an open-addressing table
 * (two 32-bit hashes per slot, at most half full): 16 bytes per entity whatever its key's
 * length, instead of the key itself in a Set. The one part of a job's validation whose memory
 * grows with the rows (16 MB per million entities, docs/scale.md).
 *
 * A fingerprint match is only a suspicion (two keys may share one, with probability about
 * n²/2^65): the caller confirms it against the keys themselves before refusing a duplicate.
 */
export class EntityFingerprints {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  private size = 0;

  /** Adds the entity; false when its fingerprint was there already (a duplicate, or a collision to confirm). */
  add(entity: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < entity.length; i++) {
      const c = entity.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = fmix(h1 ^ entity.length) >>> 0;
    h2 = fmix(h2) >>> 0;
    if (h1 === 0 && h2 === 0) h2 = 1; // (0, 0) marks an empty slot
    if ((this.size + 1) * 2 > this.hi.length) this.grow();
    return this.insert(h1, h2);
  }

  private insert(h1: number, h2: number): boolean {
    const mask = this.hi.length - 1;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      const a = this.hi[slot]!;
      const b = this.lo[slot]!;
      if (a === 0 && b === 0) {
        this.hi[slot] = h1;
        this.lo[slot] = h2;
        this.size++;
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.size = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

/** murmur3's finalizer: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
