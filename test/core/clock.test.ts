import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, SECOND } from '../../core/clock.ts';
import { Random } from '../../core/random.ts';

describe('Scheduler', () => {
  it('runs events in time order, then in the order they were scheduled', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const s = new Scheduler();
        const ran: [number, number][] = [];
        times.forEach((t, i) => s.at(t, () => ran.push([s.now, i])));
        s.runUntilIdle();
        const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(ran).toEqual(expected);
      }),
    );
  });
  it('skips cancelled timers and stops at a limit', () => {
    const s = new Scheduler();
    const ran: string[] = [];
    s.after(SECOND, () => ran.push('a'));
    s.after(2 * SECOND, () => ran.push('b')).cancel();
    s.after(3 * SECOND, () => ran.push('c'));
    s.advanceBy(2 * SECOND);
    expect(ran).toEqual(['a']);
    expect(s.now).toBe(2 * SECOND);
    expect(s.nextAt()).toBe(3 * SECOND);
    s.runUntilIdle();
    expect(ran).toEqual(['a', 'c']);
    expect(s.now).toBe(3 * SECOND);
  });
  it('lets events schedule events, and never goes back in time', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    s.at(10, () => {
      seen.push(s.now);
      s.at(5, () => seen.push(s.now));
    });
    s.runUntilIdle();
    expect(seen).toEqual([10, 10]);
  });
  it('refuses fractional times', () => {
    expect(() => new Scheduler().at(1.5, () => {})).toThrow(/whole number/);
  });
});

describe('Random', () => {
  it('is a pure function of the seed, with independent named streams', () => {
    const a = new Random(7);
    const b = new Random(7);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(new Random(8).nextU32()).not.toBe(xs[0]);
    const s1 = new Random(7).stream('mac').nextU32();
    const r = new Random(7);
    r.nextU32();
    expect(r.stream('mac').nextU32()).toBe(s1);
    expect(new Random(7).stream('ping').nextU32()).not.toBe(s1);
  });
  it('draws uniformly within bounds', () => {
    const r = new Random(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.below(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(9000);
    for (let i = 0; i < 1000; i++) {
      const x = r.between(15, 45);
      expect(x >= 15 && x <= 45).toBe(true);
    }
  });
});
