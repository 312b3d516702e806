/**
 * The check of one document command, shared by both engines (DESIGN.md §1 "Checking", "Divergences"): the shown
 * lines against the real output, strictly first, then with the listed divergences left out; and the run's tally.
 */
import type { CheckKind, CommandCheck } from '../transcript.ts';
import { checkOutput, type ShownLine } from './check.ts';
import { divergenceFor, type Divergence } from './divergences.ts';
import type { Renamings } from './normalise.ts';

/** How many document commands ended in each way. */
export interface DoctestSummary {
  matched: number;
  unchecked: number;
  divergences: number;
  mismatches: number;
  skipped: number;
}

/** A tally at zero. */
export function emptySummary(): DoctestSummary {
  return { matched: 0, unchecked: 0, divergences: 0, mismatches: 0, skipped: 0 };
}

const FIELD: Readonly<Record<CheckKind, keyof DoctestSummary>> = {
  matched: 'matched',
  unchecked: 'unchecked',
  divergence: 'divergences',
  mismatch: 'mismatches',
  skipped: 'skipped',
};

/** Counts one check in the tally. */
export function countCheck(summary: DoctestSummary, check: CommandCheck): void {
  summary[FIELD[check.kind]]++;
}

/**
 * Compares a command's shown output with its real output: matched; unchecked (nothing shown, or nothing
 * checkable); a listed divergence (only listed lines fail); or a mismatch, naming the first shown line not found
 * and the closest real line. `renamings` is the document's, extended by a match.
 */
export function checkDocCommand(expected: readonly ShownLine[], realText: string, renamings: Renamings, divergences: readonly Divergence[]): CommandCheck {
  if (expected.length === 0) return { kind: 'unchecked' };
  const strict = checkOutput(expected, realText, renamings);
  if (strict.kind !== 'mismatch') return strict;
  const listed = expected.filter((l) => divergenceFor(divergences, l));
  if (listed.length === 0) return { kind: 'mismatch', shown: strict.shown, closest: strict.closest };
  const loose = checkOutput(expected, realText, renamings, (l) => divergenceFor(divergences, l) !== undefined);
  if (loose.kind === 'mismatch') return { kind: 'mismatch', shown: loose.shown, closest: loose.closest };
  const reasons = [...new Set(listed.map((l) => divergenceFor(divergences, l)!.title))];
  return { kind: 'divergence', reason: reasons.join('; ') };
}
