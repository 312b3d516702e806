/**
 * Running the real tools (iproute2, iptables, sysctl …) from the kernel adapter: argv in, status and text out,
 * never through a shell, each with a timeout. Only this folder reads real time or touches the real kernel.
 */
import { spawn, spawnSync } from 'node:child_process';

/** What a finished tool run gave: exit status (null when killed by a signal), the signal, and its output. */
export interface ToolResult {
  readonly argv: readonly string[];
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a tool run. */
export interface ToolOptions {
  /** Standard input (default: none, /dev/null). */
  readonly input?: string;
  /** Killed with SIGKILL after this many milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A tool that failed: the command line, its status and what it printed on stderr. */
export class ToolError extends Error {
  constructor(readonly result: ToolResult) {
    const how = result.signal !== null ? `killed by ${result.signal}` : `exit status ${result.status}`;
    super(`${result.argv.join(' ')}: ${how}${result.stderr.trim() === '' ? '' : `: ${result.stderr.trim()}`}`);
    this.name = 'ToolError';
  }
}

function environment(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  // The C locale keeps every tool's messages in the English that the scenarios and notes quote.
  return { ...process.env, LC_ALL: 'C', LANG: 'C', ...extra };
}

/** Runs `argv` to completion, synchronously (usable from exit and signal handlers). */
export function runTool(argv: readonly string[], options: ToolOptions = {}): ToolResult {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runTool: empty argv');
  const r = spawnSync(file, args, {
    input: options.input ?? '',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    env: environment(options.env),
    maxBuffer: 64 << 20,
  });
  const stderr = r.error !== undefined && r.stderr === undefined ? String(r.error.message) : (r.stderr ?? '');
  return { argv, status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr };
}

/** Runs `argv` and returns its stdout; throws a ToolError unless it exits 0. */
export function mustRun(argv: readonly string[], options: ToolOptions = {}): string {
  const r = runTool(argv, options);
  if (r.status !== 0) throw new ToolError(r);
  return r.stdout;
}

/** Runs `argv` asynchronously to completion; never rejects for a non-zero status (see `status`). */
export function runToolAsync(argv: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('runToolAsync: empty argv'));
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: environment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ argv, status: null, signal: null, stdout, stderr: stderr + e.message });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ argv, status, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** `argv` run inside the named network namespace (`ip netns exec NS …`). */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Whether an executable named `tool` is on PATH (or at that path). */
export function hasTool(tool: string): boolean {
  return runTool(['sh', '-c', 'command -v "$1"', 'sh', tool]).status === 0;
}
