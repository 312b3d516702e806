/**
 * The shell layer: reads scenario text as a POSIX shell reads it, for the part of the language scenarios use
 * (DESIGN.md §1 "Script"): words with '…', "…" and \ escapes, \-newline continuations, # comments, `;`, `&&`,
 * `||`, `|`, a trailing `&`, here-strings `<<< word`, and redirections of stdout/stderr (`> f`, `>> f`, `2>&1`,
 * `&> f`). Everything else a shell would expand or interpret (variables, command substitution, globs in braces,
 * here-documents, subshells, input redirection) is a typed "unsupported shell syntax" error at its position,
 * never a silent mis-reading. Messages for malformed shell are bash 5.2's own words.
 */
import { err, ok, type Result } from '../result.ts';
import { scenarioError, type ScenarioError } from './error.ts';
import type { ShellSource, SourcePosition } from './source.ts';

/** One word after quote removal, with the file offset of each of its characters. */
export interface ShellWord {
  readonly text: string;
  /** File offset of each character of `text` (for `sh -c` bodies and error columns). */
  readonly offsets: readonly number[];
  /** File offset of the word's first source character (a quote included) and just past its last. */
  readonly start: number;
  readonly end: number;
  /** The word as written in its source, quotes and escapes included. */
  readonly raw: string;
  /** Whether any part of it was quoted or escaped. */
  readonly quoted: boolean;
}

/** An output redirection: `N> file`, `N>> file`, or `N>&M`. */
export type Redirection =
  | { readonly fd: 1 | 2; readonly op: '>' | '>>'; readonly target: string }
  | { readonly fd: 1 | 2; readonly op: '>&'; readonly target: 1 | 2 };

/** A simple command: its words, its redirections, and its here-string (`<<< word`) if any. */
export interface ShellSimpleCommand {
  readonly words: readonly ShellWord[];
  readonly redirections: readonly Redirection[];
  readonly hereString: ShellWord | undefined;
}

/** `a | b | c`. */
export interface ShellPipeline {
  readonly commands: readonly ShellSimpleCommand[];
}

/** `p1 && p2 || p3`, run in the background when followed by `&`. */
export interface ShellAndOr {
  readonly pipelines: readonly ShellPipeline[];
  readonly operators: readonly ('&&' | '||')[];
  readonly background: boolean;
}

type Operator = ';' | '&' | '&&' | '||' | '|' | 'newline' | '<<<';

type Token =
  | { readonly kind: 'word'; readonly word: ShellWord }
  | { readonly kind: 'op'; readonly op: Operator; readonly at: number }
  | { readonly kind: 'redirect'; readonly fd: 1 | 2; readonly op: '>' | '>>' | '&>' | '&>>'; readonly at: number }
  | { readonly kind: 'dup'; readonly fd: 1 | 2; readonly target: 1 | 2; readonly at: number }
  | { readonly kind: 'eof'; readonly at: number };

const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', 'time', '!', '{', '}', '[[', ']]', 'in']);

/** Reads `source` as a shell script: a list of and-or lists. */
export function parseShell(source: ShellSource): Result<readonly ShellAndOr[], ScenarioError> {
  const tokens = lex(source);
  if (!tokens.ok) return tokens;
  return new Parser(source, tokens.value).script();
}

/** The position of a file offset, for errors. */
function positionOf(source: ShellSource, fileOffset: number): SourcePosition {
  return source.file.positionAt(fileOffset);
}

function unsupported(source: ShellSource, fileOffset: number, what: string): Result<never, ScenarioError> {
  return err(scenarioError('unsupported', positionOf(source, fileOffset), `unsupported shell syntax: ${what}`));
}

function lex(source: ShellSource): Result<Token[], ScenarioError> {
  const text = source.text;
  const at = source.origin;
  const tokens: Token[] = [];
  let chars: string[] = [];
  let offsets: number[] = [];
  let unquoted: boolean[] = [];
  let inWord = false;
  let quoted = false;
  let wordStart = 0;
  let i = 0;

  const add = (ch: string, index: number, isUnquoted: boolean): void => {
    if (!inWord) {
      inWord = true;
      wordStart = index;
    }
    chars.push(ch);
    offsets.push(at(index));
    unquoted.push(isUnquoted);
  };
  const finish = (endIndex: number): Result<void, ScenarioError> => {
    if (!inWord) return ok(undefined);
    const wordText = chars.join('');
    if (unquoted[0] && wordText.startsWith('~')) return unsupported(source, offsets[0]!, `tilde expansion in "${wordText}"`);
    const open = chars.findIndex((c, k) => c === '{' && unquoted[k]);
    if (open >= 0) {
      const close = chars.findIndex((c, k) => k > open && c === '}' && unquoted[k]);
      const inner = chars.slice(open + 1, close).join('');
      if (close > open && (inner.includes(',') || inner.includes('..'))) {
        return unsupported(source, offsets[open]!, `brace expansion in "${wordText}"`);
      }
    }
    tokens.push({
      kind: 'word',
      word: { text: wordText, offsets, start: at(wordStart), end: at(endIndex), raw: text.slice(wordStart, endIndex), quoted },
    });
    chars = [];
    offsets = [];
    unquoted = [];
    inWord = false;
    quoted = false;
    return ok(undefined);
  };
  const dollar = (index: number): Result<void, ScenarioError> | undefined => {
    const next = text[index + 1];
    if (next === '(') return unsupported(source, at(index), text[index + 2] === '(' ? 'arithmetic expansion $((…))' : 'command substitution $(…)');
    if (next === '{') return unsupported(source, at(index), 'parameter expansion ${…}');
    if (next !== undefined && /[A-Za-z0-9_@*#?!$-]/.test(next)) return unsupported(source, at(index), `variable $${next === '_' || /[A-Za-z]/.test(next) ? /^[A-Za-z0-9_]+/.exec(text.slice(index + 1))![0] : next}`);
    if (next === "'" || next === '"') return unsupported(source, at(index), `${next === "'" ? "$'…'" : '$"…"'} quoting`);
    return undefined;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      const f = finish(i);
      if (!f.ok) return f;
      i++;
      continue;
    }
    if (!inWord && c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      const f = finish(i);
      if (!f.ok) return f;
      tokens.push({ kind: 'op', op: 'newline', at: at(i) });
      i++;
      continue;
    }
    if (c === ';' || c === '&' || c === '|' || c === '<' || c === '>' || c === '(' || c === ')') {
      // `2>` and `1>`: a lone unquoted digit right before the operator names the file descriptor.
      let fd: 1 | 2 | undefined;
      if ((c === '>' || c === '<') && inWord && !quoted && chars.length === 1 && /[0-9]/.test(chars[0]!)) {
        const n = chars[0]!;
        if (n !== '1' && n !== '2') return unsupported(source, offsets[0]!, `redirection of file descriptor ${n}`);
        fd = n === '1' ? 1 : 2;
        const start = offsets[0]!;
        chars = [];
        offsets = [];
        unquoted = [];
        inWord = false;
        if (c === '<') return unsupported(source, start, 'input redirection');
      } else {
        const f = finish(i);
        if (!f.ok) return f;
      }
      const here = at(i);
      const next = text[i + 1];
      if (c === ';') {
        if (next === ';') return err(scenarioError('shell', positionOf(source, here), "syntax error near unexpected token `;;'"));
        tokens.push({ kind: 'op', op: ';', at: here });
        i++;
      } else if (c === '&') {
        if (next === '&') {
          tokens.push({ kind: 'op', op: '&&', at: here });
          i += 2;
        } else if (next === '>') {
          const append = text[i + 2] === '>';
          tokens.push({ kind: 'redirect', fd: 1, op: append ? '&>>' : '&>', at: here });
          i += append ? 3 : 2;
        } else {
          tokens.push({ kind: 'op', op: '&', at: here });
          i++;
        }
      } else if (c === '|') {
        if (next === '|') {
          tokens.push({ kind: 'op', op: '||', at: here });
          i += 2;
        } else if (next === '&') {
          return unsupported(source, here, '"|&"');
        } else {
          tokens.push({ kind: 'op', op: '|', at: here });
          i++;
        }
      } else if (c === '<') {
        if (next === '<' && text[i + 2] === '<') {
          tokens.push({ kind: 'op', op: '<<<', at: here });
          i += 3;
        } else if (next === '<') {
          return unsupported(source, here, 'here-document "<<" (use a here-string "<<< word")');
        } else if (next === '(') {
          return unsupported(source, here, 'process substitution <(…)');
        } else {
          return unsupported(source, here, 'input redirection "<"');
        }
      } else if (c === '>') {
        if (next === '(') return unsupported(source, here, 'process substitution >(…)');
        if (next === '&') {
          const m = /^[0-9]+/.exec(text.slice(i + 2));
          if (!m || text[i + 2 + m[0].length] === '-') return unsupported(source, here, 'redirection ">&" to a file (write "> file 2>&1")');
          if (m[0] !== '1' && m[0] !== '2') return unsupported(source, here, `redirection to file descriptor ${m[0]}`);
          tokens.push({ kind: 'dup', fd: fd ?? 1, target: m[0] === '1' ? 1 : 2, at: here });
          i += 2 + m[0].length;
        } else if (next === '>') {
          tokens.push({ kind: 'redirect', fd: fd ?? 1, op: '>>', at: here });
          i += 2;
        } else {
          tokens.push({ kind: 'redirect', fd: fd ?? 1, op: '>', at: here });
          i += next === '|' ? 2 : 1;
        }
      } else {
        return unsupported(source, here, c === '(' ? 'subshell or function definition "("' : '")"');
      }
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return err(scenarioError('shell', positionOf(source, at(i)), "unexpected EOF while looking for matching `''"));
      if (!inWord) {
        inWord = true;
        wordStart = i;
      }
      quoted = true;
      for (let k = i + 1; k < close; k++) add(text[k]!, k, false);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      if (!inWord) {
        inWord = true;
        wordStart = i;
      }
      quoted = true;
      let k = i + 1;
      for (;;) {
        if (k >= text.length) return err(scenarioError('shell', positionOf(source, at(i)), 'unexpected EOF while looking for matching `"\''));
        const d = text[k]!;
        if (d === '"') break;
        if (d === '\\') {
          const e = text[k + 1];
          if (e === '\n') {
            k += 2;
            continue;
          }
          if (e === '$' || e === '`' || e === '"' || e === '\\') {
            add(e, k + 1, false);
            k += 2;
            continue;
          }
          add(d, k, false);
          k++;
          continue;
        }
        if (d === '$') {
          const bad = dollar(k);
          if (bad) return bad as Result<never, ScenarioError>;
        }
        if (d === '`') return unsupported(source, at(k), 'command substitution `…`');
        add(d, k, false);
        k++;
      }
      i = k + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= text.length) {
        add(c, i, true);
        i++;
        continue;
      }
      if (!inWord) {
        inWord = true;
        wordStart = i;
      }
      quoted = true;
      add(text[i + 1]!, i + 1, false);
      i += 2;
      continue;
    }
    if (c === '$') {
      const bad = dollar(i);
      if (bad) return bad as Result<never, ScenarioError>;
    }
    if (c === '`') return unsupported(source, at(i), 'command substitution `…`');
    add(c, i, true);
    i++;
  }
  const f = finish(text.length);
  if (!f.ok) return f;
  tokens.push({ kind: 'eof', at: at(text.length) });
  return ok(tokens);
}

class Parser {
  private index = 0;

  constructor(
    private readonly source: ShellSource,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isOp(op: Operator): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.op === op;
  }

  private syntaxError(token: Token): Result<never, ScenarioError> {
    if (token.kind === 'eof') return err(scenarioError('shell', positionOf(this.source, token.at), 'syntax error: unexpected end of file'));
    const name = token.kind === 'op' ? token.op : token.kind === 'redirect' ? token.op : token.kind === 'dup' ? '>&' : token.word.raw;
    const at = token.kind === 'word' ? token.word.start : token.at;
    return err(scenarioError('shell', positionOf(this.source, at), `syntax error near unexpected token \`${name}'`));
  }

  private skipNewlines(): void {
    while (this.isOp('newline')) this.index++;
  }

  script(): Result<readonly ShellAndOr[], ScenarioError> {
    const items: ShellAndOr[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek().kind === 'eof') return ok(items);
      const andOr = this.andOr();
      if (!andOr.ok) return andOr;
      const t = this.peek();
      if (t.kind === 'eof') {
        items.push(andOr.value);
        return ok(items);
      }
      if (t.kind === 'op' && (t.op === ';' || t.op === '&' || t.op === 'newline')) {
        this.index++;
        items.push({ ...andOr.value, background: t.op === '&' });
        continue;
      }
      return this.syntaxError(t);
    }
  }

  private andOr(): Result<ShellAndOr, ScenarioError> {
    const pipelines: ShellPipeline[] = [];
    const operators: ('&&' | '||')[] = [];
    for (;;) {
      const p = this.pipeline();
      if (!p.ok) return p;
      pipelines.push(p.value);
      const t = this.peek();
      if (t.kind === 'op' && (t.op === '&&' || t.op === '||')) {
        operators.push(t.op);
        this.index++;
        this.skipNewlines();
        continue;
      }
      return ok({ pipelines, operators, background: false });
    }
  }

  private pipeline(): Result<ShellPipeline, ScenarioError> {
    const commands: ShellSimpleCommand[] = [];
    for (;;) {
      const c = this.command();
      if (!c.ok) return c;
      commands.push(c.value);
      if (this.isOp('|')) {
        this.index++;
        this.skipNewlines();
        continue;
      }
      return ok({ commands });
    }
  }

  private command(): Result<ShellSimpleCommand, ScenarioError> {
    const words: ShellWord[] = [];
    const redirections: Redirection[] = [];
    let hereString: ShellWord | undefined;
    const first = this.peek();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'word') {
        if (words.length === 0) {
          const bad = this.checkCommandWord(t.word);
          if (bad) return bad;
        }
        words.push(t.word);
        this.index++;
        continue;
      }
      if (t.kind === 'redirect' || (t.kind === 'op' && t.op === '<<<')) {
        this.index++;
        const target = this.peek();
        if (target.kind !== 'word') return this.syntaxError(target.kind === 'op' && target.op === 'newline' ? target : target);
        this.index++;
        if (t.kind === 'op') {
          hereString = target.word;
        } else if (t.op === '&>' || t.op === '&>>') {
          redirections.push({ fd: 1, op: t.op === '&>' ? '>' : '>>', target: target.word.text });
          redirections.push({ fd: 2, op: '>&', target: 1 });
        } else {
          redirections.push({ fd: t.fd, op: t.op, target: target.word.text });
        }
        continue;
      }
      if (t.kind === 'dup') {
        this.index++;
        redirections.push({ fd: t.fd, op: '>&', target: t.target });
        continue;
      }
      break;
    }
    if (words.length === 0) {
      if (redirections.length > 0 || hereString) {
        const at = first.kind === 'word' ? first.word.start : first.at;
        return unsupported(this.source, at, 'a redirection without a command');
      }
      return this.syntaxError(first);
    }
    return ok({ words, redirections, hereString });
  }

  /** Reserved words and assignments at the start of a command are shell constructs we do not run. */
  private checkCommandWord(word: ShellWord): Result<never, ScenarioError> | undefined {
    if (!word.quoted && RESERVED.has(word.text)) return unsupported(this.source, word.start, `"${word.text}" (compound commands, loops and functions)`);
    const assignment = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(word.raw);
    if (assignment) return unsupported(this.source, word.start, `variable assignment "${assignment[0]}"`);
    return undefined;
  }
}
