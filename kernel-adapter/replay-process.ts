/**
 * A real program of a replay, run inside a sandbox namespace (`ip netns exec twn<run>-NS …`, which execs it, so
 * the child's pid is the program's own and a signal reaches it): its output kept as a terminal would show it,
 * line by line, each line stamped with the time it arrived (DESIGN.md §1 transcript entries) and rewritten back
 * to the scenario's names; a time limit after which it is interrupted as by ^C, then killed.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { OutputChunk } from '../core/transcript.ts';

/** Options of a replay program. */
export interface ProgramOptions {
  /** Standard input, then end of file (default: end of file at once, as `</dev/null`). */
  readonly input?: string;
  /** Nanoseconds since the run's origin (the transcript's clock). */
  readonly now: () => number;
  /** Rewrites a complete line (or several) back to scenario names. */
  readonly rewrite: (text: string) => string;
  /** Interrupted (SIGINT) after this many milliseconds, killed 2 s later; default: never. */
  readonly timeoutMs?: number;
  /** Called with each complete stdout line (without its newline), after it is added to `output`. */
  readonly onStdoutLine?: (line: string) => void;
}

/** How a program ended: its exit status as a shell reports it (128 + signal number when a signal ended it). */
export interface ProgramExit {
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  /** Whether the replay interrupted it because its time ran out. */
  readonly timedOut: boolean;
}

/** A running (or finished) program. */
export interface Program {
  readonly argv: readonly string[];
  /** When it started (ns since the run's origin). */
  readonly startedAt: number;
  /** What it printed so far, complete lines only until it ends. */
  readonly output: OutputChunk[];
  readonly running: boolean;
  readonly exited: Promise<ProgramExit>;
  /** Adds what it printed without a newline yet (nc printing a datagram as it is), stamped when it came. */
  flush(): void;
  /** SIGINT, as ^C. */
  interrupt(): void;
  /** SIGKILL. */
  kill(): void;
}

/** Milliseconds between the interrupt at a time limit and the kill. */
const KILL_GRACE_MS = 2_000;

/** The status a shell gives a program that a signal ended (bash: 128 + n). */
function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Starts `argv` (already wrapped in `ip netns exec`); never rejects: a program that cannot start exits 127. */
export function startProgram(argv: readonly string[], options: ProgramOptions): Program {
  const output: OutputChunk[] = [];
  const startedAt = options.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  /** When the pending text's first byte came. */
  const pendingAt: Record<'stdout' | 'stderr', number> = { stdout: 0, stderr: 0 };
  const emit = (stream: 'stdout' | 'stderr', text: string, at = options.now()): void => {
    if (text === '') return;
    const rewritten = options.rewrite(text);
    output.push({ stream, text: rewritten, at });
    if (stream === 'stdout' && options.onStdoutLine) for (const line of rewritten.replace(/\n$/, '').split('\n')) options.onStdoutLine(line);
  };
  const take = (stream: 'stdout' | 'stderr', data: string): void => {
    const now = options.now();
    const text = pending[stream] + data;
    const nl = text.lastIndexOf('\n');
    emit(stream, text.slice(0, nl + 1), pending[stream] === '' ? now : pendingAt[stream]);
    pending[stream] = text.slice(nl + 1);
    pendingAt[stream] = now;
  };
  const flush = (): void => {
    for (const stream of ['stdout', 'stderr'] as const) {
      emit(stream, pending[stream], pendingAt[stream]);
      pending[stream] = '';
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => take('stdout', d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => take('stderr', d));
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');

  let running = true;
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        child.kill('SIGINT');
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS));
      }, options.timeoutMs),
    );
  }
  const exited = new Promise<ProgramExit>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      running = false;
      for (const t of timers) clearTimeout(t);
      flush();
      if (spawnError !== undefined && code === null && signal === null) {
        emit('stderr', `${argv[0]}: ${spawnError.message}\n`);
        resolve({ status: 127, signal: null, timedOut });
        return;
      }
      resolve({ status: signal !== null ? signalStatus(signal) : (code ?? 1), signal, timedOut });
    });
  });
  return {
    argv,
    startedAt,
    output,
    get running() {
      return running;
    },
    exited,
    flush,
    interrupt: () => {
      if (running) child.kill('SIGINT');
    },
    kill: () => {
      if (running) child.kill('SIGKILL');
    },
  };
}
