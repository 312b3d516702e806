/**
 * Named network namespaces as iproute2 keeps them (ip/ipnetns.c: a bind mount under /run/netns): listing,
 * creating, the processes inside, and deleting. Synchronous, so cleanup can run from exit and signal handlers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mustRun, runTool } from './exec.ts';

/** iproute2's directory of named namespaces (NETNS_RUN_DIR). */
export const NETNS_DIR = '/run/netns';

/** The names of every named namespace on the machine (`ip netns list`, read from its directory). */
export function listNetns(): string[] {
  try {
    return readdirSync(NETNS_DIR).sort();
  } catch {
    return [];
  }
}

/** Whether a named namespace exists. */
export function netnsExists(name: string): boolean {
  return existsSync(`${NETNS_DIR}/${name}`);
}

/** Creates a named namespace (`ip netns add NAME`); throws if the tool fails, e.g. when the name exists. */
export function addNetns(name: string): void {
  mustRun(['ip', 'netns', 'add', name]);
}

/** The PIDs of the processes whose network namespace is `name` (`ip netns pids NAME`). */
export function netnsPids(name: string): number[] {
  const r = runTool(['ip', 'netns', 'pids', name]);
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map((l) => Number(l.trim()))
    .filter((pid) => pid !== process.pid);
}

/**
 * Kills every process in the namespace with SIGKILL and waits (up to `waitMs`) until none is left; returns the
 * PIDs it killed.
 */
export function killNetnsProcesses(name: string, waitMs = 2_000): number[] {
  const killed: number[] = [];
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pids = netnsPids(name);
    if (pids.length === 0) return killed;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        if (!killed.includes(pid)) killed.push(pid);
      } catch {
        // Already gone.
      }
    }
    if (Date.now() > deadline) return killed;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/**
 * Deletes a named namespace after killing what runs in it; true when it is gone afterwards. Its devices vanish
 * with it (veth peers in other namespaces too); nothing of the host's is touched.
 */
export function deleteNetns(name: string): boolean {
  if (!netnsExists(name)) return true;
  killNetnsProcesses(name);
  runTool(['ip', 'netns', 'del', name]);
  return !netnsExists(name);
}

/**
 * The nsids in `ip netns list-id` output (`nsid 0 (iproute2 netns name: twn…-global)`, or `nsid 1 ` for an
 * unnamed one): nsid → name.
 */
export function parseNetnsListId(text: string): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const line of text.split('\n')) {
    const m = /^nsid (\d+)(?: \(iproute2 netns name: (.*)\))?/.exec(line.trim());
    if (m !== null) out.set(Number(m[1]), m[2]);
  }
  return out;
}

/** The nsids namespace `name` has assigned to other namespaces (`ip -n NAME netns list-id`): nsid → name. */
export function netnsIds(name: string): Map<number, string | undefined> {
  return parseNetnsListId(mustRun(['ip', '-n', name, 'netns', 'list-id']));
}
