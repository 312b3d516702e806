import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimestampScale } from '../../../core/pcap/timestamp.ts';

/** The conversion done in BigInt throughout, as the spec states it [draft-ietf-opsawg-pcapng-02 §4.2]. */
function reference(tsresol: number, tsoffset: number, high: number, low: number): [number, number] {
  const units = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol & 0x7f);
  const t = (BigInt(high) << 32n) + BigInt(low);
  return [Number(t / units + BigInt(tsoffset)), Number(((t % units) * 1_000_000_000n) / units)];
}

describe('TimestampScale', () => {
  const word = fc.integer({ min: 0, max: 0xffff_ffff });
  const tsresol = fc.oneof(fc.constantFrom(6, 9, 3, 0, 12, 0x80 | 20, 0x80 | 30, 0x80 | 40), fc.integer({ min: 0, max: 0xff }));
  // Seconds are exact up to 2^53, far past any real capture; the offset is kept where the sum stays exact.
  const offset = fc.integer({ min: -1e12, max: 1e12 });

  it('splits 64-bit timestamps exactly as BigInt arithmetic does, for every resolution', () => {
    fc.assert(
      fc.property(tsresol, offset, word, word, (r, o, high, low) => {
        const [seconds, nanoseconds] = reference(r, o, high, low);
        fc.pre(Number.isSafeInteger(seconds - o) && Number.isSafeInteger(seconds));
        const scale = new TimestampScale(r, o);
        scale.split(high, low);
        expect([scale.seconds, scale.nanoseconds]).toEqual([seconds, nanoseconds]);
      }),
      { numRuns: 5000 },
    );
  });

  it('is exact at the edges of each arithmetic path', () => {
    const edges = [0, 1, 0x1f_ffff, 0x20_0000, 0x20_0001, 0x7fff_ffff, 0xffff_ffff];
    for (const r of [6, 9, 3, 10, 0x80 | 20, 0x80 | 36, 0x80 | 37, 17, 19]) {
      for (const high of edges) {
        for (const low of [0, 999_999, 999_999_999, 0xffff_ffff]) {
          const [seconds, nanoseconds] = reference(r, 0, high, low);
          if (!Number.isSafeInteger(seconds)) continue;
          const scale = new TimestampScale(r, 0);
          scale.split(high, low);
          expect([r, high, low, scale.seconds, scale.nanoseconds]).toEqual([r, high, low, seconds, nanoseconds]);
        }
      }
    }
  });
});
