/** The argument vector of one command, as the tool parsers walk it, and their error helpers. */
import { err, type Result } from '../result.ts';
import { scenarioError, type ScenarioError } from './error.ts';
import type { SourcePosition } from './source.ts';

/** One argument as written (quotes removed) and where it starts in the file. */
export interface Word {
  readonly text: string;
  readonly position: SourcePosition;
}

/** A cursor over a command's words; `end` is where an argument missing at the end would have stood. */
export class Args {
  index = 0;

  /** Walks `words` from the start. */
  constructor(
    readonly words: readonly Word[],
    readonly end: SourcePosition,
  ) {}

  /** Whether every word has been taken. */
  get done(): boolean {
    return this.index >= this.words.length;
  }

  /** The next word, not taken. */
  peek(): Word | undefined {
    return this.words[this.index];
  }

  /** Takes the next word. */
  next(): Word | undefined {
    return this.words[this.index++];
  }

  /** The words not yet taken. */
  rest(): readonly Word[] {
    return this.words.slice(this.index);
  }
}

/** A `command` error: the tool's own words, at a word's position. */
export function toolError(position: SourcePosition, message: string): Result<never, ScenarioError> {
  return err(scenarioError('command', position, message));
}

/** An `unsupported` error: a real command or option that twinnet does not model. */
export function unsupportedError(position: SourcePosition, message: string): Result<never, ScenarioError> {
  return err(scenarioError('unsupported', position, message));
}

/**
 * Parses an unsigned integer as C's strtoul(text, &end, 0) does when the whole string must be consumed:
 * `0x` hex, a leading `0` octal, else decimal. As iproute2's get_unsigned() and get_u32() read numbers.
 */
export function parseCUnsigned(text: string, max: number): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) n = text.length === 1 ? 0 : parseInt(text.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(text)) n = Number(text);
  else return undefined;
  return n <= max ? n : undefined;
}

/** A lookup table without Object.prototype behind it, so that `table['valueOf']` is undefined. */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}
