import type { Instant } from '../core/clock.ts';
import { MILLISECOND } from '../core/clock.ts';
import type { Random } from '../core/random.ts';

const BUCKETS = 2048;

/**
 * IP identification for packets without a connected socket (net/ipv4/route.c: ip_idents_reserve()): a hashed
 * bucket per (destination, source, protocol) holding a counter that advances by a random amount that grows with
 * the time since the bucket was last used. Seeded, so the IDs are a pure function of the run.
 */
export class IpIdents {
  /**
   * The key and buckets are drawn from the seeded stream on first use, not at construction: a namespace that never
   * sends costs nothing (20 KiB and 2,049 draws saved per namespace), and the stream, which nothing else reads,
   * gives the same values whenever they are drawn.
   */
  private state: { readonly random: Random; readonly key: number; readonly ids: Uint16Array; readonly stamps: Float64Array } | undefined;

  constructor(private readonly stream: Random | (() => Random)) {}

  private init(): NonNullable<IpIdents['state']> {
    const random = typeof this.stream === 'function' ? this.stream() : this.stream;
    const key = random.nextU32();
    const ids = new Uint16Array(BUCKETS);
    for (let i = 0; i < BUCKETS; i++) ids[i] = random.below(65536);
    this.state = { random, key, ids, stamps: new Float64Array(BUCKETS) };
    return this.state;
  }

  /** The next ID for a packet from `source` to `destination` with `protocol`, at `now`. */
  next(destination: number, source: number, protocol: number, now: Instant): number {
    const state = this.state ?? this.init();
    let h = state.key ^ destination;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ source;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ protocol;
    h = (h ^ (h >>> 16)) >>> 0;
    const bucket = h % BUCKETS;
    const jiffies = Math.floor(now / MILLISECOND);
    const old = state.stamps[bucket]!;
    let delta = 0;
    if (old !== jiffies) {
      delta = state.random.below(Math.max(1, jiffies - old));
      state.stamps[bucket] = jiffies;
    }
    const id = (state.ids[bucket]! + delta) & 0xffff;
    state.ids[bucket] = (id + 1) & 0xffff;
    return id;
  }
}
