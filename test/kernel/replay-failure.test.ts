import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { deleteNetns, listNetns, netnsPids } from '../../kernel-adapter/netns.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { processStartTime, recordPath } from '../../kernel-adapter/run-record.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

function scenario(text: string): Scenario {
  const r = parseScenario(text, { file: 'failing.sh' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Background programs, then a failure. */
const SETUP = `ip netns add f1
ip link add v1 type veth peer name c1 netns f1
ip addr add 10.66.0.1/24 dev v1
ip link set v1 up
ip -n f1 addr add 10.66.0.2/24 dev c1
ip -n f1 link set c1 up
tcpdump -i v1 -w /dev/null &
ip netns exec f1 ping -i 0.2 10.66.0.1 &
`;

/** The run's namespaces and the processes in them, each with its start time. */
function snapshotRun(runId: string): { namespaces: string[]; processes: { pid: number; start: string | null }[] } {
  const namespaces = listNetns().filter((n) => n.startsWith(`twn${runId}-`));
  return { namespaces, processes: namespaces.flatMap((n) => netnsPids(n)).map((pid) => ({ pid, start: processStartTime(pid) })) };
}

/** What a finished run left: namespaces, its record, processes still running. */
function leftBehind(runId: string, processes: readonly { pid: number; start: string | null }[]): string[] {
  return [
    ...listNetns().filter((n) => n.startsWith(`twn${runId}-`)),
    ...(existsSync(recordPath(runId)) ? [recordPath(runId)] : []),
    ...processes.filter((p) => p.start !== null && processStartTime(p.pid) === p.start).map((p) => `pid ${p.pid}`),
  ];
}

describeKernel('replay failures clean up: a failing scenario, an exception, a sandbox deleted from outside', () => {
  guardHostNamespace();

  it('set -e stops at the failing command; background programs are stopped; everything is deleted', { timeout: 30_000 }, async () => {
    let runId = '';
    let seen: ReturnType<typeof snapshotRun> = { namespaces: [], processes: [] };
    const result = await replay(scenario(`set -e\n${SETUP}ip link set nosuch up\nip link\n`), {
      onStart: (id) => (runId = id),
      onEntry: (e) => {
        if (e.command.startsWith('ip netns exec f1 ping')) seen = snapshotRun(runId);
      },
    });
    expect(result.exitStatus).toBe(1);
    // (The background ping's replies may show in the same entry, as on a terminal.)
    expect(result.transcript.at(-1)!.command).toBe('ip link set nosuch up');
    expect(entryOutput(result.transcript.at(-1)!)).toMatch(/^Cannot find device "nosuch"$/m);
    expect(result.transcript.some((e) => e.command === 'ip link')).toBe(false);
    // The background ping was interrupted as by ^C: it printed its statistics.
    expect(result.epilogue.map((c) => c.text).join('')).toMatch(/--- 10\.66\.0\.1 ping statistics ---/);
    expect(seen.processes.length, 'a capture helper and a ping ran in the sandbox').toBeGreaterThanOrEqual(2);
    expect(leftBehind(runId, seen.processes)).toEqual([]);
  });

  it('an exception during the run kills what runs, deletes everything and propagates', { timeout: 30_000 }, async () => {
    let runId = '';
    let seen: ReturnType<typeof snapshotRun> = { namespaces: [], processes: [] };
    const failing = replay(scenario(`${SETUP}sleep 5\nip link\n`), {
      onStart: (id) => (runId = id),
      onEntry: (e) => {
        if (!e.command.startsWith('ip netns exec f1 ping')) return;
        seen = snapshotRun(runId);
        throw new Error('boom in onEntry');
      },
    });
    await expect(failing).rejects.toThrow('boom in onEntry');
    expect(seen.namespaces.length).toBe(2);
    expect(leftBehind(runId, seen.processes)).toEqual([]);
  });

  it('a sandbox namespace deleted by something else stops the run with that reason', { timeout: 30_000 }, async () => {
    let runId = '';
    const failing = replay(scenario(`${SETUP}ip -n f1 link\n`), {
      onStart: (id) => (runId = id),
      onEntry: (e) => {
        if (e.command.startsWith('ip netns exec f1 ping')) deleteNetns(`twn${runId}-f1`);
      },
    });
    await expect(failing).rejects.toThrow(`the sandbox namespace twn${runId}-f1 disappeared during the run`);
    expect(leftBehind(runId, [])).toEqual([]);
  });
});
