/** How many pairings of a family a correspondence outlives unused, at least (see `Bijection`). */
export const BIJECTION_WINDOW = 16_384;

/** Size of the recent-pairs cache (a power of two). */
const CACHE = 8;

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
  private forward = new Map<number, number>();
  private backward = new Map<number, number>();
  private olderForward = new Map<number, number>();
  private olderBackward = new Map<number, number>();
  private tick = 0;
  /** A few recent pairs known to be in the young generation both ways (direct-mapped by A's value). */
  private readonly cacheA = new Float64Array(CACHE).fill(NaN);
  private readonly cacheB = new Float64Array(CACHE).fill(NaN);

  constructor(private readonly window = BIJECTION_WINDOW) {}

  /** Pairs `a` with `b`; returns undefined when consistent, else why not (nothing is recorded then). */
  pair(a: number, b: number): BijectionConflict | undefined {
    if (++this.tick >= this.window) {
      this.tick = 0;
      this.olderForward = this.forward;
      this.olderBackward = this.backward;
      this.forward = new Map();
      this.backward = new Map();
      this.cacheA.fill(NaN);
    }
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
}

/** Why a pairing failed: A's value already stands for another B value, or B's value for another A value. */
export interface BijectionConflict {
  readonly aPairedWith: number | undefined;
  readonly bPairedWith: number | undefined;
}
