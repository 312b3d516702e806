/**
 * How `twinnet run` and `twinnet replay` print a run: each transcript entry as a terminal session shows it, with a
 * document's check under it; what background programs printed when stopped; a document's tally; and `--json`.
 * Both engines' results have these parts (core/transcript.ts), so both commands print the same format.
 */
import type { OutputChunk, TranscriptEntry } from '../core/transcript.ts';
import { entryOutput, formatEntry } from '../core/transcript.ts';

/** A document's tally (core/doctest/command-check.ts: DoctestSummary). */
export interface PrintedSummary {
  readonly matched: number;
  readonly unchecked: number;
  readonly divergences: number;
  readonly mismatches: number;
  readonly skipped: number;
}

/** A short report of a document check, printed under the command's output. */
export function checkLine(entry: TranscriptEntry): string {
  const check = entry.check;
  if (!check) return '';
  switch (check.kind) {
    case 'matched':
      return '[matched]\n';
    case 'unchecked':
      return '[unchecked]\n';
    case 'skipped':
      return `[${check.reason ?? 'skipped'}]\n`;
    case 'divergence':
      return `[listed divergence: ${check.reason}]\n`;
    case 'mismatch':
      return `[MISMATCH at line ${check.shown?.line}: shown "${check.shown?.text}"${check.closest ? `, closest real line "${check.closest}"` : ''}]\n`;
  }
}

/** One entry as printed: prompt, command, output, and the check of a document command. */
export function printedEntry(entry: TranscriptEntry): string {
  return formatEntry(entry) + checkLine(entry);
}

/** What background programs printed when the run ended. */
export function epilogueText(epilogue: readonly OutputChunk[]): string {
  return epilogue.map((c) => c.text).join('');
}

/** The line after a document's transcript. */
export function summaryLine(name: string, s: PrintedSummary): string {
  return `\n${name}: ${s.matched} matched, ${s.unchecked} unchecked, ${s.divergences} listed divergences, ${s.mismatches} mismatches, ${s.skipped} skipped\n`;
}

/** The transcript as `--json` gives it: one object per entry, stdout and stderr apart and together. */
export function transcriptJson(transcript: readonly TranscriptEntry[]): Record<string, unknown>[] {
  return transcript.map((e) => ({
    file: e.position.file,
    line: e.position.line,
    column: e.position.column,
    prompt: e.prompt,
    command: e.command,
    namespace: e.namespace ?? null,
    stdout: e.output.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''),
    stderr: e.output.filter((c) => c.stream === 'stderr').map((c) => c.text).join(''),
    output: entryOutput(e),
    status: e.status,
    startedAt: e.startedAt,
    endedAt: e.endedAt,
    ...(e.check ? { check: e.check } : {}),
    ...(e.preamble ? { preamble: true } : {}),
  }));
}
