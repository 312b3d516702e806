import type { Instant } from '../core/clock.ts';
import type { OutputChunk } from '../core/transcript.ts';

export type { OutputChunk };

/**
 * A program running in the simulator (ping, nc, httpd, tcpdump …): it writes to stdout and stderr and exits
 * with a status. Foreground programs are run until they exit; `&` ones keep running while the scenario goes on.
 */
export abstract class SimProcess {
  readonly output: OutputChunk[] = [];
  exitStatus: number | undefined;
  private readonly exitListeners: (() => void)[] = [];

  constructor(protected readonly clock: { readonly now: Instant }) {}

  /** Starts the program; it may exit at once (a usage error, no route). */
  abstract start(): void;

  /** SIGINT/SIGTERM: the program stops as the real one does on ^C (ping prints its statistics). */
  abstract interrupt(): void;

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** Writes to stdout. */
  protected print(text: string): void {
    this.output.push({ stream: 'stdout', text, at: this.clock.now });
  }

  /** Writes to stderr. */
  protected printError(text: string): void {
    this.output.push({ stream: 'stderr', text, at: this.clock.now });
  }

  /** Ends the program with `status`. */
  protected exit(status: number): void {
    if (this.exitStatus !== undefined) return;
    this.exitStatus = status;
    for (const listener of this.exitListeners.splice(0)) listener();
  }

  /** Calls `listener` when the program exits (at once if it has). */
  onExit(listener: () => void): void {
    if (this.exitStatus !== undefined) listener();
    else this.exitListeners.push(listener);
  }

  /** Everything written to stdout, joined. */
  get stdout(): string {
    return this.output.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
  }

  /** Everything written to stderr, joined. */
  get stderr(): string {
    return this.output.filter((c) => c.stream === 'stderr').map((c) => c.text).join('');
  }
}
