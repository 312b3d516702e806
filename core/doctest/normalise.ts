/**
 * How a doctest compares a document's shown output with real output (DESIGN.md §1 "Checking"): values that
 * legitimately differ between runs and machines are matched loosely. Random values that a document may mention
 * twice (MACs, device indexes, ping identifiers) are matched by a consistent one-to-one renaming, so a line that
 * puts the right MAC on the wrong device still fails; timing values (ping times, timestamps) and hashed IP IDs
 * match anything of their shape.
 */

/** The renamings established so far in one document: shown value → real value, and back. */
export class Renaming {
  private readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();

  constructor(private readonly kind: string) {}

  /** Whether `shown` may stand for `real` given what is already paired (a bijection). */
  canPair(shown: string, real: string): boolean {
    const f = this.forward.get(shown);
    if (f !== undefined) return f === real;
    const b = this.backward.get(real);
    return b === undefined || b === shown;
  }

  pair(shown: string, real: string): void {
    this.forward.set(shown, real);
    this.backward.set(real, shown);
  }

  get name(): string {
    return this.kind;
  }

  clone(): Renaming {
    const copy = new Renaming(this.kind);
    for (const [a, b] of this.forward) copy.pair(a, b);
    return copy;
  }
}

/** A token class that varies: a pattern, and how it matches (renamed one-to-one, or anything of its shape). */
interface Variable {
  readonly pattern: RegExp;
  /** The renaming family, or undefined for "any value of this shape". */
  readonly family: string | undefined;
  /** Values that never vary (broadcast MAC, lo's index). */
  readonly fixed?: (value: string) => boolean;
}

const MAC = '[0-9a-f]{2}(?::[0-9a-f]{2}){5}';

/** The varying values, each with a capture group around the value itself. */
const VARIABLES: readonly Variable[] = [
  { pattern: new RegExp(`(${MAC})`, 'y'), family: 'mac', fixed: (v) => v === 'ff:ff:ff:ff:ff:ff' || v === '00:00:00:00:00:00' },
  // `5: ceth1@if6:` at the start of an `ip link`/`ip addr` line, and `@if6`.
  { pattern: /^(\d+)(?=: [\w.@-]+: <)/y, family: 'ifindex', fixed: (v) => v === '1' },
  { pattern: /(?<=@if)(\d+)/y, family: 'ifindex' },
  // ping: `time=0.026 ms`, `time 1006ms`, rtt figures; `ipg/ewma`.
  { pattern: /(?<=time=)(\d+(?:\.\d+)?)(?= ms)/y, family: undefined },
  { pattern: /(?<=, time )(\d+)(?=ms)/y, family: undefined },
  { pattern: /(?<=mdev = )(\d+\.\d+\/\d+\.\d+\/\d+\.\d+\/\d+\.\d+)/y, family: undefined },
  { pattern: /(?<=ipg\/ewma )(\d+\.\d+\/\d+\.\d+)/y, family: undefined },
  { pattern: /(?<=pipe )(\d+)/y, family: undefined },
  // tcpdump: a leading timestamp, IP IDs (hashed), ICMP echo identifiers (process ids).
  { pattern: /^(\d{2}:\d{2}:\d{2}\.\d{6})/y, family: undefined },
  { pattern: /(?<=\(tos 0x[0-9a-f]+, ttl \d+, id )(\d+)/y, family: undefined },
  { pattern: /(?<=ICMP echo (?:request|reply), id )(\d+)/y, family: 'icmp-id' },
  // `valid_lft forever` vs a counted-down lifetime: both sides keep their words; only the numbers vary.
  { pattern: /(?<=valid_lft )(\d+)(?=sec)/y, family: undefined },
  { pattern: /(?<=preferred_lft )(\d+)(?=sec)/y, family: undefined },
];

/** One piece of a line: literal text, or a varying value with its class. */
type Piece = { readonly literal: string } | { readonly value: string; readonly variable: Variable };

/** Splits a line into literal text and varying values. */
export function tokenizeLine(line: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  let at = 0;
  outer: while (at < line.length) {
    for (const variable of VARIABLES) {
      variable.pattern.lastIndex = at;
      // Anchored patterns (^) only match at the start of the line.
      if (variable.pattern.source.startsWith('^') && at !== 0) continue;
      const m = variable.pattern.exec(line);
      if (m && m.index === at && m[1] !== undefined && m[1].length > 0) {
        if (variable.fixed?.(m[1])) break;
        if (literal) pieces.push({ literal });
        literal = '';
        pieces.push({ value: m[1], variable });
        at += m[1].length;
        continue outer;
      }
    }
    literal += line[at];
    at++;
  }
  if (literal) pieces.push({ literal });
  return pieces;
}

/** The renamings of one document run. */
export type Renamings = Map<string, Renaming>;

/** Fresh renamings. */
export function newRenamings(): Renamings {
  return new Map();
}

/**
 * Whether a shown line matches a real one, trailing whitespace aside (iproute2 ends many lines with a space the
 * documents lose). On success the renamings it needs are added to `renamings`.
 */
export function linesMatch(shown: string, real: string, renamings: Renamings): boolean {
  const a = tokenizeLine(shown.trimEnd());
  const b = tokenizeLine(real.trimEnd());
  if (a.length !== b.length) return false;
  const pending: [Renaming, string, string][] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ('literal' in x || 'literal' in y) {
      if (!('literal' in x) || !('literal' in y) || x.literal !== y.literal) return false;
      continue;
    }
    if (x.variable !== y.variable) return false;
    const family = x.variable.family;
    if (family === undefined) continue;
    let renaming = renamings.get(family);
    if (!renaming) {
      renaming = new Renaming(family);
      renamings.set(family, renaming);
    }
    const alreadyPending = pending.find(([r, s]) => r === renaming && s === x.value);
    if (alreadyPending ? alreadyPending[2] !== y.value : !renaming.canPair(x.value, y.value)) return false;
    pending.push([renaming, x.value, y.value]);
  }
  for (const [renaming, s, r] of pending) renaming.pair(s, r);
  return true;
}
