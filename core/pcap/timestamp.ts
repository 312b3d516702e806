const TWO_32 = 4_294_967_296;
const TWO_53 = 9_007_199_254_740_992;

/**
 * Converts an interface's pcapng timestamps, 64-bit counts of units since the epoch, to whole seconds and
 * nanoseconds [draft-ietf-opsawg-pcapng-02 §4.2: if_tsresol, if_tsoffset]. The common resolutions (10^-6,
 * 10^-9, any power of ten or two up to 2^-36) are split with exact number arithmetic; others use BigInt.
 * Resolutions finer than a nanosecond are truncated to whole nanoseconds.
 */
export class TimestampScale {
  /** Seconds of the last `split`, if_tsoffset included. */
  seconds = 0;
  /** Nanoseconds of the last `split`. */
  nanoseconds = 0;
  /** Units per second as a BigInt. */
  readonly unitsPerSecond: bigint;
  /** Units per second as a number when it is a safe integer, else 0. */
  private readonly units: number;
  /** Nanoseconds per unit when a unit is a whole number of nanoseconds, else 0. */
  private readonly nsPerUnit: number;

  constructor(
    /** The if_tsresol byte: 10^-n seconds, or 2^-n with the top bit set. */
    readonly tsresol: number,
    /** The if_tsoffset seconds added to every timestamp. */
    readonly tsoffset: number,
  ) {
    const exponent = BigInt(tsresol & 0x7f);
    this.unitsPerSecond = tsresol & 0x80 ? 1n << exponent : 10n ** exponent;
    const units = this.unitsPerSecond <= BigInt(TWO_53) ? Number(this.unitsPerSecond) : 0;
    this.units = units;
    this.nsPerUnit = units > 0 && 1_000_000_000 % units === 0 ? 1_000_000_000 / units : 0;
  }

  /** Splits the timestamp `high * 2^32 + low` into `seconds` and `nanoseconds`. */
  split(high: number, low: number): void {
    const u = this.units;
    let seconds: number;
    let fraction: number;
    if (u !== 0 && high < 0x20_0000) {
      // Below 2^53 the count is an exact number; the quotient is corrected for division rounding.
      const t = high * TWO_32 + low;
      seconds = Math.floor(t / u);
      fraction = t - seconds * u;
      if (fraction < 0) {
        seconds -= 1;
        fraction += u;
      } else if (fraction >= u) {
        seconds += 1;
        fraction -= u;
      }
    } else if (u >= 2048 && u < 2 ** 37) {
      // Long division in 16-bit steps keeps every partial value below 2^53 (and, with u >= 2^11, the quotient).
      const qHigh = Math.floor(high / u);
      let r = high - qHigh * u;
      let x = r * 65_536 + (low >>> 16);
      const q1 = Math.floor(x / u);
      r = x - q1 * u;
      x = r * 65_536 + (low & 0xffff);
      const q2 = Math.floor(x / u);
      fraction = x - q2 * u;
      seconds = qHigh * TWO_32 + q1 * 65_536 + q2;
    } else {
      this.splitBig(high, low);
      return;
    }
    this.seconds = seconds + this.tsoffset;
    this.nanoseconds = this.nsPerUnit !== 0 ? fraction * this.nsPerUnit : this.fractionToNs(fraction);
  }

  private fractionToNs(fraction: number): number {
    const scaled = fraction * 1_000_000_000;
    if (scaled >= TWO_53) return Number((BigInt(fraction) * 1_000_000_000n) / this.unitsPerSecond);
    let ns = Math.floor(scaled / this.units);
    if (ns * this.units > scaled) ns -= 1;
    return ns;
  }

  private splitBig(high: number, low: number): void {
    const t = (BigInt(high) << 32n) | BigInt(low);
    this.seconds = Number(t / this.unitsPerSecond) + this.tsoffset;
    this.nanoseconds = Number(((t % this.unitsPerSecond) * 1_000_000_000n) / this.unitsPerSecond);
  }
}
