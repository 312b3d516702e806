/*
 * tcpdump's timestamps (util-print.c: ts_print()): local time of day, epoch seconds, deltas, date and time. The
 * local time comes from a time zone given by name, or the process's own (TZ), as tcpdump's localtime() does.
 */

/** A capture timestamp: whole seconds and the fraction in the precision printed (micro- or nanoseconds). */
export interface Stamp {
  readonly seconds: number;
  readonly fraction: number;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The UTC offset of a zone, in seconds, cached per quarter hour (every zone changes offset on one). */
export class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(timeZone?: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Seconds to add to a UTC time to get the zone's wall clock at `seconds` since the epoch. */
  offsetAt(seconds: number): number {
    const bucket = Math.floor(seconds / 900);
    let offset = this.cache.get(bucket);
    if (offset === undefined) {
      const probe = bucket * 900;
      const parts: Record<string, number> = {};
      for (const p of this.format.formatToParts(new Date(probe * 1000))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000;
      offset = wall - probe;
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(bucket, offset);
    }
    return offset;
  }
}

/** `HH:MM:SS` and, with `date`, `YYYY-MM-DD HH:MM:SS` of seconds already shifted to the wall clock. */
function clock(wallSeconds: number, date: boolean): string {
  const days = Math.floor(wallSeconds / 86400);
  const inDay = wallSeconds - days * 86400;
  const time = `${pad2(Math.floor(inDay / 3600))}:${pad2(Math.floor((inDay % 3600) / 60))}:${pad2(inDay % 60)}`;
  if (!date) return time;
  const d = new Date(days * 86400000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${time}`;
}

/** The timestamp printer of one tcpdump run: it remembers the first or previous stamp for -ttt and -ttttt. */
export class TimestampPrinter {
  private reference: Stamp = { seconds: 0, fraction: 0 };

  constructor(
    /** ndo_tflag: 0 default, 1 none, 2 epoch, 3 since previous, 4 date and time, 5 since first. */
    private readonly form: number,
    private readonly nano: boolean,
    private readonly zone: ZoneOffsets,
  ) {}

  private frac(fraction: number): string {
    return `.${String(fraction).padStart(this.nano ? 9 : 6, '0')}`;
  }

  /** The timestamp with its trailing space, or '' for -t. */
  format(stamp: Stamp): string {
    const { seconds, fraction } = stamp;
    switch (this.form) {
      case 1:
        return '';
      case 2:
        return seconds >= 0x80000000 ? '[Error converting time] ' : `${seconds}${this.frac(fraction)} `;
      case 3:
      case 5: {
        // A zero reference counts as unset, so a capture starting at time 0 keeps re-taking it (netdissect_timevalisset()).
        if (this.reference.seconds === 0 && this.reference.fraction === 0) this.reference = stamp;
        const unit = this.nano ? 1_000_000_000 : 1_000_000;
        const ref = this.reference;
        const negative = seconds < ref.seconds || (seconds === ref.seconds && fraction < ref.fraction);
        const [a, b] = negative ? [ref, stamp] : [stamp, ref];
        let deltaSeconds = a.seconds - b.seconds;
        let deltaFraction = a.fraction - b.fraction;
        if (deltaFraction < 0) {
          deltaSeconds -= 1;
          deltaFraction += unit;
        }
        if (this.form === 3) this.reference = stamp;
        return `${negative ? '-' : ' '}${clock(deltaSeconds % 86400, false)}${this.frac(deltaFraction)} `;
      }
      case 4:
      case 0:
      default: {
        if (seconds >= 0x80000000) return '[Error converting time] ';
        return `${clock(seconds + this.zone.offsetAt(seconds), this.form === 4)}${this.frac(fraction)} `;
      }
    }
  }
}
