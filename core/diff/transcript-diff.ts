import { linesMatch, newRenamings, tokenizeLine, type Renamings } from '../doctest/normalise.ts';
import { entryOutput, type TranscriptEntry } from '../transcript.ts';
import { pairLists } from './list-align.ts';
import { explainedByTimers, type NeighbourTiming } from './nud-timer.ts';
import { clockOffsetAt, type ClockAnchor } from './report.ts';
import { DIVERGENCE, variation, Variation, type Classification } from './variation.ts';

/**
 * Command outputs compared (DESIGN.md §5 "State": "command transcripts … in the same way"): the two transcripts'
 * entries are paired by command line, and each pair's output line by line after the doctest normalisation
 * (core/doctest/normalise.ts): timing figures (ping times, rtt, tcpdump timestamps, hashed IP IDs, lifetimes) match
 * anything of their shape, and MACs, device indexes and ping identifiers must correspond one-to-one through the
 * whole transcript. Exit statuses must be equal.
 */

/** One output line that differs. */
export interface LineDifference {
  readonly kind: 'missing' | 'extra' | 'different' | 'reordered';
  readonly a?: string;
  readonly b?: string;
  readonly classification: Classification;
}

/** One transcript entry that differs: on one side only, or in its status or output lines. */
export interface TranscriptDifference {
  readonly kind: 'missing' | 'extra' | 'different';
  /** The entry's command as typed, with its prompt. */
  readonly command: string;
  /** Source line of the command (from A, or B for an extra entry). */
  readonly line: number;
  readonly status?: { readonly a: number; readonly b: number };
  readonly lines: readonly LineDifference[];
  readonly classification: Classification;
}

/** The transcript comparison. */
export interface TranscriptReport {
  readonly entries: { readonly a: number; readonly b: number; readonly paired: number };
  readonly differences: readonly TranscriptDifference[];
  readonly divergences: number;
  readonly variations: number;
}

/** A line's shape: its literal text with each varying value replaced by its class, for aligning lines. */
function shape(line: string): string {
  return tokenizeLine(line.trimEnd())
    .map((p) => ('literal' in p ? p.literal : `\u0000${p.variable.family ?? 'any'}`))
    .join('');
}

/** An entry's output lines, blank lines left out. */
function outputLines(entry: TranscriptEntry): string[] {
  return entryOutput(entry)
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** `From 10.0.0.1 icmp_seq=1 Destination Host Unreachable`: printed or not, by a race (KERNEL-NOTES.md). */
const UNREACHABLE_LINE = /^From \S+ icmp_seq=\d+ Destination Host Unreachable$/;
/** ping's summary with and without `+N errors, `. */
const ERRORS_PART = / \+\d+ errors,/;

/** Commands that list a hash table, in an order that varies from run to run (`hash-order`). */
const HASH_ORDERED = /(^|\s)(ip(\s+-\S+)*\s+n(e(i(g(h(b(o(u?r)?)?)?)?)?)?)?\b|arp(\s|$)|bridge(\s+-\S+)*\s+fdb\b|conntrack\s+-L\b)/;

/** A JSON array line with its elements in a canonical order (MAC-like values left out of the sort key). */
function sortedJsonLine(line: string): string | undefined {
  if (!line.trimStart().startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (!Array.isArray(value)) return undefined;
    const key = (e: unknown): string => JSON.stringify(e).replace(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/g, '');
    return JSON.stringify([...value].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)));
  } catch {
    return undefined;
  }
}

/** An `ip neigh` line: `ADDR [dev DEV] [lladdr MAC] [router] STATE` (ip/ipneigh.c: print_neigh()). */
const NEIGH_LINE = /^(\d+\.\d+\.\d+\.\d+) (?:dev (\S+) )?(?:lladdr (\S+) )?(?:router )?(?:proxy )?([A-Z]+)\s*$/;

/** What the NUD timer rule needs to judge a neighbour line of one entry pair (core/diff/nud-timer.ts). */
export interface TranscriptTimers {
  /** Per B entry index, the neighbour timers of the namespace it ran in, right after it (the simulator's). */
  readonly timersB: ReadonlyMap<number, readonly NeighbourTiming[]>;
  /** Aligned frames' times, relating the two runs' clocks. */
  readonly anchors: readonly ClockAnchor[];
  readonly lateness?: number;
}

/** Whether two neighbour lines differ only by a state that the timer rule explains. */
function neighbourJitter(lineA: string, lineB: string, ea: TranscriptEntry, eb: TranscriptEntry, timings: readonly NeighbourTiming[] | undefined, t: TranscriptTimers): boolean | undefined {
  const x = NEIGH_LINE.exec(lineA.trim());
  const y = NEIGH_LINE.exec(lineB.trim());
  if (!x || !y || x[1] !== y[1] || x[2] !== y[2] || x[4] === y[4]) return undefined;
  if (x[3] !== undefined && y[3] !== undefined && x[3] !== y[3]) return undefined;
  const timing = timings?.find((n) => n.dst === x[1] && (x[2] === undefined || n.dev === x[2]));
  if (!timing) return false;
  const otherAt = ea.startedAt - clockOffsetAt(t.anchors, ea.startedAt);
  return explainedByTimers({ timedState: y[4]!, timedAt: eb.startedAt, timing, otherState: x[4]!, otherAt, ...(t.lateness !== undefined ? { lateness: t.lateness } : {}) });
}

/**
 * Compares the output lines of one pair of entries; MACs and the like map one-to-one through `renamings`. For a
 * command listing a hash table, lines out of order are `hash-order` variation, and JSON arrays compare sorted.
 */
function compareLines(a: readonly string[], b: readonly string[], renamings: Renamings, hashOrdered: boolean, jitter: (x: string, y: string) => boolean | undefined): LineDifference[] {
  const pairing = pairLists(a.map(shape), b.map(shape));
  const out: LineDifference[] = [];
  for (const [i, j] of pairing.aligned) {
    if (linesMatch(a[i]!, b[j]!, renamings)) continue;
    const x = hashOrdered ? sortedJsonLine(a[i]!) : undefined;
    const y = hashOrdered ? sortedJsonLine(b[j]!) : undefined;
    if (x !== undefined && y !== undefined && linesMatch(x, y, renamings)) out.push({ kind: 'reordered', a: a[i]!, b: b[j]!, classification: variation(Variation.HashOrder) });
    else out.push({ kind: 'different', a: a[i]!, b: b[j]!, classification: DIVERGENCE });
  }
  for (const [i, j] of pairing.reordered) {
    const same = linesMatch(a[i]!, b[j]!, renamings);
    out.push({ kind: same ? 'reordered' : 'different', a: a[i]!, b: b[j]!, classification: same && hashOrdered ? variation(Variation.HashOrder) : DIVERGENCE });
  }
  // Lines left over. ping's Destination Host Unreachable lines stand alone; the others pair in order within the
  // same gap between aligned lines: a neighbour in another state, ping's error count, a hash-ordered JSON array in
  // another order, or simply a line that differs.
  const restA = pairing.onlyA.filter((i) => {
    if (!UNREACHABLE_LINE.test(a[i]!.trim())) return true;
    out.push({ kind: 'missing', a: a[i]!, classification: variation(Variation.IcmpErrorRace) });
    return false;
  });
  const restB = pairing.onlyB.filter((j) => {
    if (!UNREACHABLE_LINE.test(b[j]!.trim())) return true;
    out.push({ kind: 'extra', b: b[j]!, classification: variation(Variation.IcmpErrorRace) });
    return false;
  });
  const anchorsA = pairing.aligned.map(([i]) => i);
  const anchorsB = pairing.aligned.map(([, j]) => j);
  const gapOf = (anchors: readonly number[], x: number): number => anchors.filter((n) => n < x).length;
  const usedB = new Set<number>();
  for (const i of restA) {
    const j = restB.find((k) => !usedB.has(k) && gapOf(anchorsB, k) === gapOf(anchorsA, i));
    if (j === undefined) {
      out.push({ kind: 'missing', a: a[i]!, classification: DIVERGENCE });
      continue;
    }
    usedB.add(j);
    const x = a[i]!;
    const y = b[j]!;
    const nud = jitter(x, y);
    let classification: Classification = DIVERGENCE;
    let kind: LineDifference['kind'] = 'different';
    if (nud !== undefined) classification = nud ? variation(Variation.NudTimerJitter) : DIVERGENCE;
    else if (ERRORS_PART.test(x) !== ERRORS_PART.test(y) && linesMatch(x.replace(ERRORS_PART, ''), y.replace(ERRORS_PART, ''), renamings)) classification = variation(Variation.IcmpErrorRace);
    else if (hashOrdered) {
      const sx = sortedJsonLine(x);
      const sy = sortedJsonLine(y);
      if (sx !== undefined && sy !== undefined && linesMatch(sx, sy, renamings)) {
        classification = variation(Variation.HashOrder);
        kind = 'reordered';
      }
    }
    out.push({ kind, a: x, b: y, classification });
  }
  for (const j of restB) if (!usedB.has(j)) out.push({ kind: 'extra', b: b[j]!, classification: DIVERGENCE });
  return out;
}

/**
 * Compares two transcripts of one scenario (A the reference). With `timers`, a neighbour listed in a different
 * NUD state is judged by the timer rule (core/diff/nud-timer.ts) instead of being a divergence outright.
 */
export function diffTranscripts(a: readonly TranscriptEntry[], b: readonly TranscriptEntry[], timers?: TranscriptTimers): TranscriptReport {
  const renamings = newRenamings();
  const key = (e: TranscriptEntry): string => `${e.prompt}${e.command}`;
  const pairing = pairLists(a.map(key), b.map(key));
  const differences: TranscriptDifference[] = [];
  const pairs = [...pairing.aligned, ...pairing.reordered].sort((x, y) => x[0] - y[0]);
  for (const [i, j] of pairs) {
    const ea = a[i]!;
    const eb = b[j]!;
    const jitter = (x: string, y: string): boolean | undefined => (timers ? neighbourJitter(x, y, ea, eb, timers.timersB.get(j), timers) : NEIGH_LINE.test(x.trim()) && NEIGH_LINE.test(y.trim()) ? neighbourJitter(x, y, ea, eb, undefined, { timersB: new Map(), anchors: [] }) : undefined);
    const lines = compareLines(outputLines(ea), outputLines(eb), renamings, HASH_ORDERED.test(ea.command), jitter);
    const statusDiffers = ea.status !== eb.status;
    if (lines.length === 0 && !statusDiffers) continue;
    const classification = statusDiffers || lines.some((l) => l.classification.kind === 'divergence') ? DIVERGENCE : lines[0]!.classification;
    differences.push({ kind: 'different', command: key(ea), line: ea.position.line, ...(statusDiffers ? { status: { a: ea.status, b: eb.status } } : {}), lines, classification });
  }
  for (const i of pairing.onlyA) differences.push({ kind: 'missing', command: key(a[i]!), line: a[i]!.position.line, lines: [], classification: DIVERGENCE });
  for (const j of pairing.onlyB) differences.push({ kind: 'extra', command: key(b[j]!), line: b[j]!.position.line, lines: [], classification: DIVERGENCE });
  const divergences = differences.filter((d) => d.classification.kind === 'divergence').length;
  return { entries: { a: a.length, b: b.length, paired: pairs.length }, differences, divergences, variations: differences.length - divergences };
}
