import { describe, expect, it } from 'vitest';
import { checkDocCommand, countCheck, emptySummary } from '../../../core/doctest/command-check.ts';
import { parseDivergences } from '../../../core/doctest/divergences.ts';
import { newRenamings } from '../../../core/doctest/normalise.ts';

const shown = (...lines: string[]) => lines.map((text, i) => ({ text, line: 10 + i }));
const DIVERGENCES = parseDivergences('1. **Second default route.** The tutorial shows success.\n   Lines: 11\n');

describe('checkDocCommand: one document command as both engines check it', () => {
  it('nothing shown is unchecked; shown lines found in order match', () => {
    expect(checkDocCommand([], 'anything\n', newRenamings(), []).kind).toBe('unchecked');
    expect(checkDocCommand(shown('a', 'c'), 'a\nb\nc\n', newRenamings(), []).kind).toBe('matched');
  });

  it('a missing line is a mismatch naming it and the closest real line', () => {
    const check = checkDocCommand(shown('a', 'cx'), 'a\nb\ncy\n', newRenamings(), []);
    expect(check).toEqual({ kind: 'mismatch', shown: { text: 'cx', line: 11 }, closest: 'cy' });
  });

  it('a missing line that the divergences list is a listed divergence; an unlisted one still fails', () => {
    expect(checkDocCommand(shown('a', 'zz'), 'a\n', newRenamings(), DIVERGENCES)).toEqual({ kind: 'divergence', reason: 'Second default route' });
    const both = checkDocCommand(shown('q', 'zz'), 'a\n', newRenamings(), DIVERGENCES);
    expect(both.kind).toBe('mismatch');
    expect(both.shown?.text).toBe('q');
  });

  it('MACs are renamed one-to-one across the document', () => {
    const renamings = newRenamings();
    expect(checkDocCommand(shown('link/ether 02:00:00:00:00:01 brd'), 'link/ether 0a:0b:0c:0d:0e:0f brd\n', renamings, []).kind).toBe('matched');
    expect(checkDocCommand(shown('link/ether 02:00:00:00:00:01 brd'), 'link/ether 0a:0b:0c:0d:0e:10 brd\n', renamings, []).kind).toBe('mismatch');
  });

  it('countCheck tallies each kind', () => {
    const s = emptySummary();
    for (const kind of ['matched', 'unchecked', 'divergence', 'mismatch', 'skipped', 'mismatch'] as const) countCheck(s, { kind });
    expect(s).toEqual({ matched: 1, unchecked: 1, divergences: 1, mismatches: 2, skipped: 1 });
  });
});
