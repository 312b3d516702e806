/** The outcome of one property over one run (issue 6): what it judged, what it could not, and what failed. */
export interface PropertyResult {
  readonly name: string;
  /** Claims judged (probes, neighbour entries, forwarded packets …). */
  readonly checked: number;
  /** Claims the property could not judge (counted, never passed). */
  readonly unjudged: number;
  /** Each failed claim, as a sentence naming the line or frame. */
  readonly violations: readonly string[];
  readonly notes: readonly string[];
}

/** Whether no property failed. */
export function allHold(results: readonly PropertyResult[]): boolean {
  return results.every((r) => r.violations.length === 0);
}

/** The results as text: one line per property, then each violation indented. */
export function formatPropertyResults(results: readonly PropertyResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`${r.violations.length === 0 ? 'ok  ' : 'FAIL'} ${r.name}: ${r.checked} judged, ${r.unjudged} unjudged, ${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`);
    for (const v of r.violations) out.push(`     ${v}`);
    for (const n of r.notes) out.push(`     (${n})`);
  }
  return `${out.join('\n')}\n`;
}
