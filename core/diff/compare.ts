import type { TranscriptEntry } from '../transcript.ts';
import { diffCaptureSets, type FrameDiffOptions } from './capture-diff.ts';
import type { DiffFrame } from './frame.ts';
import type { NeighbourTiming } from './nud-timer.ts';
import { formatClassification, formatFramesReport, type FramesReport } from './report.ts';
import { diffStates, type StateDump, type StateReport } from './state-diff.ts';
import { diffTranscripts, type TranscriptReport } from './transcript-diff.ts';

/** What compare needs of a run, from either engine: `simulate()`'s and `replay()`'s results both fit. */
export interface EngineRun {
  /** Frames per capture point (`NS:DEV`, `DEV` in the global namespace). */
  readonly captures: ReadonlyMap<string, readonly DiffFrame[]>;
  readonly transcript?: readonly TranscriptEntry[];
  /** State dumps per namespace (left out: state is not compared). */
  readonly state?: readonly StateDump[];
  /** Per transcript entry index, the neighbour timers of its namespace right after it (the simulator knows them). */
  readonly neighbourTimersAfter?: ReadonlyMap<number, readonly NeighbourTiming[]>;
}

/** Options of `compare`. */
export interface CompareOptions extends FrameDiffOptions {
  /** The NUD timer rule's lateness bound, in ns (core/diff/nud-timer.ts). */
  readonly nudLateness?: number;
}

/** The whole comparison (DESIGN.md §5 "Report", §6 `compare`). */
export interface CompareReport {
  readonly frames: FramesReport;
  readonly state: StateReport;
  readonly transcript: TranscriptReport | undefined;
  /** Differences classified as real divergences, over frames, state and transcript. */
  readonly divergences: number;
  /** 0 when nothing but declared variation differs, else 1. */
  readonly exitStatus: 0 | 1;
}

/**
 * Compares two runs of one scenario (DESIGN.md §6 `compare(a, b)`): captures per capture point, state per
 * namespace, transcripts entry by entry, after the normalisation of DESIGN.md §5. A is the reference (the kernel
 * in `twinnet compare`), B the run under test.
 */
export function compare(a: EngineRun, b: EngineRun, options: CompareOptions = {}): CompareReport {
  const endA = a.transcript?.at(-1)?.endedAt;
  const endB = b.transcript?.at(-1)?.endedAt;
  const runEnds = options.runEnds ?? (endA !== undefined && endB !== undefined ? { a: endA, b: endB } : undefined);
  const frames = diffCaptureSets(a.captures, b.captures, { ...options, ...(runEnds ? { runEnds } : {}) });
  const state = diffStates(a.state ?? [], b.state ?? [], {
    ...(options.sameMacs !== undefined ? { sameMacs: options.sameMacs } : {}),
    ...(options.nudLateness !== undefined ? { nudLateness: options.nudLateness } : {}),
    anchors: frames.anchors,
  });
  const timers = b.neighbourTimersAfter ? { timersB: b.neighbourTimersAfter, anchors: frames.anchors, ...(options.nudLateness !== undefined ? { lateness: options.nudLateness } : {}) } : undefined;
  const transcript = a.transcript && b.transcript ? diffTranscripts(a.transcript, b.transcript, timers) : undefined;
  const divergences = frames.divergences + state.divergences + (transcript?.divergences ?? 0);
  return { frames, state, transcript, divergences, exitStatus: divergences === 0 ? 0 : 1 };
}

/** The report as text: frames per capture point, then state, then transcript differences, then the verdict. */
export function formatCompareReport(report: CompareReport, names: { a: string; b: string } = { a: 'A', b: 'B' }): string {
  const out: string[] = [formatFramesReport(report.frames, names).trimEnd()];
  for (const d of report.state.differences) {
    out.push(`state ${d.namespace} ${d.section}: ${d.kind} (${formatClassification(d.classification)}) ${d.item}`);
    for (const f of d.fields) out.push(`    ${f.field} ${f.a} ≠ ${f.b}${f.note ? ` (${f.note})` : ''}`);
  }
  out.push(`state: ${report.state.differences.length} differences; ${report.state.divergences} divergence${report.state.divergences === 1 ? '' : 's'}, ${report.state.variations} declared variation`);
  const t = report.transcript;
  if (t) {
    for (const d of t.differences) {
      out.push(`transcript line ${d.line}: ${d.kind} (${formatClassification(d.classification)}) ${d.command}`);
      if (d.status) out.push(`    status ${d.status.a} ≠ ${d.status.b}`);
      for (const l of d.lines) {
        const tag = l.classification.kind === 'variation' ? ` [${l.classification.variation}]` : '';
        if (l.kind === 'missing') out.push(`    ${names.a} only: ${l.a}${tag}`);
        else if (l.kind === 'extra') out.push(`    ${names.b} only: ${l.b}${tag}`);
        else out.push(`    ${l.kind}: ${l.a} ≠ ${l.b}${tag}`);
      }
    }
    out.push(`transcript: ${t.entries.paired} of ${t.entries.a}/${t.entries.b} entries paired, ${t.differences.length} differ; ${t.divergences} divergence${t.divergences === 1 ? '' : 's'}, ${t.variations} declared variation`);
  }
  out.push(report.exitStatus === 0 ? 'result: same (only declared variation differs)' : `result: ${report.divergences} divergence${report.divergences === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}
