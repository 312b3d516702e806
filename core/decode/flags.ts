import { err, ok, type Result } from '../result.ts';

/**
 * tcpdump's printing flags, each independent, counted as tcpdump counts repeats (tcpdump.c: main()'s getopt loop;
 * netdissect.h: ndo_eflag, ndo_nflag, ...).
 */
export interface DecodeFlags {
  /** -e: print the link-level header. */
  readonly e: boolean;
  /** -n (1): no host names; -nn (2): no port or protocol names either. */
  readonly n: number;
  /** -q: quick, less protocol detail. */
  readonly q: boolean;
  /** Timestamp form (ndo_tflag): 0 HH:MM:SS.frac local, 1 (-t) none, 2 (-tt) epoch, 3 (-ttt) since previous, 4 (-tttt) date and time, 5 (-ttttt) since first. */
  readonly t: number;
  /** -v count (0 to 3). */
  readonly v: number;
  /** -x (1) / -xx (2): hex dump without / with the link header. */
  readonly x: number;
  /** -X (1) / -XX (2): hex and ASCII dump without / with the link header. */
  readonly X: number;
  /** -A: the packet in ASCII, without the link header. */
  readonly A: boolean;
  /** -S: absolute TCP sequence numbers. */
  readonly S: boolean;
  /** -K: do not verify checksums. */
  readonly K: boolean;
  /** -#: a packet number before each line. */
  readonly number: boolean;
  /** --nano / --time-stamp-precision=nano: nanosecond fractions. */
  readonly nano: boolean;
}

/** No flags: tcpdump's defaults. */
export const DEFAULT_FLAGS: DecodeFlags = { e: false, n: 0, q: false, t: 0, v: 0, x: 0, X: 0, A: false, S: false, K: false, number: false, nano: false };

/** A tcpdump command line taken apart: the printing flags, the options twinnet knows, and the filter words. */
export interface TcpdumpArgs {
  readonly flags: DecodeFlags;
  /** -i DEV */
  readonly interface?: string;
  /** -r FILE */
  readonly readFile?: string;
  /** -w FILE */
  readonly writeFile?: string;
  /** -c N */
  readonly count?: number;
  /** -s N */
  readonly snaplen?: number;
  /** The filter expression's words, in order (tcpdump joins them with spaces). */
  readonly filter: readonly string[];
}

const WITH_ARGUMENT = new Set(['i', 'r', 'w', 'c', 's', 'B', 'Z', 'E', 'F', 'G', 'W', 'C', 'y', 'T', 'M', 'j', 'Q', 'z', 'V']);
const WITHOUT_ARGUMENT = new Set(['e', 'n', 'q', 't', 'v', 'x', 'X', 'A', 'S', 'K', '#', 'N', 'U', 'l', 'p', 'O', 'I', 'L', 'D', 'd', 'f', 'H', 'b', 'u']);

/**
 * Parses tcpdump's arguments: flags bundled or apart in any order (`-ennqtvv`, `-nn -e -v`), options with a value
 * attached or next (`-c5`, `-c 5`), long options `--nano` / `--time-stamp-precision=nano` / `--number`, and the
 * rest as filter words (tcpdump.c: getopt_long() with its option string).
 */
export function parseTcpdumpArgs(argv: readonly string[]): Result<TcpdumpArgs, string> {
  const f = { ...DEFAULT_FLAGS } as { -readonly [K in keyof DecodeFlags]: DecodeFlags[K] };
  const out: { -readonly [K in keyof TcpdumpArgs]?: TcpdumpArgs[K] } = {};
  const filter: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      filter.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      if (arg === '--nano' || arg === '--time-stamp-precision=nano') f.nano = true;
      else if (arg === '--micro' || arg === '--time-stamp-precision=micro') f.nano = false;
      else if (arg === '--number') f.number = true;
      else return err(`tcpdump: unrecognized option '${arg}'`);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      filter.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      if (WITH_ARGUMENT.has(c)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if (value === undefined) return err(`tcpdump: option requires an argument -- '${c}'`);
        const problem = setOption(out, c, value);
        if (problem !== undefined) return err(problem);
        break;
      }
      if (!WITHOUT_ARGUMENT.has(c)) return err(`tcpdump: invalid option -- '${c}'`);
      switch (c) {
        case 'e': f.e = true; break;
        case 'n': f.n++; break;
        case 'q': f.q = true; break;
        case 't': f.t++; break;
        case 'v': f.v++; break;
        case 'x': f.x++; break;
        case 'X': f.X++; break;
        case 'A': f.A = true; break;
        case 'S': f.S = true; break;
        case 'K': f.K = true; break;
        case '#': f.number = true; break;
      }
    }
  }
  // tcpdump.c: ndo_tflag counts -t; 1 is "none", and more than 5 is an error there.
  if (f.t > 5) return err('tcpdump: only -t, -tt, -ttt, -tttt and -ttttt are supported');
  return ok({ ...out, flags: f, filter });
}

function setOption(out: { -readonly [K in keyof TcpdumpArgs]?: TcpdumpArgs[K] }, c: string, value: string): string | undefined {
  switch (c) {
    case 'i': out.interface = value; break;
    case 'r': out.readFile = value; break;
    case 'w': out.writeFile = value; break;
    case 'c':
    case 's': {
      if (!/^\d+$/.test(value)) return c === 'c' ? `tcpdump: invalid packet count ${value}` : `tcpdump: invalid snaplen ${value}`;
      if (c === 'c') out.count = Number(value);
      else out.snaplen = Number(value);
      break;
    }
  }
  return undefined;
}

/**
 * The timestamp code tcpdump keeps in ndo_tflag from a count of -t (0 none given, 1 -t, …): tcpdump stores the
 * count itself, so this is the identity; exported for readers of `DecodeFlags.t`.
 */
export const TimestampForm = { Default: 0, None: 1, Epoch: 2, SincePrevious: 3, DateTime: 4, SinceFirst: 5 } as const;
