import { appendFileSync, writeFileSync } from 'node:fs';
import type { Redirection } from '../core/scenario/index.ts';
import type { OutputChunk } from '../core/transcript.ts';

/** Where one file descriptor of a command goes after its redirections. */
type Sink = { readonly kind: 'terminal'; readonly stream: 'stdout' | 'stderr' } | { readonly kind: 'null' } | { readonly kind: 'file'; readonly path: string };

/**
 * A command's `>`, `>>`, `2>&1` and `>/dev/null` applied as a shell applies them, left to right (POSIX 2.7):
 * each chunk the command writes goes to the terminal (the transcript), to nothing, or to a file.
 */
export class Redirector {
  private readonly sinks: [Sink, Sink];
  private readonly files = new Set<string>();

  constructor(redirections: readonly Redirection[], resolve: (file: string) => string) {
    const fds: Sink[] = [
      { kind: 'terminal', stream: 'stdout' },
      { kind: 'terminal', stream: 'stderr' },
    ];
    for (const r of redirections) {
      if (r.op === '>&') {
        fds[r.fd - 1] = fds[r.target - 1]!;
        continue;
      }
      if (r.target === '/dev/null') {
        fds[r.fd - 1] = { kind: 'null' };
        continue;
      }
      const path = resolve(r.target);
      // `>` truncates when the shell opens the file, even if nothing is written.
      if (r.op === '>') writeFileSync(path, '');
      else appendFileSync(path, '');
      fds[r.fd - 1] = { kind: 'file', path };
      this.files.add(path);
    }
    this.sinks = [fds[0]!, fds[1]!];
  }

  /** Whether nothing is redirected (the common case: chunks pass through unchanged). */
  get identity(): boolean {
    return this.sinks[0].kind === 'terminal' && this.sinks[0].stream === 'stdout' && this.sinks[1].kind === 'terminal' && this.sinks[1].stream === 'stderr';
  }

  /** Routes one chunk; returns it (possibly moved to the other terminal stream) when it reaches the terminal. */
  route(chunk: OutputChunk): OutputChunk | undefined {
    const sink = this.sinks[chunk.stream === 'stdout' ? 0 : 1];
    switch (sink.kind) {
      case 'null':
        return undefined;
      case 'file':
        appendFileSync(sink.path, chunk.text);
        return undefined;
      case 'terminal':
        return sink.stream === chunk.stream ? chunk : { ...chunk, stream: sink.stream };
    }
  }
}
