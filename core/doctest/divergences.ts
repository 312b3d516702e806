/**
 * A document's listed divergences (DESIGN.md §1 "Divergences"): the places where the document shows output that
 * Linux does not print, each with its reason. The list is a Markdown file beside the fixture, readable as prose;
 * an entry is a numbered item `N. **Title.** reason…` whose lines include
 * `Lines: 87, 90–92` (document line numbers of the shown output it covers) and/or
 * `Pattern: /regex/` (every shown line matching it).
 */
export interface Divergence {
  readonly title: string;
  readonly reason: string;
  readonly lines: ReadonlySet<number>;
  readonly patterns: readonly RegExp[];
}

/** Parses a divergences file; entries without `Lines:` or `Pattern:` are prose only and cover nothing. */
export function parseDivergences(text: string): Divergence[] {
  const entries: { title: string; body: string[] }[] = [];
  for (const line of text.split('\n')) {
    const item = /^\s*\d+\.\s+\*\*(.+?)\*\*\s*(.*)$/.exec(line);
    if (item) {
      entries.push({ title: item[1]!.replace(/\.$/, ''), body: [item[2]!] });
      continue;
    }
    if (/^#/.test(line)) {
      entries.push({ title: '', body: [] });
      continue;
    }
    entries.at(-1)?.body.push(line);
  }
  const out: Divergence[] = [];
  for (const entry of entries) {
    const lines = new Set<number>();
    const patterns: RegExp[] = [];
    const prose: string[] = [];
    for (const raw of entry.body) {
      const l = /^\s*(?:[-*]\s*)?Lines?:\s*([0-9,\s–-]+?)\.?\s*$/.exec(raw);
      const p = /^\s*(?:[-*]\s*)?Pattern:\s*`?\/(.+)\/`?\s*$/.exec(raw);
      if (l) {
        for (const part of l[1]!.split(',')) {
          const range = part.trim().split(/[–-]/).map((x) => Number(x.trim()));
          if (range.length === 1 && Number.isInteger(range[0])) lines.add(range[0]!);
          else if (range.length === 2 && Number.isInteger(range[0]) && Number.isInteger(range[1])) for (let n = range[0]!; n <= range[1]!; n++) lines.add(n);
        }
      } else if (p) {
        patterns.push(new RegExp(p[1]!));
      } else {
        prose.push(raw.trim());
      }
    }
    if (entry.title && (lines.size > 0 || patterns.length > 0)) out.push({ title: entry.title, reason: prose.filter(Boolean).join(' '), lines, patterns });
  }
  return out;
}

/** The divergence that lists a shown line, if any. */
export function divergenceFor(list: readonly Divergence[], line: { readonly text: string; readonly line: number }): Divergence | undefined {
  return list.find((d) => d.lines.has(line.line) || d.patterns.some((p) => p.test(line.text)));
}
