/**
 * Captures on sandbox interfaces (DESIGN.md §4 "Capture"): started before the traffic, stopped after it has
 * drained, each written as a standard pcap file. Two backends read the same way: `cap` (libpcap through the
 * `cap` module, in capture-helper.ts) and the real `tcpdump -w`. Each capture is a process inside the sandbox
 * namespace, so the sandbox's cleanup kills it if the run ends first.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { helperArgv } from '../node-helper.ts';
import type { Sandbox } from '../sandbox.ts';
import { parseCaptureMessage, STOP_LINE, type CaptureMessage } from './protocol.ts';

/** Which program captures. */
export type CaptureBackend = 'cap' | 'tcpdump';

/** Options of a capture. */
export interface CaptureOptions {
  /** A pcap-filter(7) expression (default: every frame). */
  readonly filter?: string;
  /** Default 'cap'. */
  readonly backend?: CaptureBackend;
  /**
   * The monotonic time (`process.hrtime.bigint()`) that is time 0 in the file (`cap` backend; default: now).
   * Give every capture of a run the same origin so that their frames can be ordered across files.
   */
  readonly origin?: bigint;
  /** How long to wait for the capture to be open (default 10 s). */
  readonly readyTimeoutMs?: number;
  /** How long `stop()` waits for the file to be complete before killing the capture (default 5 s). */
  readonly stopTimeoutMs?: number;
}

/** A finished capture. */
export interface CaptureResult {
  readonly file: string;
  /** Frames written, as the capture program counted them. */
  readonly frames: number;
  /** What the capture program printed on stderr (libpcap warnings, tcpdump's banner and counts). */
  readonly stderr: string;
}

/** A running capture. */
export interface CaptureHandle {
  readonly backend: CaptureBackend;
  readonly namespace: string | undefined;
  readonly device: string;
  readonly file: string;
  /** Whether the capture process still runs (a `cap` capture ends when its device goes down or away). */
  readonly running: boolean;
  /** Drains, closes the file and resolves when it is complete; rejects if the capture failed or timed out. */
  stop(): Promise<CaptureResult>;
}

const HELPER = fileURLToPath(new URL('./capture-helper.ts', import.meta.url));

/** tcpdump waits this long after `stop()` for frames still queued before it is told to finish. */
const TCPDUMP_DRAIN_MS = 100;

/** An error from a capture, with what its process printed. */
export class CaptureError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(stderr.trim() === '' ? message : `${message}\n${stderr.trim()}`);
    this.name = 'CaptureError';
  }
}

function waitExit(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
}

function timeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Spawns `argv`, collecting stderr. */
function launch(argv: readonly string[]): { child: ChildProcessWithoutNullStreams; stderr: () => string } {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => {});
  return { child, stderr: () => stderr };
}

/** The `cap` backend: the helper program, talking JSON lines. */
async function startCap(sandbox: Sandbox, ns: string | undefined, device: string, file: string, options: CaptureOptions): Promise<CaptureHandle> {
  const origin = options.origin ?? process.hrtime.bigint();
  const args = [device, file, origin.toString(), ...(options.filter !== undefined ? [options.filter] : [])];
  const { child, stderr } = launch(helperArgv(sandbox.nsName(ns), HELPER, args));
  const messages: CaptureMessage[] = [];
  const waiters: (() => void)[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const m = parseCaptureMessage(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (m !== undefined) messages.push(m);
    }
    for (const w of waiters.splice(0)) w();
  });
  child.on('close', () => {
    for (const w of waiters.splice(0)) w();
  });
  const next = (type: CaptureMessage['type']): Promise<CaptureMessage> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = messages.find((x) => x.type === type || x.type === 'error');
        if (m !== undefined) resolve(m);
        else if (child.exitCode !== null || child.signalCode !== null) reject(new CaptureError(`capture on ${device} ended early`, stderr()));
        else waiters.push(check);
      };
      check();
    });
  const kill = (): void => {
    child.kill('SIGKILL');
  };

  const ready = await timeout(next('ready'), options.readyTimeoutMs ?? 10_000, () => {
    kill();
    return new CaptureError(`capture on ${device} was not ready in time`, stderr());
  }).catch((e: unknown) => {
    kill();
    throw e;
  });
  if (ready.type === 'error') {
    await waitExit(child);
    throw new CaptureError(ready.message, stderr());
  }

  let result: Promise<CaptureResult> | undefined;
  return {
    backend: 'cap',
    namespace: ns,
    device,
    file,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop() {
      result ??= (async () => {
        child.stdin.end(`${STOP_LINE}\n`);
        const done = await timeout(next('stopped'), options.stopTimeoutMs ?? 5_000, () => {
          kill();
          return new CaptureError(`capture on ${device} did not stop in time`, stderr());
        });
        await waitExit(child);
        if (done.type === 'error') throw new CaptureError(done.message, stderr());
        return { file, frames: done.type === 'stopped' ? done.frames : 0, stderr: stderr() };
      })();
      return result;
    },
  };
}

/**
 * The `tcpdump` backend: `tcpdump -i DEV -w FILE -U --immediate-mode -Z root --time-stamp-precision nano`;
 * ready at its "listening on" line (printed after the filter is set), stopped with SIGINT, its count read from
 * "N packets captured".
 */
async function startTcpdump(sandbox: Sandbox, ns: string | undefined, device: string, file: string, options: CaptureOptions): Promise<CaptureHandle> {
  const argv = ['tcpdump', '-i', device, '-w', file, '-U', '-n', '--immediate-mode', '-Z', 'root', '--time-stamp-precision', 'nano'];
  if (options.filter !== undefined) argv.push(options.filter);
  const { child, stderr } = launch(['ip', 'netns', 'exec', sandbox.nsName(ns), ...argv]);
  const listening = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (/listening on /.test(stderr())) resolve();
    };
    child.stderr.on('data', check);
    child.on('close', () => reject(new CaptureError(`tcpdump on ${device} ended early`, stderr())));
  });
  await timeout(listening, options.readyTimeoutMs ?? 10_000, () => new CaptureError(`tcpdump on ${device} was not ready in time`, stderr())).catch(
    (e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    },
  );
  let result: Promise<CaptureResult> | undefined;
  return {
    backend: 'tcpdump',
    namespace: ns,
    device,
    file,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop() {
      result ??= (async () => {
        await new Promise((r) => setTimeout(r, TCPDUMP_DRAIN_MS));
        child.kill('SIGINT');
        await timeout(waitExit(child), options.stopTimeoutMs ?? 5_000, () => {
          child.kill('SIGKILL');
          return new CaptureError(`tcpdump on ${device} did not stop in time`, stderr());
        });
        const m = /(\d+) packets? captured/.exec(stderr());
        if (m === null) throw new CaptureError(`tcpdump on ${device} did not report its count`, stderr());
        return { file, frames: Number(m[1]), stderr: stderr() };
      })();
      return result;
    },
  };
}

/**
 * Starts capturing on `device` in a scenario namespace's sandbox into the pcap file `file`; resolves once the
 * capture is really open, so traffic started afterwards is seen.
 */
export function startCapture(sandbox: Sandbox, ns: string | undefined, device: string, file: string, options: CaptureOptions = {}): Promise<CaptureHandle> {
  return (options.backend ?? 'cap') === 'cap' ? startCap(sandbox, ns, device, file, options) : startTcpdump(sandbox, ns, device, file, options);
}
