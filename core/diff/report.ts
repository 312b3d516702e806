import type { Classification, VariationName } from './variation.ts';

/**
 * The diff report as data (DESIGN.md §5 "Report", §6 `compare`): counts, then each difference with the tcpdump
 * line on both sides, the fields that differ by name, and its classification. A is the reference side (the first
 * file of `twinnet diff`, the kernel in `twinnet compare`), B the other: "missing" frames are in A only, "extra"
 * frames in B only.
 */

/** One field that differs: its name (`ipv4.ttl`), its value on each side, and whether a declared variation allows it. */
export interface FieldDifference {
  readonly field: string;
  readonly a: string;
  readonly b: string;
  readonly classification: Classification;
  /** Why a variable field's values do not correspond, e.g. `16594 already stands for 7`. */
  readonly note?: string;
}

/** A frame on one side: its index in the capture (from 0), its time (ns, the capture's own origin), its tcpdump line. */
export interface FrameRef {
  readonly index: number;
  readonly at: number;
  readonly line: string;
}

/** How a frame differs. */
export type FrameDifferenceKind = 'missing' | 'extra' | 'different' | 'reordered';

/** One frame difference. */
export interface FrameDifference {
  readonly kind: FrameDifferenceKind;
  readonly classification: Classification;
  readonly a?: FrameRef;
  readonly b?: FrameRef;
  /** For `different` (and a reordered frame that also differs): the fields. */
  readonly fields: readonly FieldDifference[];
}

/** Frame counts: each A frame is matched, missing, different or reordered; each B frame not paired is extra. */
export interface FrameCounts {
  matched: number;
  missing: number;
  extra: number;
  different: number;
  reordered: number;
}

/** The comparison of one capture point. */
export interface CaptureReport {
  readonly point: string;
  readonly counts: FrameCounts;
  /** Differences classified as real divergences. */
  readonly divergences: number;
  /** Differences classified as each declared variation. */
  readonly variations: Partial<Record<VariationName, number>>;
  /** Matched frames whose raw values differed in a masked field, per rule (what the normalisation let through). */
  readonly normalised: Partial<Record<VariationName, number>>;
  readonly differences: readonly FrameDifference[];
  /** Differences beyond the listing limit, counted but not listed. */
  readonly unlisted: number;
  /** Whether part of the alignment was approximate (too many edits for the exact search). */
  readonly approximate: boolean;
  /** Times of aligned pairs (at most about 1,000, the last included), to relate the two runs' clocks. */
  readonly anchors: readonly ClockAnchor[];
}

/** The comparison of a capture set (every capture point). */
export interface FramesReport {
  readonly points: readonly CaptureReport[];
  /** Aligned pairs' times over all points, in A's time order: B's clock runs `a - b` behind A's at each. */
  readonly anchors: readonly ClockAnchor[];
  readonly counts: FrameCounts;
  readonly divergences: number;
  readonly variations: Partial<Record<VariationName, number>>;
}

/** The times of one aligned frame pair on both sides. */
export interface ClockAnchor {
  readonly a: number;
  readonly b: number;
}

/** How far B's clock runs behind A's at A's time `t`: by the last anchor at or before `t` (0 without anchors). */
export function clockOffsetAt(anchors: readonly ClockAnchor[], t: number): number {
  let lo = 0;
  let hi = anchors.length - 1;
  if (hi < 0) return 0;
  if (anchors[0]!.a > t) return anchors[0]!.a - anchors[0]!.b;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (anchors[mid]!.a <= t) lo = mid;
    else hi = mid - 1;
  }
  return anchors[lo]!.a - anchors[lo]!.b;
}

/** Zero counts. */
export function emptyCounts(): FrameCounts {
  return { matched: 0, missing: 0, extra: 0, different: 0, reordered: 0 };
}

/** Adds `n` to a variation's count. */
export function countVariation(counts: Partial<Record<VariationName, number>>, name: VariationName, n = 1): void {
  counts[name] = (counts[name] ?? 0) + n;
}

/** `name ×n, …` of a variation count table, or '' when empty. */
export function formatVariationCounts(counts: Partial<Record<VariationName, number>>): string {
  return Object.entries(counts)
    .map(([name, n]) => `${name} ×${n}`)
    .join(', ');
}

/** `divergence` or `variation NAME`. */
export function formatClassification(c: Classification): string {
  return c.kind === 'divergence' ? 'divergence' : `variation ${c.variation}`;
}

/** `matched M, missing N, extra X, different D, reordered R`. */
export function formatCounts(c: FrameCounts): string {
  return `${c.matched} matched, ${c.missing} missing, ${c.extra} extra, ${c.different} different, ${c.reordered} reordered`;
}

/** A frame difference as text lines: kind and class, the two tcpdump lines, then each field `name a ≠ b`. */
export function formatFrameDifference(d: FrameDifference, names: { a: string; b: string } = { a: 'A', b: 'B' }): string[] {
  const where = [d.a ? `${names.a} #${d.a.index + 1}` : '', d.b ? `${names.b} #${d.b.index + 1}` : ''].filter(Boolean).join(' ↔ ');
  const lines = [`${d.kind} (${formatClassification(d.classification)}) ${where}`];
  const width = Math.max(names.a.length, names.b.length);
  if (d.a) lines.push(`  ${names.a.padEnd(width)}  ${d.a.line}`);
  if (d.b) lines.push(`  ${names.b.padEnd(width)}  ${d.b.line}`);
  for (const f of d.fields) {
    const tag = f.classification.kind === 'variation' ? ` [${f.classification.variation}]` : '';
    lines.push(`    ${f.field} ${f.a} ≠ ${f.b}${f.note ? ` (${f.note})` : ''}${tag}`);
  }
  return lines;
}

/** The whole frames report as text: per capture point its counts and differences, then the totals. */
export function formatFramesReport(report: FramesReport, names: { a: string; b: string } = { a: 'A', b: 'B' }): string {
  const out: string[] = [];
  for (const p of report.points) {
    const normalised = formatVariationCounts(p.normalised);
    out.push(`capture ${p.point}: ${formatCounts(p.counts)}${normalised ? ` (normalised: ${normalised})` : ''}${p.approximate ? ' (approximate alignment)' : ''}`);
    for (const d of p.differences) out.push(...formatFrameDifference(d, names).map((l) => `  ${l}`));
    if (p.unlisted > 0) out.push(`  … ${p.unlisted} more differences not listed`);
  }
  const variations = formatVariationCounts(report.variations);
  out.push(`frames: ${formatCounts(report.counts)}; ${report.divergences} divergence${report.divergences === 1 ? '' : 's'}${variations ? `, declared variation: ${variations}` : ''}`);
  return `${out.join('\n')}\n`;
}
