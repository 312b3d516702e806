/**
 * Seeded pseudo-random numbers (DESIGN.md §3 "Determinism"): every random quantity in a run comes from here.
 *
 * The generator is sfc32, seeded through splitmix32. `stream(label)` derives an independent generator for one
 * purpose (MACs, reachable_time, ping ids …), so drawing more of one quantity never shifts another.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Builds a generator from a 32-bit seed. */
  constructor(readonly seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** An independent generator for one named purpose, a pure function of (seed, label). */
  stream(label: string): Random {
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Random(h >>> 0);
  }

  /** The next unsigned 32-bit value. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform integer in [0, bound) for 0 < bound <= 2^32 (rejection sampling, no modulo bias). */
  below(bound: number): number {
    if (bound <= 1) return 0;
    const limit = 0x100000000 - (0x100000000 % bound);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % bound;
    }
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** Fills `bytes` with random bytes, as the kernel's get_random_bytes() would. */
  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i += 4) {
      let x = this.nextU32();
      for (let j = i; j < Math.min(i + 4, bytes.length); j++) {
        bytes[j] = x & 0xff;
        x >>>= 8;
      }
    }
    return bytes;
  }
}
