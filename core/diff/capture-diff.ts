import { MILLISECOND } from '../clock.ts';
import { formatMac } from '../mac.ts';
import { align, alignTwoLevel, MAX_EXACT_EDITS, type Alignment } from './align.ts';
import { Bijection, type BijectionConflict } from './bijection.ts';
import { ChecksumStatus } from './checksum-status.ts';
import { frameFields, showBytesDifference, showField, showFragmentField, type FrameField } from './fields.ts';
import { frameOf, toFrameList, type DiffFrame, type FrameList } from './frame.ts';
import { keyCapture, type KeyedCapture } from './frame-key.ts';
import { DEFAULT_NUD_LATENESS } from './nud-timer.ts';
import { tcpdumpLines } from './lines.ts';
import { Family, FAMILY_COUNT, FAMILY_VARIATION, frameShape, isArpFrame, randomTimeVariation, TokenKind, type SameMacs } from './normalise.ts';
import { pairLeftovers, PairKind, type Leftovers } from './pairing.ts';
import { countVariation, emptyCounts, type CaptureReport, type ClockAnchor, type FieldDifference, type FrameCounts, type FrameDifference, type FramesReport } from './report.ts';
import { DIVERGENCE, variation, Variation, type Classification, type VariationName } from './variation.ts';

/** Options of a frame comparison (DESIGN.md §5 "Frames"). */
export interface FrameDiffOptions {
  /**
   * Both sides used the same MACs (`--same-macs`): all (true), or those of a set (the veth MACs a replay set); those
   * compare byte for byte, any other unicast MAC one-to-one (default: none shared).
   */
  readonly sameMacs?: SameMacs;
  /**
   * Timestamps: by default only order counts. With a tolerance (ns), the time from one matched frame to the next
   * must agree within it on both sides, and a reordered frame displaced by no more than it is declared variation.
   */
  readonly tolerance?: number;
  /** A reordered ARP frame displaced by at most this (ns) is `nud-timer-jitter` (default `DEFAULT_NUD_LATENESS`). */
  readonly nudJitter?: number;
  /**
   * When each run ended (its last command's end, in its captures' clock): an ARP frame on one side only, after the
   * last aligned frame of its capture point and at most `nudJitter` before its run's end, is `nud-timer-jitter`,
   * because the other side's timer may fire that much later, after its capture stopped (`compare` sets this).
   */
  readonly runEnds?: { readonly a: number; readonly b: number };
  /** TCP timestamps, relative per connection, must agree within this many milliseconds (default 100). */
  readonly tcpTimestampTolerance?: number;
  /** Differences listed per capture point (default 1000); the rest are counted. */
  readonly maxListed?: number;
  /** Edits beyond which the alignment turns greedy (default `MAX_EXACT_EDITS`). */
  readonly maxEdits?: number;
}

/** Default TCP timestamp tolerance, in ms (the kernel's TS clock is 1 kHz: tcp_clock_ms()). */
export const DEFAULT_TCP_TIMESTAMP_TOLERANCE = 100;
/** Default number of differences listed per capture point. */
export const DEFAULT_MAX_LISTED = 1000;

/** State shared by every capture point of a set: one bijection per family (DESIGN.md §5: a bijection per capture set). */
class PairingState {
  readonly bijections = Array.from({ length: FAMILY_COUNT }, () => new Bijection());
  readonly tsTolerance: number;

  constructor(readonly options: FrameDiffOptions) {
    this.tsTolerance = options.tcpTimestampTolerance ?? DEFAULT_TCP_TIMESTAMP_TOLERANCE;
  }

  /**
   * Checks the variable values of a pair of equal-keyed frames; returns -1 when consistent (and pairs them), else
   * the index of the first slot that is not. `differed` collects the families whose raw values differed.
   */
  checkSlots(ka: KeyedCapture, i: number, kb: KeyedCapture, j: number, differed: { mask: number }): number {
    let q = kb.slotStart[j]!;
    const end = ka.slotStart[i + 1]!;
    for (let p = ka.slotStart[i]!; p < end; p++, q++) {
      const family = ka.slotFamily[p]!;
      const va = ka.slotValue[p]!;
      const vb = kb.slotValue[q]!;
      if (family === Family.TcpTimestamp) {
        if (Math.abs(va - vb) > this.tsTolerance) return p;
      } else if (this.bijections[family]!.pair(va, vb) !== undefined) {
        return p;
      }
      if (va !== vb) differed.mask |= 1 << family;
    }
    return -1;
  }
}

/** A variable's value as a note prints it. */
function showValue(family: Family, value: number): string {
  if (family === Family.Mac) return formatMac(value);
  if (family === Family.IpId) return `${value % 0x10000}`;
  if (family === Family.Timeval) return `timeval #${value.toString(16).slice(-6)}`;
  return `${value}`;
}

/** The note of a broken correspondence: the pairs already made that this one contradicts (A value ↔ B value). */
function conflictNote(family: Family, a: number, b: number, conflict: BijectionConflict): string {
  const pairs: string[] = [];
  if (conflict.aPairedWith !== undefined) pairs.push(`${showValue(family, a)} ↔ ${showValue(family, conflict.aPairedWith)}`);
  if (conflict.bPairedWith !== undefined) pairs.push(`${showValue(family, conflict.bPairedWith)} ↔ ${showValue(family, b)}`);
  return `already ${pairs.join(', ')}`;
}

/** Compares two fields of the same name; undefined when they agree. */
function compareField(fa: FrameField, da: Uint8Array, fb: FrameField, db: Uint8Array, state: PairingState): FieldDifference[] | undefined {
  const name = fa.name;
  if (fa.kind !== fb.kind || (fa.kind === 'variable' && fb.kind === 'variable' && fa.family !== fb.family)) {
    return [{ field: name, a: showField(fa, da), b: showField(fb, db), classification: DIVERGENCE }];
  }
  if (fa.kind === 'exact') {
    let same = fa.length === fb.length;
    for (let k = 0; same && k < fa.length; k++) same = da[fa.offset + k] === db[fb.offset + k];
    if (same) return undefined;
    if (name.endsWith('ipv4.frag')) {
      const x = showFragmentField(da, fa.offset);
      const y = showFragmentField(db, fb.offset);
      const prefix = name.slice(0, -'frag'.length);
      const out: FieldDifference[] = [];
      if (x.flags !== y.flags) out.push({ field: `${prefix}flags`, a: x.flags, b: y.flags, classification: DIVERGENCE });
      if (x.offset !== y.offset) out.push({ field: `${prefix}offset`, a: x.offset, b: y.offset, classification: DIVERGENCE });
      return out;
    }
    const a = showField(fa, da);
    const b = showField(fb, db);
    if (a === b || a.endsWith('…')) {
      const [x, y] = showBytesDifference(da, fa, db, fb);
      return [{ field: name, a: x, b: y, classification: DIVERGENCE }];
    }
    return [{ field: name, a, b, classification: DIVERGENCE }];
  }
  if (fa.kind === 'token' && fb.kind === 'token') {
    if (fa.token === fb.token) return undefined;
    const offload =
      fa.tokenKind === TokenKind.Checksum &&
      ((fa.token === ChecksumStatus.Valid && fb.token === ChecksumStatus.Partial) || (fa.token === ChecksumStatus.Partial && fb.token === ChecksumStatus.Valid));
    return [{ field: name, a: showField(fa, da), b: showField(fb, db), classification: offload ? variation(Variation.ChecksumOffload) : DIVERGENCE }];
  }
  if (fa.kind === 'variable' && fb.kind === 'variable') {
    if (fa.family === Family.TcpTimestamp) {
      const gap = Math.abs(fa.value - fb.value);
      if (gap <= state.tsTolerance) return undefined;
      return [{ field: name, a: showField(fa, da), b: showField(fb, db), classification: DIVERGENCE, note: `differ by ${gap} ms, tolerance ${state.tsTolerance} ms` }];
    }
    const conflict = state.bijections[fa.family]!.pair(fa.value, fb.value);
    if (conflict === undefined) return undefined;
    return [{ field: name, a: showField(fa, da), b: showField(fb, db), classification: DIVERGENCE, note: `${FAMILY_VARIATION[fa.family]}: ${conflictNote(fa.family, fa.value, fb.value, conflict)}` }];
  }
  return undefined;
}

/** The named field differences of two frames (fields matched by name and order of appearance). */
function fieldDifferences(ka: KeyedCapture, i: number, kb: KeyedCapture, j: number, state: PairingState): FieldDifference[] {
  const a = frameOf(ka.frames, i);
  const b = frameOf(kb.frames, j);
  const fa = frameFields(a, i, ka.context);
  const fb = frameFields(b, j, kb.context);
  const byName = new Map<string, FrameField[]>();
  for (const f of fb) {
    let list = byName.get(f.name);
    if (!list) byName.set(f.name, (list = []));
    list.push(f);
  }
  const out: FieldDifference[] = [];
  const used = new Set<FrameField>();
  for (const f of fa) {
    const other = byName.get(f.name)?.shift();
    if (!other) {
      out.push({ field: f.name, a: showField(f, a.data), b: '(absent)', classification: DIVERGENCE });
      continue;
    }
    used.add(other);
    const d = compareField(f, a.data, other, b.data, state);
    if (d) out.push(...d);
  }
  for (const f of fb) if (!used.has(f)) out.push({ field: f.name, a: '(absent)', b: showField(f, b.data), classification: DIVERGENCE });
  if (out.length === 0 && (a.data.length !== b.data.length || a.linkType !== b.linkType)) {
    out.push({ field: 'frame.length', a: `${a.data.length}`, b: `${b.data.length}`, classification: DIVERGENCE });
  }
  return out;
}

/** A frame's classification from its fields: a divergence if any is one, else the first field's variation. */
function classifyFields(fields: readonly FieldDifference[]): Classification {
  return fields.find((f) => f.classification.kind === 'divergence')?.classification ?? fields[0]?.classification ?? DIVERGENCE;
}

/** A difference before its tcpdump lines are printed. */
interface Pending {
  readonly kind: FrameDifference['kind'];
  readonly classification: Classification;
  readonly i: number;
  readonly j: number;
  readonly fields: readonly FieldDifference[];
  /** Sort position in A's order. */
  readonly position: number;
}

/** One capture point on its way through the comparison. */
interface PointWork {
  readonly point: string;
  readonly framesA: FrameList;
  readonly framesB: FrameList;
  readonly ka: KeyedCapture;
  readonly kb: KeyedCapture;
  readonly aMatch: Int32Array;
  readonly bMatch: Int32Array;
  readonly approximate: boolean;
  readonly left: Leftovers;
  readonly counts: FrameCounts;
  readonly familyCounts: Float64Array;
  readonly pending: Pending[];
  readonly anchors: ClockAnchor[];
}

/** An alignment with its leftovers paired. */
interface Pairing {
  readonly alignment: Alignment;
  readonly left: Leftovers;
}

/** Pairs the leftovers of an alignment. */
function pairingOf(ka: KeyedCapture, kb: KeyedCapture, alignment: Alignment): Pairing {
  const { aMatch, bMatch } = alignment;
  const left = pairLeftovers(ka.strictOf, kb.strictOf, ka.keys, kb.keys, aMatch, bMatch, (i, fine) => frameShape(ka.frames.data(i), fine), (j, fine) => frameShape(kb.frames.data(j), fine));
  return { alignment, left };
}

/** How many aligned and reordered pairs (up to `stop`) have variable values that do not correspond (fresh correspondences). */
function conflicts(ka: KeyedCapture, kb: KeyedCapture, p: Pairing, tsTolerance: number, stop = Infinity): number {
  const trial = new PairingState({ tcpTimestampTolerance: tsTolerance });
  const differed = { mask: 0 };
  const { aMatch } = p.alignment;
  let n = 0;
  for (let i = 0; i < aMatch.length && n < stop; i++) if (aMatch[i]! >= 0 && trial.checkSlots(ka, i, kb, aMatch[i]!, differed) >= 0) n++;
  for (let i = 0; i < aMatch.length && n < stop; i++) if (p.left.aKind[i] === PairKind.Reordered && trial.checkSlots(ka, i, kb, p.left.aPartner[i]!, differed) >= 0) n++;
  return n;
}

/** How many frames an alignment aligns. */
function aligned(a: Alignment): number {
  let n = 0;
  for (let k = 0; k < a.aMatch.length; k++) if (a.aMatch[k]! >= 0) n++;
  return n;
}

/** The share of paired frames, aligned or reordered (each sampled to about 1,000), that are byte-identical. */
function identicalShare(ka: KeyedCapture, kb: KeyedCapture, p: Pairing): number {
  const { aMatch } = p.alignment;
  const { aKind, aPartner } = p.left;
  let pairs = 0;
  let same = 0;
  const look = (i: number, j: number): void => {
    pairs++;
    if (ka.strictOf(i) === kb.strictOf(j)) same++;
  };
  const step = Math.max(1, Math.floor(aMatch.length / 1024));
  for (let i = 0; i < aMatch.length; i += step) if (aMatch[i]! >= 0) look(i, aMatch[i]!);
  let reordered = 0;
  for (let i = 0; i < aMatch.length && reordered < 1024; i++) {
    if (aKind[i] !== PairKind.Reordered) continue;
    reordered++;
    look(i, aPartner[i]!);
  }
  return pairs === 0 ? 1 : same / pairs;
}

/**
 * The pairing of a point: the alignment on normalised keys. When that pairs frames whose variable values cannot
 * correspond and most aligned frames are byte-identical (a capture against a changed or reshuffled copy of itself), twins (two pings between the same hosts, with their own
 * identifiers and timevals) may be taken one for the other; then byte-identical frames are also aligned first,
 * with (alignTwoLevel) or without the normalised keys between them, and the pairing whose variable values
 * correspond best wins (then the one aligning the most frames).
 */
function choosePairing(ka: KeyedCapture, kb: KeyedCapture, maxEdits: number, tsTolerance: number): Pairing {
  const plain = pairingOf(ka, kb, align(ka.keys, kb.keys, maxEdits));
  if (identicalShare(ka, kb, plain) < 0.5 || conflicts(ka, kb, plain, tsTolerance, 1) === 0) return plain;
  let best = plain;
  let bestBad = conflicts(ka, kb, plain, tsTolerance);
  const strictA = ka.strictAll();
  const strictB = kb.strictAll();
  for (const alignment of [alignTwoLevel(strictA, strictB, ka.keys, kb.keys, maxEdits), align(strictA, strictB, maxEdits)]) {
    const p = pairingOf(ka, kb, alignment);
    const n = conflicts(ka, kb, p, tsTolerance);
    if (n < bestBad || (n === bestBad && aligned(alignment) > aligned(best.alignment))) {
      best = p;
      bestBad = n;
    }
  }
  return best;
}

/** Keys, aligns and pairs the frames of one capture point. */
function preparePoint(point: string, framesA: FrameList, framesB: FrameList, options: FrameDiffOptions): PointWork {
  const sameMacs = options.sameMacs ?? false;
  const ka = keyCapture(framesA, sameMacs);
  const kb = keyCapture(framesB, sameMacs);
  const { alignment, left } = choosePairing(ka, kb, options.maxEdits ?? MAX_EXACT_EDITS, options.tcpTimestampTolerance ?? DEFAULT_TCP_TIMESTAMP_TOLERANCE);
  const { aMatch, bMatch, approximate } = alignment;
  return { point, framesA, framesB, ka, kb, aMatch, bMatch, approximate, left, counts: emptyCounts(), familyCounts: new Float64Array(FAMILY_COUNT), pending: [], anchors: [] };
}

/**
 * The aligned frames of a point, checked first (they are the surest pairs, so they fix the correspondences of
 * variable values): their variable values must correspond, and with a tolerance their time gaps must agree.
 */
function checkAligned(w: PointWork, state: PairingState): void {
  const { framesA, framesB, ka, kb, aMatch, counts, pending } = w;
  const tolerance = state.options.tolerance;
  const differed = { mask: 0 };
  let lastA = 0;
  let lastB = 0;
  let anyMatched = false;
  const stride = Math.max(1, Math.ceil(framesA.length / MAX_ANCHORS));
  for (let i = 0; i < framesA.length; i++) {
    const j = aMatch[i]!;
    if (j < 0) continue;
    if (i % stride === 0) w.anchors.push({ a: framesA.at(i), b: framesB.at(j) });
    differed.mask = 0;
    const a = framesA.at(i);
    const b = framesB.at(j);
    if (state.checkSlots(ka, i, kb, j, differed) >= 0) {
      const fields = fieldDifferences(ka, i, kb, j, state);
      counts.different++;
      pending.push({ kind: 'different', classification: classifyFields(fields), i, j, fields, position: i });
    } else if (tolerance !== undefined && anyMatched && Math.abs(a - lastA - (b - lastB)) > tolerance) {
      const ms = (ns: number): string => `+${(ns / MILLISECOND).toFixed(3)} ms`;
      const note = `since the previous matched frame; tolerance ${(tolerance / MILLISECOND).toFixed(3)} ms`;
      counts.different++;
      pending.push({ kind: 'different', classification: DIVERGENCE, i, j, fields: [{ field: 'frame.time', a: ms(a - lastA), b: ms(b - lastB), classification: DIVERGENCE, note }], position: i });
    } else {
      counts.matched++;
      for (let f = 0; differed.mask !== 0 && f < FAMILY_COUNT; f++) if (differed.mask & (1 << f)) w.familyCounts[f]!++;
    }
    lastA = a;
    lastB = b;
    anyMatched = true;
  }
  if (anyMatched && w.anchors.at(-1)?.a !== lastA) w.anchors.push({ a: lastA, b: lastB });
}

/** About how many clock anchors a point keeps. */
const MAX_ANCHORS = 1024;

/** The frames the alignment left over: reordered, different, missing and extra ones. */
function checkLeftovers(w: PointWork, state: PairingState): void {
  const { framesA, framesB, ka, kb, aMatch, bMatch, left, counts, pending } = w;
  const nudJitter = state.options.nudJitter ?? DEFAULT_NUD_LATENESS;
  const tolerance = state.options.tolerance;
  const differed = { mask: 0 };
  // A one-sided ARP frame in a capture's tail, near its run's end: the other side's timer may have fired after its
  // capture stopped (FrameDiffOptions.runEnds).
  const ends = state.options.runEnds;
  let tailA = framesA.length;
  while (tailA > 0 && aMatch[tailA - 1]! < 0) tailA--;
  let tailB = framesB.length;
  while (tailB > 0 && bMatch[tailB - 1]! < 0) tailB--;
  const endJitterA = (i: number): boolean => ends !== undefined && i >= tailA && framesA.at(i) >= ends.a - nudJitter && isArpFrame(framesA.data(i));
  const endJitterB = (j: number): boolean => ends !== undefined && j >= tailB && framesB.at(j) >= ends.b - nudJitter && isArpFrame(framesB.data(j));
  // The last aligned pair's times: the origin for a reordered frame's displacement.
  let lastA = framesA.length > 0 ? framesA.at(0) : 0;
  let lastB = framesB.length > 0 ? framesB.at(0) : 0;
  for (let i = 0; i < framesA.length; i++) {
    const j = aMatch[i]!;
    if (j >= 0) {
      lastA = framesA.at(i);
      lastB = framesB.at(j);
      continue;
    }
    const partner = left.aPartner[i]!;
    const kind = left.aKind[i]!;
    if (kind === PairKind.Reordered) {
      const fields = state.checkSlots(ka, i, kb, partner, differed) >= 0 ? fieldDifferences(ka, i, kb, partner, state) : [];
      const classification = fields.some((f) => f.classification.kind === 'divergence') ? DIVERGENCE : reorderClass(w, i, partner, lastA, lastB, nudJitter, tolerance);
      counts.reordered++;
      pending.push({ kind: 'reordered', classification, i, j: partner, fields, position: i });
    } else if (kind === PairKind.Different) {
      const fields = fieldDifferences(ka, i, kb, partner, state);
      counts.different++;
      pending.push({ kind: 'different', classification: classifyFields(fields), i, j: partner, fields, position: i });
    } else {
      const noise = randomTimeVariation(framesA.data(i)) ?? (endJitterA(i) ? Variation.NudTimerJitter : undefined);
      counts.missing++;
      pending.push({ kind: 'missing', classification: noise ? variation(noise) : DIVERGENCE, i, j: -1, fields: [], position: i });
    }
  }
  // Extra frames, placed after the A frame aligned just before them.
  let before = -1;
  for (let j = 0; j < framesB.length; j++) {
    if (bMatch[j]! >= 0) {
      before = bMatch[j]!;
      continue;
    }
    if (left.bPaired[j]) continue;
    const noise = randomTimeVariation(framesB.data(j)) ?? (endJitterB(j) ? Variation.NudTimerJitter : undefined);
    counts.extra++;
    pending.push({ kind: 'extra', classification: noise ? variation(noise) : DIVERGENCE, i: -1, j, fields: [], position: before + 0.5 });
  }
}

/** How far around a reordered frame to look for the frames it crossed. */
const CROSSING_WINDOW = 64;

/** The frames a reordered frame (A's `i`, B's `j`) crossed: on its other side in B than in A, as [k, partner]. */
function crossings(w: PointWork, i: number, j: number): [number, number][] {
  const { framesA, aMatch, left } = w;
  const out: [number, number][] = [];
  for (let k = Math.max(0, i - CROSSING_WINDOW); k < Math.min(framesA.length, i + CROSSING_WINDOW); k++) {
    if (k === i) continue;
    const p = aMatch[k]! >= 0 ? aMatch[k]! : left.aKind[k] === PairKind.Reordered ? left.aPartner[k]! : -1;
    if (p >= 0 && ((k < i && p > j) || (k > i && p < j))) out.push([k, p]);
  }
  return out;
}

/**
 * How a reordered frame is classified: a frame sent at random times (noise); a reordering that the kernel's late
 * neighbour timers explain (an ARP frame moved, or a frame that only crossed ARP frames, by no more than the NUD
 * bound); one within the time tolerance; else a divergence. How far it moved is measured against the frames it
 * crossed: by how much their time difference changed from A to B (or, when none is near, against the last aligned
 * pair before it).
 */
function reorderClass(w: PointWork, i: number, j: number, originA: number, originB: number, nudJitter: number, tolerance: number | undefined): Classification {
  const a = frameOf(w.framesA, i);
  const b = frameOf(w.framesB, j);
  const noise = randomTimeVariation(a.data);
  if (noise) return variation(noise);
  const crossed = crossings(w, i, j);
  const shift = (k: number, p: number): number => Math.abs(w.framesA.at(k) - a.at - (w.framesB.at(p) - b.at));
  const displacement = crossed.length > 0 ? Math.max(...crossed.map(([k, p]) => shift(k, p))) : Math.abs(a.at - originA - (b.at - originB));
  if (displacement <= nudJitter && (isArpFrame(a.data) || (crossed.length > 0 && crossed.every(([k]) => isArpFrame(w.framesA.data(k)))))) return variation(Variation.NudTimerJitter);
  if (tolerance !== undefined && displacement <= tolerance) return variation(Variation.FrameTime);
  return DIVERGENCE;
}

/** Sorts, counts and lists (with their tcpdump lines) a point's differences. */
function finishPoint(w: PointWork, maxListed: number): CaptureReport {
  const { point, framesA, framesB, counts, pending, approximate } = w;
  const normalised: Partial<Record<VariationName, number>> = {};
  for (let f = 0; f < FAMILY_COUNT; f++) if (w.familyCounts[f]! > 0) countVariation(normalised, FAMILY_VARIATION[f]!, w.familyCounts[f]!);
  pending.sort((x, y) => x.position - y.position);
  let divergences = 0;
  const variations: Partial<Record<VariationName, number>> = {};
  for (const p of pending) {
    if (p.classification.kind === 'divergence') divergences++;
    else countVariation(variations, p.classification.variation);
  }
  // Divergences are listed first when there are more differences than the limit.
  const listed = pending.length <= maxListed ? pending : [...pending.filter((p) => p.classification.kind === 'divergence'), ...pending.filter((p) => p.classification.kind !== 'divergence')].slice(0, maxListed).sort((x, y) => x.position - y.position);
  const linesA = tcpdumpLines(framesA, listed.filter((p) => p.i >= 0).map((p) => p.i));
  const linesB = tcpdumpLines(framesB, listed.filter((p) => p.j >= 0).map((p) => p.j));
  const differences: FrameDifference[] = listed.map((p) => ({
    kind: p.kind,
    classification: p.classification,
    ...(p.i >= 0 ? { a: { index: p.i, at: framesA.at(p.i), line: linesA.get(p.i) ?? '' } } : {}),
    ...(p.j >= 0 ? { b: { index: p.j, at: framesB.at(p.j), line: linesB.get(p.j) ?? '' } } : {}),
    fields: p.fields,
  }));
  return { point, counts, divergences, variations, normalised, differences, unlisted: pending.length - listed.length, approximate, anchors: w.anchors };
}

/** Adds one count table to another. */
function addCounts(into: FrameCounts, from: FrameCounts): void {
  into.matched += from.matched;
  into.missing += from.missing;
  into.extra += from.extra;
  into.different += from.different;
  into.reordered += from.reordered;
}

/**
 * Compares two capture sets point by point (DESIGN.md §5 "Frames"): points in name order, frames in capture order,
 * the variable fields' correspondences shared by all points. A point present on one side only has all its frames
 * missing or extra.
 */
export function diffCaptureSets(a: ReadonlyMap<string, readonly DiffFrame[] | FrameList>, b: ReadonlyMap<string, readonly DiffFrame[] | FrameList>, options: FrameDiffOptions = {}): FramesReport {
  const state = new PairingState(options);
  const points = [...new Set([...a.keys(), ...b.keys()])].sort();
  const work = points.map((p) => preparePoint(p, toFrameList(a.get(p) ?? []), toFrameList(b.get(p) ?? []), options));
  for (const w of work) checkAligned(w, state);
  for (const w of work) checkLeftovers(w, state);
  const reports = work.map((w) => finishPoint(w, options.maxListed ?? DEFAULT_MAX_LISTED));
  const counts = emptyCounts();
  const variations: Partial<Record<VariationName, number>> = {};
  let divergences = 0;
  for (const r of reports) {
    addCounts(counts, r.counts);
    divergences += r.divergences;
    for (const [name, n] of Object.entries(r.variations)) countVariation(variations, name as VariationName, n);
  }
  const anchors = reports.flatMap((r) => r.anchors).sort((x, y) => x.a - y.a);
  return { points: reports, counts, divergences, variations, anchors };
}

/** Compares two captures of one point (`twinnet diff A.pcap B.pcap`). */
export function diffCaptures(a: readonly DiffFrame[] | FrameList, b: readonly DiffFrame[] | FrameList, options: FrameDiffOptions = {}, point = 'capture'): FramesReport {
  return diffCaptureSets(new Map([[point, a]]), new Map([[point, b]]), options);
}
