/** Where a token stands in the scenario file: 1-based line and column (UTF-16 code units), as an editor shows it. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A scenario file's text with its line starts, so that any offset can be named as file:line:column. */
export class SourceFile {
  private readonly lineStarts: number[] = [0];

  /** Indexes the line starts of `text`. */
  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** The line and column of a character offset into the file. */
  positionAt(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.name, line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }
}

/**
 * A piece of text to read as shell, with the file offset of each of its characters: a substring of the file,
 * or the body of an `sh -c '…'` word whose characters come from scattered places in the file.
 */
export interface ShellSource {
  readonly file: SourceFile;
  readonly text: string;
  /** The file offset of `text[i]`; `origin(text.length)` is the offset just past the end. */
  readonly origin: (index: number) => number;
}

/** A ShellSource over `file.text.slice(start, end)`. */
export function sliceSource(file: SourceFile, start: number, end: number): ShellSource {
  return { file, text: file.text.slice(start, end), origin: (i) => start + i };
}
