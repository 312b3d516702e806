/**
 * Documents (`.md`, `.txt`) as doctests, per DESIGN.md §1: inside fenced code blocks a line that starts with a
 * prompt is a command and the lines after it, up to the next prompt, its expected output; a block without
 * prompts is a script; an "or" between two blocks makes the second an alternative, skipped.
 *
 * How odd fences read (decisions, as a reader of the seed tutorial takes them):
 * - A fence may be indented by up to three spaces (CommonMark), so ` ``` ` closes a block.
 * - A block that ends with a line of prose (the author closed the fence one line late, as the seed's
 *   "Now (finally), we’re good! … all the way:") does not count that line as output: a last output line that
 *   starts with a capital letter, has at least four words and ends with ':' is prose.
 * - HTML in output (the seed's `<span style="color:blue">` … `</span>` and its `**` bold markers) is markup,
 *   not output: lines made only of tags are dropped, inline tags and `**` are removed.
 * - `# ` is a prompt only when the word after it is a command twinnet knows (`# ip a`), else a comment.
 * - An interactive `ip netns exec NS sh` lasts until `exit` or the end of its block, as DESIGN.md says; so in
 *   the seed, `# ip a` (a block of its own after the skipped alternative) runs in the global namespace.
 * - Blocks whose info string names another language (```json, ```python) are not run.
 */
import { ok, type Result } from '../result.ts';
import type { Command, Statement } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { COMMAND_NAMES, parseStatements, type StatementContext } from './parse-statements.ts';
import { sliceSource, type SourceFile, type SourcePosition } from './source.ts';

/** A line of expected output and where it stands. */
export interface ExpectedLine {
  readonly text: string;
  readonly line: number;
}

/** How a long-running command is bounded (DESIGN.md §1): the replies or frames the document shows. */
export interface LongRunning {
  readonly tool: 'ping' | 'tcpdump';
  /** `64 bytes from` lines for ping, frame lines for tcpdump. */
  readonly shown: number;
}

/** A prompted command of a doctest block with its expected output. */
export interface DocCommand {
  readonly prompt: string;
  readonly position: SourcePosition;
  readonly text: string;
  readonly statements: readonly Statement[];
  /** The interactive shell's namespace in force when the command is typed (each typed command also carries its own). */
  readonly namespace: string | undefined;
  /** Shown output, trailing blank lines trimmed; empty = unchecked. */
  readonly expected: readonly ExpectedLine[];
  readonly longRunning: LongRunning | undefined;
}

/** A fenced code block. */
export interface DocBlock {
  readonly position: SourcePosition;
  /** `doctest`: has prompts; `script`: no prompts, read as a script; `other`: another language, not run. */
  readonly kind: 'doctest' | 'script' | 'other';
  /** `alternative`: the prose before it is just "or"; it is reported as "skipped (alternative)" and not run. */
  readonly skipped: 'alternative' | undefined;
  readonly commands: readonly DocCommand[];
  /** For script blocks. */
  readonly statements: readonly Statement[];
  /** Lines before the first prompt of a doctest block (no command to check them against). */
  readonly unattached: readonly ExpectedLine[];
  /** A skipped block that would not parse keeps its error here instead of failing the document. */
  readonly error: ScenarioError | undefined;
  /** The prose line read as outside the block (see the module comment), if any. */
  readonly proseLine: ExpectedLine | undefined;
}

interface RawLine {
  readonly text: string;
  readonly start: number;
  readonly line: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const CODE_INFO = new Set(['', 'sh', 'bash', 'shell', 'console', 'terminal', 'shell-session', 'shellsession', 'zsh', 'text', 'txt', 'plain']);

/** The prompt at the start of a line (after spaces), or undefined. */
export function promptOf(line: string): string | undefined {
  const m =
    /^\s*\$( |$)/.exec(line) ??
    /^\s*\[[^\]\s]+@[^\]]*\][#$]( |$)/.exec(line) ??
    /^\s*[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:[^\s$#]*[$#]( |$)/.exec(line);
  if (m) return m[0];
  const hash = /^\s*# /.exec(line);
  if (hash) {
    const words = line.slice(hash[0].length).trim().split(/\s+/);
    const name = words[0] === 'sudo' ? words[1] : words[0];
    if (name !== undefined && COMMAND_NAMES.has(name)) return hash[0];
  }
  return undefined;
}

/** HTML tags of inline markup; `<BROADCAST,MULTICAST,UP>` (iproute2's flags) is not one. */
const HTML_TAG = /<\/?(?:span|font|b|i|u|em|strong|mark|code|pre|div|p|br|a|sup|sub|small|big|tt|kbd|samp)(?:\s[^>]*)?\/?>/i;

/** Removes HTML tags and `**` markers from an output line; undefined when nothing but markup was there. */
function stripMarkup(text: string): string | undefined {
  if (!HTML_TAG.test(text) && !text.includes('**')) return text;
  const stripped = text.replace(new RegExp(HTML_TAG.source, 'gi'), '').replace(/\*\*/g, '');
  return stripped.trim() === '' ? undefined : stripped;
}

function isProse(text: string): boolean {
  return /^[A-Z]/.test(text) && text.trim().endsWith(':') && text.trim().split(/\s+/).length >= 4;
}

function countShown(tool: 'ping' | 'tcpdump', expected: readonly ExpectedLine[]): number {
  if (tool === 'ping') return expected.filter((l) => /^\d+ bytes from /.test(l.text)).length;
  return expected.filter((l) => l.text.trim() !== '' && !/^\s/.test(l.text) && !/^(tcpdump: |listening on |\^C|\d+ packets? )/.test(l.text)).length;
}

/** The long-running tool of a command line, if it is a ping or tcpdump that runs until stopped. */
function longRunningOf(statements: readonly Statement[], expected: readonly ExpectedLine[]): LongRunning | undefined {
  const last: Command | undefined = statements.at(-1)?.pipelines.at(-1)?.commands.at(-1);
  if (!last || statements.at(-1)?.background) return undefined;
  if ((last.kind === 'ping' || last.kind === 'tcpdump') && last.longRunning) return { tool: last.kind, shown: countShown(last.kind, expected) };
  return undefined;
}

/** Splits a document into its fenced blocks and reads each. */
export function parseDocument(file: SourceFile): Result<DocBlock[], ScenarioError> {
  const lines: RawLine[] = [];
  let offset = 0;
  for (const [i, text] of file.text.split('\n').entries()) {
    lines.push({ text, start: offset, line: i + 1 });
    offset += text.length + 1;
  }
  const blocks: DocBlock[] = [];
  let proseSinceLastBlock: string[] = [];
  let afterBlock = false;
  let i = 0;
  while (i < lines.length) {
    const open = FENCE.exec(lines[i]!.text);
    if (!open) {
      if (lines[i]!.text.trim() !== '') proseSinceLastBlock.push(lines[i]!.text.trim());
      i++;
      continue;
    }
    const fence = open[1]!;
    const info = open[2]!.trim().split(/\s+/)[0]!.toLowerCase();
    const openLine = lines[i]!;
    const body: RawLine[] = [];
    i++;
    while (i < lines.length) {
      const close = FENCE.exec(lines[i]!.text);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length && close[2]!.trim() === '') break;
      body.push(lines[i]!);
      i++;
    }
    i++;
    const alternative = afterBlock && proseSinceLastBlock.length === 1 && /^or:?$/i.test(proseSinceLastBlock[0]!);
    proseSinceLastBlock = [];
    afterBlock = true;
    const position = file.positionAt(openLine.start);
    if (!CODE_INFO.has(info)) {
      blocks.push({ position, kind: 'other', skipped: undefined, commands: [], statements: [], unattached: [], error: undefined, proseLine: undefined });
      continue;
    }
    const block = readBlock(file, body, position, alternative);
    if (!block.ok) {
      if (!alternative) return block;
      blocks.push({ position, kind: 'doctest', skipped: 'alternative', commands: [], statements: [], unattached: [], error: block.error, proseLine: undefined });
      continue;
    }
    blocks.push(block.value);
  }
  return ok(blocks);
}

function readBlock(file: SourceFile, body: readonly RawLine[], position: SourcePosition, alternative: boolean): Result<DocBlock, ScenarioError> {
  const skipped = alternative ? 'alternative' : undefined;
  const context: StatementContext = { namespace: undefined, allowInteractive: true, interactive: undefined };
  let proseLine: ExpectedLine | undefined;
  const lastNonBlank = [...body].reverse().find((l) => l.text.trim() !== '');
  const hasPrompts = body.some((l) => promptOf(l.text) !== undefined);
  if (hasPrompts && lastNonBlank && promptOf(lastNonBlank.text) === undefined && isProse(lastNonBlank.text)) {
    proseLine = { text: lastNonBlank.text, line: lastNonBlank.line };
    body = body.filter((l) => l !== lastNonBlank);
  }
  if (!hasPrompts) {
    if (body.length === 0) return ok({ position, kind: 'script', skipped, commands: [], statements: [], unattached: [], error: undefined, proseLine });
    const start = body[0]!.start;
    const end = body.at(-1)!.start + body.at(-1)!.text.length;
    const statements = parseStatements(sliceSource(file, start, end), context);
    if (!statements.ok) return statements;
    return ok({ position, kind: 'script', skipped, commands: [], statements: statements.value, unattached: [], error: undefined, proseLine });
  }
  const commands: DocCommand[] = [];
  const unattached: ExpectedLine[] = [];
  let k = 0;
  let current: { prompt: string; start: number; end: number; line: RawLine; expected: ExpectedLine[] } | undefined;
  const finish = (): Result<void, ScenarioError> => {
    if (!current) return ok(undefined);
    const c = current;
    current = undefined;
    while (c.expected.length > 0 && c.expected.at(-1)!.text.trim() === '') c.expected.pop();
    const namespace = context.namespace;
    const statements = parseStatements(sliceSource(file, c.start, c.end), context);
    if (!statements.ok) return statements;
    if (statements.value.length === 0) return ok(undefined);
    commands.push({
      prompt: c.prompt,
      position: file.positionAt(c.start),
      text: file.text.slice(c.start, c.end),
      statements: statements.value,
      namespace,
      expected: c.expected,
      longRunning: longRunningOf(statements.value, c.expected),
    });
    return ok(undefined);
  };
  while (k < body.length) {
    const l = body[k]!;
    const prompt = promptOf(l.text);
    if (prompt !== undefined) {
      const f = finish();
      if (!f.ok) return f;
      let end = l.start + l.text.length;
      // A command continued with a trailing backslash takes the next lines.
      while (/\\$/.test(body[k]!.text) && k + 1 < body.length) {
        k++;
        end = body[k]!.start + body[k]!.text.length;
      }
      if (l.text.slice(prompt.length).trim() !== '') current = { prompt: prompt.trimStart(), start: l.start + prompt.length, end, line: l, expected: [] };
      k++;
      continue;
    }
    const text = stripMarkup(l.text);
    if (text !== undefined) (current ? current.expected : unattached).push({ text, line: l.line });
    k++;
  }
  const f = finish();
  if (!f.ok) return f;
  return ok({ position, kind: 'doctest', skipped, commands, statements: [], unattached, error: undefined, proseLine });
}

