/**
 * The record of one kernel-adapter run: a small JSON file `/run/twinnet/RUN.json` naming the process that owns
 * the run (PID and its start time, so a reused PID is not mistaken for the owner) and every namespace the run
 * creates, written before the namespace exists. The sweep uses it to tell a live run from a dead one.
 *
 * Run ids are 8 lowercase hex digits; a run's namespaces are `twn<id>-<name>`. An id is claimed by creating its
 * record with O_EXCL, so two concurrent runs can never hold the same one. /run is a tmpfs, as is /run/netns, so
 * records and namespaces vanish together at boot.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where run records live. */
export const RUN_DIR = '/run/twinnet';

/** The prefix of every namespace twinnet's kernel adapter creates. */
export const NETNS_PREFIX = 'twn';

/** A sandbox namespace name: `twn`, the 8-hex-digit run id, `-`, the scenario's name for it. */
export const SANDBOX_NETNS = /^twn([0-9a-f]{8})-(.+)$/;

/** The suffix of the sandbox namespace that stands for the scenario's global (unnamed) namespace. */
export const GLOBAL_SUFFIX = 'global';

/** A run id: 8 lowercase hex digits. */
export const RUN_ID = /^[0-9a-f]{8}$/;

/** What a run record holds. */
export interface RunRecord {
  readonly runId: string;
  /** The owning process. */
  readonly pid: number;
  /** Its start time in clock ticks after boot (/proc/PID/stat field 22), or null if it could not be read. */
  readonly startTime: string | null;
  /** Sandbox namespace names, each listed before it is created. */
  readonly namespaces: readonly string[];
}

/** The record file of a run. */
export function recordPath(runId: string): string {
  return join(RUN_DIR, `${runId}.json`);
}

/** The fields of /proc/PID/stat from field 3 (state) on, or undefined when the process does not exist. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * A running process's start time (proc(5): /proc/PID/stat field 22, starttime), or null when it does not exist
 * or has already exited (a zombie, state Z or X, waiting to be reaped).
 */
export function processStartTime(pid: number): string | null {
  const fields = statFields(pid);
  if (fields === undefined || fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

/** Whether the process that wrote `record` still runs (same PID and same start time). */
export function ownerAlive(record: RunRecord): boolean {
  const now = processStartTime(record.pid);
  return now !== null && (record.startTime === null || now === record.startTime);
}

/** Reads a run's record; undefined when it is missing or unreadable (a torn or foreign file). */
export function readRecord(runId: string): RunRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(recordPath(runId), 'utf8')) as RunRecord;
    if (value.runId !== runId || !Number.isInteger(value.pid) || !Array.isArray(value.namespaces)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/** The ids of every run record present. */
export function listRecords(): string[] {
  try {
    return readdirSync(RUN_DIR)
      .filter((f) => f.endsWith('.json') && RUN_ID.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}

/**
 * Claims a fresh run id for this process: a random id not used by any record or by any namespace in `taken`
 * (the names `ip netns list` shows), its record created with O_EXCL.
 */
export function claimRunId(taken: readonly string[]): RunRecord {
  mkdirSync(RUN_DIR, { recursive: true, mode: 0o755 });
  for (let attempt = 0; attempt < 100; attempt++) {
    const runId = randomBytes(4).toString('hex');
    if (taken.some((ns) => ns.startsWith(`${NETNS_PREFIX}${runId}-`))) continue;
    const record: RunRecord = { runId, pid: process.pid, startTime: processStartTime(process.pid), namespaces: [] };
    try {
      writeFileSync(recordPath(runId), `${JSON.stringify(record)}\n`, { flag: 'wx' });
      return record;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
  }
  throw new Error('twinnet: could not find a free run id after 100 tries');
}

/** Replaces a run's record atomically (write then rename). */
export function writeRecord(record: RunRecord): void {
  const tmp = `${recordPath(record.runId)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, recordPath(record.runId));
}

/** Deletes a run's record (nothing if it is gone). */
export function removeRecord(runId: string): void {
  rmSync(recordPath(runId), { force: true });
}
