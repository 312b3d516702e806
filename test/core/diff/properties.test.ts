/**
 * Properties of the frame comparison over generated traffic (test/core/diff/traffic.ts): a capture against itself
 * is all matched; against a shuffle of itself only reordering is reported; against a run of the same conversation
 * with other random values (what a right simulator gives) nothing diverges; one TTL changed is exactly one field.
 * And the alignment against a brute-force longest common subsequence.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { align } from '../../../core/diff/align.ts';
import { Bijection } from '../../../core/diff/bijection.ts';
import { diffCaptures } from '../../../core/diff/capture-diff.ts';
import type { DiffFrame } from '../../../core/diff/frame.ts';
import { Random } from '../../../core/random.ts';
import { withByte } from './frames.ts';
import { traffic } from './traffic.ts';

const seed = fc.integer({ min: 0, max: 0xffff_ffff });

/** A seeded Fisher-Yates shuffle. */
function shuffle<T>(list: readonly T[], s: number): T[] {
  const out = [...list];
  const r = new Random(s);
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.below(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('twinnet diff properties', () => {
  it('diff(a, a) is empty', () => {
    fc.assert(
      fc.property(seed, seed, fc.integer({ min: 1, max: 40 }), fc.boolean(), (structure, values, events, sameMacs) => {
        const a = traffic({ events, structureSeed: structure, valueSeed: values });
        const r = diffCaptures(a, a, { sameMacs });
        expect(r.counts).toEqual({ matched: a.length, missing: 0, extra: 0, different: 0, reordered: 0 });
        expect(r.points[0]!.differences).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('diff(a, shuffle(a)) reports only reordering', () => {
    fc.assert(
      fc.property(seed, seed, seed, fc.integer({ min: 1, max: 30 }), (structure, values, order, events) => {
        const a = traffic({ events, structureSeed: structure, valueSeed: values, noTcp: true });
        const b = shuffle(a, order);
        const r = diffCaptures(a, b);
        expect(r.counts.missing + r.counts.extra + r.counts.different).toBe(0);
        expect(r.counts.matched + r.counts.reordered).toBe(a.length);
        expect(r.points[0]!.differences.every((d) => d.kind === 'reordered' && d.fields.length === 0)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('the same conversation with other random values has no divergence', () => {
    fc.assert(
      fc.property(seed, seed, seed, fc.integer({ min: 1, max: 40 }), (structure, x, y, events) => {
        const a = traffic({ events, structureSeed: structure, valueSeed: x });
        const b = traffic({ events, structureSeed: structure, valueSeed: y });
        const r = diffCaptures(a, b);
        expect(r.divergences).toBe(0);
        expect(r.counts.matched).toBe(a.length);
      }),
      { numRuns: 100 },
    );
  });

  it('one TTL changed in one IPv4 frame is reported as exactly that field of that frame', () => {
    fc.assert(
      fc.property(seed, seed, fc.integer({ min: 1, max: 30 }), fc.nat(), (structure, values, events, pick) => {
        const a = traffic({ events, structureSeed: structure, valueSeed: values });
        const ipv4 = a.flatMap((f, i) => (f.data[12] === 0x08 && f.data[13] === 0x00 ? [i] : []));
        fc.pre(ipv4.length > 0);
        const i = ipv4[pick % ipv4.length]!;
        const b = withByte(a, i, 14 + 8, (a[i]!.data[14 + 8]! + 1) & 0xff);
        const r = diffCaptures(a, b);
        const d = r.points[0]!.differences;
        expect(d.map((x) => [x.kind, x.a?.index, x.b?.index, x.fields.map((f) => f.field)])).toEqual([['different', i, i, ['ipv4.ttl']]]);
      }),
      { numRuns: 100 },
    );
  });
});

/** The length of a longest common subsequence, by dynamic programming. */
function lcsLength(a: readonly number[], b: readonly number[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

/** Whether an alignment pairs equal keys, in increasing order on both sides, each at most once. */
function valid(a: readonly number[], b: readonly number[], aMatch: Int32Array, bMatch: Int32Array): boolean {
  let last = -1;
  for (let i = 0; i < a.length; i++) {
    const j = aMatch[i]!;
    if (j < 0) continue;
    if (j <= last || a[i] !== b[j] || bMatch[j] !== i) return false;
    last = j;
  }
  return true;
}

describe('align', () => {
  const keys = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 });
  it('finds a longest common subsequence (Myers)', () => {
    fc.assert(
      fc.property(keys, keys, (a, b) => {
        const { aMatch, bMatch, approximate } = align(a, b);
        expect(approximate).toBe(false);
        expect(valid(a, b, aMatch, bMatch)).toBe(true);
        expect(aMatch.filter((j) => j >= 0).length).toBe(lcsLength(a, b));
      }),
      { numRuns: 500 },
    );
  });
  it('falls back to a valid greedy matching past its edit bound', () => {
    fc.assert(
      fc.property(keys, keys, (a, b) => {
        const { aMatch, bMatch } = align(a, b, 0);
        expect(valid(a, b, aMatch, bMatch)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Bijection', () => {
  it('pairs values one-to-one and names the pairs a conflict contradicts', () => {
    const m = new Bijection();
    expect(m.pair(1, 10)).toBeUndefined();
    expect(m.pair(1, 10)).toBeUndefined();
    expect(m.pair(2, 20)).toBeUndefined();
    expect(m.pair(1, 20)).toEqual({ aPairedWith: 10, bPairedWith: 2 });
    expect(m.pair(3, 10)).toEqual({ aPairedWith: undefined, bPairedWith: 1 });
    expect(m.partnerOf(2)).toBe(20);
  });
  it('lets a pair unused for two windows lapse, but not one in use', () => {
    const m = new Bijection(4);
    m.pair(1, 10);
    for (let k = 0; k < 8; k++) m.pair(100 + k, 200 + k);
    expect(m.pair(1, 11)).toBeUndefined();
    const n = new Bijection(4);
    n.pair(1, 10);
    for (let k = 0; k < 8; k++) {
      n.pair(100 + k, 200 + k);
      n.pair(1, 10);
    }
    expect(n.pair(1, 11)).toEqual({ aPairedWith: 10, bPairedWith: undefined });
  });
});

it('frames helper: withByte keeps the other frames', () => {
  const a: DiffFrame[] = traffic({ events: 3, structureSeed: 1, valueSeed: 1 });
  expect(withByte(a, 0, 0, 1).slice(1)).toEqual(a.slice(1));
});
