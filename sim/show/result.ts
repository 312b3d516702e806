/** What a show command prints and how it exits, as a process would (stdout, stderr, exit status). */
export interface ShowResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

/** A successful run printing `stdout`. */
export function printed(stdout: string): ShowResult {
  return { stdout, stderr: '', status: 0 };
}

/** A failed run printing `stderr` (one line, newline added) and exiting with `status`. */
export function failed(message: string, status: number): ShowResult {
  return { stdout: '', stderr: message.endsWith('\n') ? message : `${message}\n`, status };
}
