import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatMac, parseMac } from '../../core/mac.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';
import { ROOT } from './replay-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-replay-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `ip netns add n1
ip netns add n2
ip link add br0 type bridge
ip link add veth1 type veth peer name ceth1
ip link set ceth1 netns n1
ip link add veth2 type veth peer name ceth2 netns n2
ip link set veth1 master br0
ip link set veth2 master br0
ip link set br0 up
ip link set veth1 up
ip link set veth2 up
ip -n n1 addr add 10.33.0.1/24 dev ceth1
ip -n n2 addr add 10.33.0.2/24 dev ceth2
ip -n n1 link set ceth1 up
ip -n n2 link set ceth2 up
ip netns exec n2 sysctl -w net.ipv4.neigh.ceth2.base_reachable_time_ms=4000
ip netns exec n1 ping -c 1 10.33.0.2
ip link show br0
`;

const mac = (t: string): number => {
  const r = parseMac(t);
  if (!r.ok) throw new Error(t);
  return r.value;
};

describeKernel('replay options: --same-macs, --capture-all, reachable times, the CLI', () => {
  guardHostNamespace();

  it('veth MACs by final place (never the bridge\'s, which follows its lowest port); every interface captured', { timeout: 30_000 }, async () => {
    const parsed = parseScenario(SCENARIO, { file: 'options.sh' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const macs = new Map([
      ['veth1', mac('02:00:00:00:00:31')],
      ['n1:ceth1', mac('02:00:00:00:00:32')],
      ['veth2', mac('02:00:00:00:00:21')],
      ['n2:ceth2', mac('02:00:00:00:00:22')],
      ['br0', mac('02:00:00:00:00:99')],
    ]);
    const result = await replay(parsed.value, { macs, captureAll: true, pcapDir: dir });
    expect(result.exitStatus).toBe(0);
    // ceth1 was made in the global namespace and ends in n1: it got n1:ceth1's MAC, recorded under its first place.
    expect([...result.macs].map(([k, v]) => `${k} ${formatMac(v)}`).sort()).toEqual([
      'ceth1 02:00:00:00:00:32',
      'n2:ceth2 02:00:00:00:00:22',
      'veth1 02:00:00:00:00:31',
      'veth2 02:00:00:00:00:21',
    ]);
    // The bridge takes its lowest port's MAC (br_stp_recalculate_bridge_id()): veth2's.
    expect(entryOutput(result.transcript.at(-1)!)).toContain('link/ether 02:00:00:00:00:21 ');
    // --capture-all: the ping's frames on every interface on the path, as pcap files too.
    for (const point of ['n1:ceth1', 'veth1', 'br0', 'veth2', 'n2:ceth2']) {
      const frames = result.captures.get(point) ?? [];
      expect(frames.length, point).toBeGreaterThanOrEqual(4);
      expect(result.pcapFiles.get(point), point).toBe(join(dir, `kernel.${point.replace(':', '.')}.pcap`));
    }
    // Reachable times: drawn from each device's base (30 s), ceth2's from the 4 s it was given.
    const ceth2 = result.reachableTimes.get('n2:ceth2')!;
    expect(ceth2 >= 2e9 && ceth2 < 6e9, String(ceth2)).toBe(true);
    const ceth1 = result.reachableTimes.get('n1:ceth1')!;
    expect(ceth1 >= 15e9 && ceth1 < 45e9, String(ceth1)).toBe(true);
  });

  it('twinnet replay prints the transcript as twinnet run does; --json; a refusal exits 2', { timeout: 40_000 }, () => {
    const file = join(dir, 'cli.sh');
    writeFileSync(file, 'ip netns add c1\nip netns list\nip -n c1 link set lo up\nip netns exec c1 ping -c 1 127.0.0.1\n');
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'cli/twinnet.js'), 'replay', ...args], { encoding: 'utf8', cwd: dir });
    const text = cli(file, '--same-macs');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^\$ ip netns add c1\n\$ ip netns list\nc1\n\$ ip -n c1 link set lo up\n\$ ip netns exec c1 ping -c 1 127\.0\.0\.1\nPING 127\.0\.0\.1 /);
    const json = cli(file, '--json', '--seed', '7');
    expect(json.status).toBe(0);
    const parsed = JSON.parse(json.stdout) as { engine: string; seed: number; transcript: { command: string; stdout: string }[]; state: { final: unknown[] } };
    expect(parsed.engine).toBe('kernel');
    expect(parsed.seed).toBe(7);
    expect(parsed.transcript.map((e) => e.command)).toEqual(['ip netns add c1', 'ip netns list', 'ip -n c1 link set lo up', 'ip netns exec c1 ping -c 1 127.0.0.1']);
    expect(parsed.state.final.length).toBe(2);
    writeFileSync(file, 'ip netns exec elsewhere ip link\n');
    const refused = cli(file);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/"elsewhere" is not a namespace this scenario creates/);
  });
});
