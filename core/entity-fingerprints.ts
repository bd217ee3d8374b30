/**
 * The entities a deploy job has seen, as 64-bit fingerprints in an open-addressing table
 * (two 32-bit hashes per slot, at most half full): 16 bytes per entity whatever its key's
 * length, instead of the key itself in a Set. The one part of a job's validation whose memory
 * grows with the rows (16 MB per million entities, docs/scale.md).
 *
 * A fingerprint match is only a suspicion (two keys may share one, with probability about
 * n²/2^65): the caller confirms it against the keys themselves before refusing a duplicate.
 *
 * A validation that runs across several invocations saves the set between them
 * ({@link EntityFingerprints.toBytes}, {@link EntityFingerprints.fromBytes}): only the
 * fingerprints, 8 bytes per entity (the table's empty half is not stored), so 8 MB per million
 * entities, 160 MB at 20 million.
 */
export class EntityFingerprints {
  private hi = new Uint32Array(MIN_SLOTS);
  private lo = new Uint32Array(MIN_SLOTS);
  private size = 0;

  /** How many distinct fingerprints the set holds. */
  get count(): number {
    return this.size;
  }

  /**
   * The set as bytes, for {@link EntityFingerprints.fromBytes}: each entity's fingerprint as
   * two little-endian 32-bit words (hi, lo), in slot order, and nothing else: 8 bytes per
   * entity (160 MB at 20 million entities).
   */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.size * 8);
    const view = new DataView(bytes.buffer);
    const { hi, lo } = this;
    let at = 0;
    for (let i = 0; i < hi.length; i++) {
      const a = hi[i]!;
      const b = lo[i]!;
      if (a === 0 && b === 0) continue;
      view.setUint32(at, a, true);
      view.setUint32(at + 4, b, true);
      at += 8;
    }
    return bytes;
  }

  /**
   * The set that wrote `bytes` with {@link EntityFingerprints.toBytes}: `add` answers as it
   * would have. The table is sized once, to the size the uninterrupted set would have grown
   * to. Bytes that are not such a set (a length not a multiple of 8, an empty-slot or repeated
   * fingerprint) are refused with an Error.
   */
  static fromBytes(bytes: Uint8Array): EntityFingerprints {
    if (bytes.byteLength % 8 !== 0) throw new Error(`entity fingerprints: ${bytes.byteLength} bytes is not a whole number of 8-byte fingerprints`);
    const n = bytes.byteLength / 8;
    const restored = new EntityFingerprints();
    // add grows before a table would be more than half full: the smallest such power of two.
    let slots = MIN_SLOTS;
    while (n * 2 > slots) slots *= 2;
    if (slots !== MIN_SLOTS) {
      restored.hi = new Uint32Array(slots);
      restored.lo = new Uint32Array(slots);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.byteLength; at += 8) {
      const a = view.getUint32(at, true);
      const b = view.getUint32(at + 4, true);
      if ((a === 0 && b === 0) || !restored.insert(a, b)) throw new Error(`entity fingerprints: fingerprint ${at / 8} is ${a === 0 && b === 0 ? 'the empty slot' : 'repeated'}; not bytes from toBytes`);
    }
    return restored;
  }

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

const MIN_SLOTS = 1 << 16;

/** murmur3's finalizer: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
