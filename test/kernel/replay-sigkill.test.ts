import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { listNetns, netnsPids } from '../../kernel-adapter/netns.ts';
import { tsxLoaderUrl } from '../../kernel-adapter/node-helper.ts';
import { processStartTime, recordPath } from '../../kernel-adapter/run-record.ts';
import { sweep } from '../../kernel-adapter/sweep.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const CHILD = fileURLToPath(new URL('./replay-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tw-replay-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Namespaces, a bridge, veths, addresses, a rule, a background capture and ping: something left at every step. */
const SCENARIO = `ip netns add a1
ip netns add a2
ip link add br0 type bridge
ip link set br0 up
ip link add v1 type veth peer name c1 netns a1
ip link add v2 type veth peer name c2 netns a2
ip link set v1 master br0
ip link set v2 master br0
ip link set v1 up
ip link set v2 up
ip -n a1 addr add 10.88.0.1/24 dev c1
ip -n a2 addr add 10.88.0.2/24 dev c2
ip -n a1 link set c1 up
ip -n a2 link set c2 up
ip netns exec a2 tcpdump -i c2 -w ${join(dir, 'kill.pcap')} &
ip netns exec a1 ping -i 0.2 10.88.0.2 &
ip netns exec a1 iptables -A INPUT -s 10.88.0.2 -j ACCEPT
sleep 0.3
ip netns exec a1 ping -c 2 -i 0.2 10.88.0.2
ip link
`;
const STEPS = SCENARIO.trim().split('\n').length;
const FILE = join(dir, 'kill.sh');
writeFileSync(FILE, SCENARIO);

/** Everything a run could leave: its namespaces and its record. */
function leftovers(runId: string): string[] {
  const left = listNetns().filter((n) => n.startsWith(`twn${runId}-`));
  if (existsSync(recordPath(runId))) left.push(recordPath(runId));
  return left;
}

/** What is mounted over the machine's /etc/resolv.conf (the replay binds its own only inside tools' mount namespaces). */
function resolvMounts(): string {
  return spawnSync('findmnt', ['-n', '/etc/resolv.conf'], { encoding: 'utf8' }).stdout;
}

/** Starts the child and resolves at `step N` (after sending it `signal`) with the run id and the processes in the run's namespaces then. */
function runUntil(step: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ runId: string; processes: { pid: number; start: string | null }[]; kill: () => Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), CHILD, FILE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_, sig) => resolve(sig)));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const id = /^start ([0-9a-f]{8})$/m.exec(out)?.[1];
      if (id === undefined || !new RegExp(`^step ${step}$`, 'm').test(out)) return;
      child.stdout.removeAllListeners('data');
      const processes = listNetns()
        .filter((n) => n.startsWith(`twn${id}-`))
        .flatMap((n) => netnsPids(n))
        .map((pid) => ({ pid, start: processStartTime(pid) }));
      child.kill(signal);
      resolve({ runId: id, processes, kill: () => closed });
    });
    void closed.then(() => reject(new Error(`replay-child ended before step ${step}:\n${out}`)));
  });
}

describeKernel('replay killed with SIGKILL at a random step: twinnet sweep leaves nothing; SIGINT/SIGTERM clean up', () => {
  guardHostNamespace();
  const mountsBefore = resolvMounts();

  // Two random steps per run of the suite (the step is in the test's name when it fails), and the last one.
  const steps = [1 + Math.floor(Math.random() * (STEPS - 1)), 1 + Math.floor(Math.random() * (STEPS - 1)), STEPS - 1];
  it.each(steps)('killed after step %i', { timeout: 30_000 }, async (step) => {
    const held = await runUntil(step);
    await held.kill();
    expect(leftovers(held.runId).length, 'the killed run left its namespaces (it had no chance to clean up)').toBeGreaterThan(0);
    const report = sweep();
    expect(report.swept.map((r) => r.runId)).toContain(held.runId);
    expect(leftovers(held.runId)).toEqual([]);
    const alive = held.processes.filter((p) => p.start !== null && processStartTime(p.pid) === p.start);
    expect(alive, 'processes of the run still alive after the sweep').toEqual([]);
    expect(resolvMounts()).toBe(mountsBefore);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s cleans up by itself: namespaces, record, programs, its temporary folder', { timeout: 30_000 }, async (signal) => {
    const held = await runUntil(STEPS - 1, signal);
    expect(await held.kill()).toBe(signal);
    expect(leftovers(held.runId)).toEqual([]);
    const alive = held.processes.filter((p) => p.start !== null && processStartTime(p.pid) === p.start);
    expect(alive).toEqual([]);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`twinnet-replay-${held.runId}-`))).toEqual([]);
  });
});
