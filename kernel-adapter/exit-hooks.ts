/**
 * Cleanup that must run however the process ends: normal exit, `process.exit()`, an uncaught exception or
 * unhandled rejection (Node emits 'exit' for those), SIGINT, SIGTERM and SIGHUP. Only SIGKILL escapes, and the
 * sweep covers that. Handlers are installed once per process; each cleanup runs at most once and synchronously.
 */
import { isMainThread } from 'node:worker_threads';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const pending = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...pending]) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch (e) {
      process.stderr.write(`twinnet: cleanup failed: ${(e as Error).message}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  // Our listener replaced Node's default action (exit); when it is the only one, end the process by the same
  // signal, so the parent sees what happened. Other listeners (a test runner's) decide for themselves.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  process.on('uncaughtExceptionMonitor', runAll);
  // Worker threads receive no signals.
  if (isMainThread) for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers a synchronous cleanup to run once when the process ends; returns a function that unregisters it. */
export function onProcessEnd(cleanup: () => void): () => void {
  install();
  pending.add(cleanup);
  return () => {
    pending.delete(cleanup);
  };
}
