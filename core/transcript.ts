import type { Instant } from './clock.ts';
import type { SourcePosition } from './scenario/index.ts';

/** What a program printed, in order, with the (virtual or real) time of each write, in nanoseconds. */
export interface OutputChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  readonly at: Instant;
}

/** How a document's shown output compared with what ran (DESIGN.md §1 "Checking", "Divergences"). */
export type CheckKind = 'matched' | 'unchecked' | 'divergence' | 'mismatch' | 'skipped';

/** The check of one document command. */
export interface CommandCheck {
  readonly kind: CheckKind;
  /** Why: the listed divergence's reason, the skipped block's reason. */
  readonly reason?: string;
  /** For a mismatch: the shown line that was not found, its document line, and the closest real line. */
  readonly shown?: { readonly text: string; readonly line: number };
  readonly closest?: string;
}

/** One command line of a run, as a terminal session shows it; both engines produce these (DESIGN.md §1). */
export interface TranscriptEntry {
  readonly position: SourcePosition;
  readonly prompt: string;
  readonly command: string;
  readonly namespace: string | undefined;
  readonly output: readonly OutputChunk[];
  readonly status: number;
  /** When the command started and ended (nanoseconds: virtual time in the simulator, since the run's start on the kernel). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly check?: CommandCheck;
  /** Part of a preamble (the tutorial's machine, `fixtures/seed/host.sh`), not of the scenario itself. */
  readonly preamble?: boolean;
}

/** The text a transcript entry shows: prompt and command, then its output. */
export function formatEntry(entry: TranscriptEntry): string {
  const out = entryOutput(entry);
  return `${entry.prompt}${entry.command}\n${out}${out === '' || out.endsWith('\n') ? '' : '\n'}`;
}

/** The output of an entry as one string, stdout and stderr interleaved as a terminal shows them. */
export function entryOutput(entry: Pick<TranscriptEntry, 'output'>): string {
  return entry.output.map((c) => c.text).join('');
}
