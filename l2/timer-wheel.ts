import { SECOND, type Duration, type Instant } from '../core/clock.ts';

/**
 * The kernel's timer wheel, as far as it decides when a timer runs (kernel/time/timer.c): time counts in jiffies
 * of 1/HZ s, and a timer armed `delta` jiffies ahead is filed in a level whose buckets are 8^level jiffies wide,
 * rounded up to the next bucket boundary. So a neighbour timer of a few seconds runs up to 256 ms (HZ 250) after
 * its deadline, always on the same grid of absolute jiffies.
 */
export interface TimerWheel {
  /** CONFIG_HZ (250 on the kernel the fixtures were recorded on). */
  readonly hz: number;
  /** Where virtual time 0 falls in the jiffies grid: jiffies(t) = floor((t + phase) / (1 s / hz)). */
  readonly phase: Duration;
}

/** LVL_CLK_SHIFT: each level's buckets are 8 times as wide as the previous level's. */
const LVL_CLK_SHIFT = 3;
/** LVL_DEPTH for HZ > 100. */
const LVL_DEPTH = 9;

/** LVL_START(n): the smallest delta (jiffies) filed in level n, for n >= 1. */
function levelStart(n: number): number {
  return 63 * 2 ** (LVL_CLK_SHIFT * (n - 1));
}

/**
 * When a timer armed at `now` for `at` really runs: calc_wheel_index() picks the level from the delta in jiffies
 * and calc_index() rounds the expiry up to the level's next bucket (`((expires >> shift) + 1) << shift`); the
 * timer softirq runs it when jiffies reach that bucket. An expiry already past runs at the next jiffy.
 */
export function wheelExpiry(wheel: TimerWheel, now: Instant, at: Instant): Instant {
  const jiffy = SECOND / wheel.hz;
  const clk = Math.floor((now + wheel.phase) / jiffy);
  const expires = Math.floor((at + wheel.phase) / jiffy);
  const delta = expires - clk;
  let bucket: number;
  if (delta < 0) {
    bucket = clk + 1;
  } else {
    let level = 0;
    while (level + 1 < LVL_DEPTH && delta >= levelStart(level + 1)) level++;
    const width = 2 ** (LVL_CLK_SHIFT * level);
    bucket = (Math.floor(expires / width) + 1) * width;
  }
  return Math.max(now, Math.round(bucket * jiffy) - wheel.phase);
}
