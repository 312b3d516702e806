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
  private readonly key: number;
  private readonly ids = new Uint16Array(BUCKETS);
  private readonly stamps = new Float64Array(BUCKETS);

  constructor(private readonly random: Random) {
    this.key = random.nextU32();
    for (let i = 0; i < BUCKETS; i++) this.ids[i] = random.below(65536);
  }

  /** The next ID for a packet from `source` to `destination` with `protocol`, at `now`. */
  next(destination: number, source: number, protocol: number, now: Instant): number {
    let h = this.key ^ destination;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ source;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ protocol;
    h = (h ^ (h >>> 16)) >>> 0;
    const bucket = h % BUCKETS;
    const jiffies = Math.floor(now / MILLISECOND);
    const old = this.stamps[bucket]!;
    let delta = 0;
    if (old !== jiffies) {
      delta = this.random.below(Math.max(1, jiffies - old));
      this.stamps[bucket] = jiffies;
    }
    const id = (this.ids[bucket]! + delta) & 0xffff;
    this.ids[bucket] = (id + 1) & 0xffff;
    return id;
  }
}
