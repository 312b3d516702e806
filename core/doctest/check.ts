import { linesMatch, type Renamings } from './normalise.ts';

/** A line a document shows, with its line number in the document. */
export interface ShownLine {
  readonly text: string;
  readonly line: number;
}

/** The outcome of checking one command's shown output against its real output. */
export type CheckOutcome =
  | { readonly kind: 'matched' }
  | { readonly kind: 'unchecked' }
  | { readonly kind: 'mismatch'; readonly shown: ShownLine; readonly closest: string | undefined };

/** Lines a document may show that no tool prints on stdout: tcpdump's and ping's stderr banners, a ^C. */
function ignorable(text: string): boolean {
  return /^(tcpdump: (listening on|verbose output suppressed)|listening on |\^C\s*$|\d+ packets? (captured|received by filter|dropped by kernel))/.test(text.trim());
}

/**
 * Checks that the shown lines appear, in order, within the real output (DESIGN.md §1): `...` stands for any
 * lines; blank lines and banners are skipped; the first shown line that cannot be found is the mismatch.
 */
export function checkOutput(shown: readonly ShownLine[], realText: string, renamings: Renamings, skip: (line: ShownLine) => boolean = () => false): CheckOutcome {
  const wanted = shown.filter((l) => l.text.trim() !== '' && !ignorable(l.text) && !skip(l));
  if (wanted.length === 0) return { kind: 'unchecked' };
  const real = realText.split('\n').filter((l) => l.trim() !== '');
  let at = 0;
  for (const line of wanted) {
    if (line.text.trim() === '...') continue;
    let found = -1;
    for (let i = at; i < real.length; i++) {
      if (linesMatch(line.text, real[i]!, renamings)) {
        found = i;
        break;
      }
    }
    if (found < 0) return { kind: 'mismatch', shown: line, closest: closestLine(line.text, real) };
    at = found + 1;
  }
  return { kind: 'matched' };
}

/** The real line sharing the longest prefix with `text`, to show next to a mismatch. */
function closestLine(text: string, real: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const line of real) {
    let n = 0;
    while (n < line.length && n < text.length && line[n] === text[n]) n++;
    if (n > bestScore) {
      bestScore = n;
      best = line;
    }
  }
  return best;
}
