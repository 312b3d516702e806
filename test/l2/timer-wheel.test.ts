import { describe, expect, it } from 'vitest';
import { MILLISECOND } from '../../core/clock.ts';
import { wheelExpiry } from '../../l2/timer-wheel.ts';

const ms = (n: number): number => n * MILLISECOND;
/** HZ 250 with jiffy boundaries on whole multiples of 4 ms from time 0. */
const WHEEL = { hz: 250, phase: 0 };

describe('wheelExpiry (kernel/time/timer.c calc_wheel_index, calc_index)', () => {
  it('files a timer by its delta in jiffies and rounds it up to the next bucket of that level', () => {
    // Level 0 (< 63 jiffies): one jiffy after the deadline.
    expect(wheelExpiry(WHEEL, 0, ms(100))).toBe(ms(104));
    // Level 1 (63-503 jiffies): buckets of 8 jiffies, 32 ms. A 1 s timer armed at 0 is due at jiffy 250.
    expect(wheelExpiry(WHEEL, 0, ms(1000))).toBe(ms(1024));
    expect(wheelExpiry(WHEEL, 0, ms(1020))).toBe(ms(1024));
    expect(wheelExpiry(WHEEL, 0, ms(1024))).toBe(ms(1056));
    // 503 jiffies is still level 1; 504 is level 2 (buckets of 64 jiffies, 256 ms).
    expect(wheelExpiry(WHEEL, 0, ms(503 * 4))).toBe(ms(504 * 4));
    expect(wheelExpiry(WHEEL, 0, ms(504 * 4))).toBe(ms(512 * 4));
    // Level 3 (4032 jiffies on, 16.128 s): buckets of 512 jiffies, 2.048 s: a 30 s reachable_time runs up to 2 s late.
    expect(wheelExpiry(WHEEL, 0, ms(30_000))).toBe(ms(30_720));
    // A deadline already past runs at the next jiffy.
    expect(wheelExpiry(WHEEL, ms(5001), ms(4000))).toBe(ms(5004));
  });

  it('puts the grid where the phase says', () => {
    expect(wheelExpiry({ hz: 250, phase: ms(2) }, 0, ms(1000))).toBe(ms(1022));
    // At HZ 1000 the levels are four times narrower in time: 400 ms is level 1 (8 ms buckets), 1 s level 2 (64 ms).
    expect(wheelExpiry({ hz: 1000, phase: 0 }, 0, ms(400))).toBe(ms(408));
    expect(wheelExpiry({ hz: 1000, phase: 0 }, 0, ms(1000))).toBe(ms(1024));
  });

  it('reproduces b’s unicast probes of fixtures/nud/idle-reprobe.pcap from their deadlines', () => {
    // b's entry went DELAY at 1,008.2 ms (its echo reply) with delay_first_probe_time 5 s, REACHABLE at each probe's
    // reply, reachable_time 2,504 ms, then DELAY again: the recording's probes left at 6,239.0, 13,919.0, 21,599.0 and
    // 29,279.0 ms. A phase that puts a 256 ms boundary at 6,239 ms gives all four.
    const wheel = { hz: 250, phase: ms(256 - (6239 % 256)) };
    let delayStart = 1008.2;
    for (const probe of [6239, 13919, 21599, 29279]) {
      const fired = wheelExpiry(wheel, ms(delayStart), Math.round(ms(delayStart + 5000))) / MILLISECOND;
      expect(fired).toBe(probe);
      const reachableEnds = wheelExpiry(wheel, ms(probe), ms(probe + 2504)) / MILLISECOND;
      delayStart = reachableEnds;
    }
  });
});
