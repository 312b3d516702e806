/**
 * A command's output redirections as a shell applies them (POSIX Shell Command Language 2.7): left to right,
 * `N> FILE` / `N>> FILE` open the file for descriptor N and `N>&M` makes N a copy of what M is at that point; the
 * terminal keeps what still goes to descriptors 1 and 2. Files are written as the output arrives. Paths were
 * checked before the run (replay-refusals.ts: writablePath).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Redirection } from '../core/scenario/index.ts';
import type { OutputChunk } from '../core/transcript.ts';

type Sink = { readonly terminal: 'stdout' | 'stderr' } | { readonly fd: number | undefined };

/** Where one command's stdout and stderr go. */
export class Redirector {
  private readonly sinks: Record<1 | 2, Sink> = { 1: { terminal: 'stdout' }, 2: { terminal: 'stderr' } };
  private readonly opened: number[] = [];

  /** Opens the files (a `>` truncates at once, as the shell does before the command runs). */
  constructor(redirections: readonly Redirection[], resolvePath: (file: string) => string) {
    for (const r of redirections) {
      if (r.op === '>&') {
        this.sinks[r.fd] = this.sinks[r.target];
        continue;
      }
      let fd: number | undefined;
      if (r.target !== '/dev/null') {
        const path = r.target === '/dev/stdout' || r.target === '/dev/stderr' ? undefined : resolvePath(r.target);
        if (path === undefined) {
          this.sinks[r.fd] = { terminal: r.target === '/dev/stdout' ? 'stdout' : 'stderr' };
          continue;
        }
        fd = openSync(path, r.op === '>>' ? 'a' : 'w');
        this.opened.push(fd);
      }
      this.sinks[r.fd] = { fd };
    }
  }

  /** Whether nothing is redirected. */
  static none(redirections: readonly Redirection[]): boolean {
    return redirections.length === 0;
  }

  /** Sends a chunk where its descriptor points; returns what the terminal shows (possibly on the other stream). */
  route(chunk: OutputChunk): OutputChunk | undefined {
    const sink = this.sinks[chunk.stream === 'stdout' ? 1 : 2];
    if ('terminal' in sink) return sink.terminal === chunk.stream ? chunk : { ...chunk, stream: sink.terminal };
    if (sink.fd !== undefined) writeSync(sink.fd, chunk.text);
    return undefined;
  }

  /** Closes the files. */
  close(): void {
    for (const fd of this.opened.splice(0)) closeSync(fd);
  }
}
