/** How many pairings of a family a correspondence outlives unused, at least (see `Bijection`). */
export const BIJECTION_WINDOW = 16_384;

/** Size of the recent-pairs cache (a power of two). */
const CACHE = 8;

/**
 * A number → number table for one generation of a bijection: open addressing with linear probing over typed
 * arrays (keys NaN when empty), grown at half load, emptied whole. A JS Map boxes its keys and costs several times
 * more per lookup, and a bijection does millions of them.
 */
class NumberTable {
  private keys = new Float64Array(64).fill(NaN);
  private values = new Float64Array(64);
  private mask = 63;
  private used = 0;

  private slot(key: number): number {
    let i = (Math.imul((key >>> 0) ^ Math.imul((key / 0x100000000) | 0, 0x85ebca6b), 0x9e3779b1) >>> 0) & this.mask;
    const keys = this.keys;
    while (keys[i] === keys[i] && keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  get(key: number): number | undefined {
    const i = this.slot(key);
    return this.keys[i] === key ? this.values[i] : undefined;
  }

  set(key: number, value: number): void {
    let i = this.slot(key);
    if (this.keys[i] !== key) {
      if (++this.used * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
    }
    this.values[i] = value;
  }

  clear(): void {
    if (this.used === 0) return;
    this.keys.fill(NaN);
    this.used = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2).fill(NaN);
    this.values = new Float64Array(keys.length * 2);
    this.mask = keys.length * 2 - 1;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key !== key) continue;
      const i = this.slot(key);
      this.keys[i] = key;
      this.values[i] = values[k]!;
    }
  }
}

/**
 * A one-to-one correspondence between values of one family in two captures (DESIGN.md §5: "mapped consistently"),
 * built as frames are paired: the first pairing of a value fixes its partner, and a later pairing that contradicts
 * it is a difference.
 *
 * A pair left unused for between one and two windows of `window` pairings lapses (the pairs live in two
 * generations; each window the older one is dropped), so that values reused after a long time (IP ID counters that
 * wrap, ports taken again by a later connection) may pair anew, and memory stays bounded; the relations that
 * matter (a reply and its request, a packet before and after forwarding, an error and the datagram it quotes) lie
 * far closer than that.
 */
export class Bijection {
  private forward = new NumberTable();
  private backward = new NumberTable();
  private olderForward = new NumberTable();
  private olderBackward = new NumberTable();
  private tick = 0;
  /** A few recent pairs known to be in the young generation both ways (direct-mapped by A's value). */
  private readonly cacheA = new Float64Array(CACHE).fill(NaN);
  private readonly cacheB = new Float64Array(CACHE).fill(NaN);

  constructor(private readonly window = BIJECTION_WINDOW) {}

  /** Pairs `a` with `b`; returns undefined when consistent, else why not (nothing is recorded then). */
  pair(a: number, b: number): BijectionConflict | undefined {
    if (++this.tick >= this.window) this.rotate();
    const slot = (a ^ (a / 0x10000)) & (CACHE - 1);
    if (this.cacheA[slot] === a && this.cacheB[slot] === b) return undefined;
    // Pairs are stored and promoted both ways at once, so a pair in the young generation is there both ways.
    const f = this.forward.get(a);
    if (f === b) {
      this.cacheA[slot] = a;
      this.cacheB[slot] = b;
      return undefined;
    }
    const partnerOfA = f ?? this.olderForward.get(a);
    const partnerOfB = this.backward.get(b) ?? this.olderBackward.get(b);
    if ((partnerOfA === undefined && partnerOfB === undefined) || partnerOfA === b) {
      this.forward.set(a, b);
      this.backward.set(b, a);
      this.cacheA[slot] = a;
      this.cacheB[slot] = b;
      return undefined;
    }
    return { aPairedWith: partnerOfA, bPairedWith: partnerOfB };
  }

  /** The B value an A value corresponds to, if any. */
  partnerOf(a: number): number | undefined {
    return this.forward.get(a) ?? this.olderForward.get(a);
  }

  /** Drops the older generation; the young one becomes the older. */
  private rotate(): void {
    this.tick = 0;
    const f = this.olderForward;
    const b = this.olderBackward;
    this.olderForward = this.forward;
    this.olderBackward = this.backward;
    f.clear();
    b.clear();
    this.forward = f;
    this.backward = b;
    this.cacheA.fill(NaN);
  }
}

/** Why a pairing failed: A's value already stands for another B value, or B's value for another A value. */
export interface BijectionConflict {
  readonly aPairedWith: number | undefined;
  readonly bPairedWith: number | undefined;
}
