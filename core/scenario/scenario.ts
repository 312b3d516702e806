/** The scenario entry points (DESIGN.md §6): `parseScenario(text, { file })` and `parseScenarioFile(path)`. */
import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '../result.ts';
import type { Statement } from './commands.ts';
import { type DocBlock, parseDocument } from './document.ts';
import { scenarioError, type ScenarioError } from './error.ts';
import { parseStatements } from './parse-statements.ts';
import { sliceSource, SourceFile } from './source.ts';

/** The engines a scenario may run on (DESIGN.md §1 `# engines: sim,kernel`). */
export type Engine = 'sim' | 'kernel';

/** A script: statements read as a shell reads them. */
export interface ScriptScenario {
  readonly form: 'script';
  readonly file: string;
  readonly engines: readonly Engine[];
  readonly statements: readonly Statement[];
}

/** A document: its fenced blocks as doctests and scripts. */
export interface DocumentScenario {
  readonly form: 'document';
  readonly file: string;
  readonly engines: readonly Engine[];
  readonly blocks: readonly DocBlock[];
}

/** A parsed scenario. */
export type Scenario = ScriptScenario | DocumentScenario;

/** Options of parseScenario: the file name (for positions and for the form: `.md`/`.txt` are documents). */
export interface ParseOptions {
  readonly file: string;
  readonly form?: 'script' | 'document';
}

/** Whether a file name is a document (DESIGN.md §1). */
export function isDocumentName(name: string): boolean {
  return /\.(md|markdown|txt)$/i.test(name);
}

/** Reads a first-line `# engines: sim` / `# engines: sim,kernel` declaration; both when absent. */
function engines(file: SourceFile): Result<readonly Engine[], ScenarioError> {
  const first = file.text.split('\n', 1)[0]!;
  const m = /^#\s*engines:\s*(.*)$/.exec(first);
  if (!m) return ok(['sim', 'kernel']);
  const names = m[1]!.split(',').map((s) => s.trim());
  const result: Engine[] = [];
  for (const n of names) {
    if (n !== 'sim' && n !== 'kernel') return err(scenarioError('shell', file.positionAt(first.indexOf(n === '' ? ':' : n)), `unknown engine "${n}" (sim, kernel)`));
    if (!result.includes(n)) result.push(n);
  }
  return ok(result);
}

/** Parses a scenario into typed commands, or the first error with its position. */
export function parseScenario(text: string, options: ParseOptions): Result<Scenario, ScenarioError> {
  const file = new SourceFile(options.file, text);
  const e = engines(file);
  if (!e.ok) return e;
  const form = options.form ?? (isDocumentName(options.file) ? 'document' : 'script');
  if (form === 'document') {
    const blocks = parseDocument(file);
    if (!blocks.ok) return blocks;
    return ok({ form, file: options.file, engines: e.value, blocks: blocks.value });
  }
  const statements = parseStatements(sliceSource(file, 0, text.length), { namespace: undefined, allowInteractive: false, interactive: undefined });
  if (!statements.ok) return statements;
  return ok({ form, file: options.file, engines: e.value, statements: statements.value });
}

/** Reads and parses a scenario file. */
export function parseScenarioFile(path: string): Result<Scenario, ScenarioError> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return err(scenarioError('io', { file: path, line: 1, column: 1 }, `cannot read scenario: ${(e as Error).message}`));
  }
  return parseScenario(text, { file: path });
}
