/**
 * The sweep (DESIGN.md §4 "Safety"): finds the sandbox namespaces of runs whose owner is dead (killed with
 * SIGKILL, or a machine's crash of the process), kills what still runs inside them (`ip netns pids`), deletes
 * them, and deletes stale run records. It touches only namespaces named `twn<8 hex>-…` and files in /run/twinnet:
 * nothing that twinnet did not create.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deleteNetns, killNetnsProcesses, listNetns, netnsExists, netnsPids } from './netns.ts';
import { listRecords, ownerAlive, processStartTime, readRecord, recordPath, removeRecord, RUN_DIR, SANDBOX_NETNS } from './run-record.ts';

/** A record younger than this may still be being written by a starting run, and is left alone when unreadable. */
const UNREADABLE_GRACE_MS = 10_000;

/** What one dead run left and what the sweep did about it. */
export interface SweptRun {
  readonly runId: string;
  /** The namespaces found, each deleted unless listed in `failed`. */
  readonly namespaces: readonly string[];
  /** PIDs killed inside them. */
  readonly killed: readonly number[];
  readonly failed: readonly string[];
  /** Whether a run record was found (and removed). */
  readonly hadRecord: boolean;
}

/** The outcome of a sweep. */
export interface SweepReport {
  readonly swept: readonly SweptRun[];
  /** Runs left alone because their owner is alive. */
  readonly live: readonly string[];
  /** Temporary record files of dead writers that were removed. */
  readonly removedTemporaries: readonly string[];
}

/** Options of a sweep. */
export interface SweepOptions {
  /** Report what would be swept without changing anything. */
  readonly dryRun?: boolean;
}

function recordIsYoung(runId: string): boolean {
  try {
    return Date.now() - statSync(recordPath(runId)).mtimeMs < UNREADABLE_GRACE_MS;
  } catch {
    return false;
  }
}

/** Removes the `RUN.json.PID.tmp` files whose writer is dead (left by a kill between write and rename). */
function sweepTemporaries(dryRun: boolean): string[] {
  const removed: string[] = [];
  let files: string[];
  try {
    files = readdirSync(RUN_DIR);
  } catch {
    return removed;
  }
  for (const f of files) {
    const m = /^[0-9a-f]{8}\.json\.(\d+)\.tmp$/.exec(f);
    if (m === null || processStartTime(Number(m[1])) !== null) continue;
    if (!dryRun) rmSync(join(RUN_DIR, f), { force: true });
    removed.push(f);
  }
  return removed;
}

/** Sweeps every dead run's namespaces and records; live runs (this process's included) are left alone. */
export function sweep(options: SweepOptions = {}): SweepReport {
  const dryRun = options.dryRun === true;
  const byRun = new Map<string, Set<string>>();
  for (const ns of listNetns()) {
    const m = SANDBOX_NETNS.exec(ns);
    if (m !== null) byRun.set(m[1]!, (byRun.get(m[1]!) ?? new Set()).add(ns));
  }
  for (const id of listRecords()) if (!byRun.has(id)) byRun.set(id, new Set());

  const swept: SweptRun[] = [];
  const live: string[] = [];
  for (const [runId, found] of [...byRun].sort(([a], [b]) => a.localeCompare(b))) {
    const record = readRecord(runId);
    if (record !== undefined && ownerAlive(record)) {
      live.push(runId);
      continue;
    }
    const hasFile = listRecords().includes(runId);
    if (record === undefined && hasFile && recordIsYoung(runId)) {
      live.push(runId);
      continue;
    }
    for (const ns of record?.namespaces ?? []) if (SANDBOX_NETNS.exec(ns)?.[1] === runId && netnsExists(ns)) found.add(ns);
    const namespaces = [...found].sort();
    const killed: number[] = [];
    const failed: string[] = [];
    for (const ns of namespaces) {
      if (dryRun) {
        killed.push(...netnsPids(ns));
        continue;
      }
      killed.push(...killNetnsProcesses(ns));
      if (!deleteNetns(ns)) failed.push(ns);
    }
    if (!dryRun && failed.length === 0) removeRecord(runId);
    swept.push({ runId, namespaces, killed, failed, hadRecord: hasFile });
  }
  return { swept, live, removedTemporaries: sweepTemporaries(dryRun) };
}
