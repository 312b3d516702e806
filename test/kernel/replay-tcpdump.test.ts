import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseScenario, type Tcpdump } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { scenarioCommands } from '../../kernel-adapter/command.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { tcpdumpBanner } from '../../kernel-adapter/replay-tcpdump.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-replay-tcpdump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real tcpdump run by a shell script inside a throwaway namespace (lo up, a veth v9 left down): its stderr. */
function realTcpdump(script: string): { stderr: string; status: number | null } {
  const ns = `tw-replay-td-${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    spawnSync('ip', ['-n', ns, 'link', 'add', 'v9', 'type', 'veth', 'peer', 'name', 'c9']);
    const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, cwd: dir });
    return { stderr: r.stderr, status: r.status };
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

function tcpdumpCommand(text: string): Tcpdump {
  const r = parseScenario(text, { file: 't.sh' });
  if (!r.ok) throw new Error(r.error.message);
  return scenarioCommands(r.value)[0] as unknown as Tcpdump;
}

const SCENARIO = `ip netns add t1
ip link add v1 type veth peer name c1 netns t1
ip addr add 10.55.0.1/24 dev v1
ip link set v1 up
ip -n t1 addr add 10.55.0.2/24 dev c1
ip -n t1 link set c1 up
tcpdump -i nosuch
ip link add v9 type veth peer name c9
tcpdump -i v9
tcpdump -n -t -i v1 -c 3 icmp
ip netns exec t1 ping -c 2 -i 0.2 10.55.0.1
tcpdump -i v1 -w bg.pcap &
tcpdump -n -t -q -i v1 icmp &
ip netns exec t1 ping -c 1 10.55.0.1
ip link show v1
`;

describeKernel('replay: tcpdump lines as captures, printed as tcpdump prints them', () => {
  guardHostNamespace();

  it.each(['tcpdump -i lo', 'tcpdump -v -i lo', 'tcpdump -n -e -i lo', 'tcpdump -i lo -w x.pcap', 'tcpdump -vv -i lo -w x.pcap'])(
    'the banner of %s is real tcpdump\'s',
    { timeout: 20_000 },
    (line) => {
      const real = realTcpdump(`timeout -s INT 0.5 ${line}`);
      expect(real.stderr.startsWith(tcpdumpBanner(tcpdumpCommand(line))), real.stderr).toBe(true);
    },
  );

  it('errors, a capture for the next command with -c, background captures to a file and to the transcript', { timeout: 40_000 }, async () => {
    const parsed = parseScenario(SCENARIO, { file: 'tcpdump.sh' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const result = await replay(parsed.value, { pcapDir: dir });
    const entry = (command: string) => result.transcript.find((e) => e.command === command)!;

    // A missing device and a device that is down: tcpdump's words and status.
    for (const [command, real] of [
      ['tcpdump -i nosuch', 'tcpdump -i nosuch'],
      ['tcpdump -i v9', 'tcpdump -i v9'],
    ] as const) {
      const truth = realTcpdump(real);
      expect(entryOutput(entry(command))).toBe(truth.stderr);
      expect(entry(command).status).toBe(truth.status);
    }

    // -c 3 during the next command: its first three ICMP frames, after which tcpdump ends by itself (no ^C line).
    const pinged = entryOutput(entry('ip netns exec t1 ping -c 2 -i 0.2 10.55.0.1')).split('\n');
    expect(pinged.filter((l) => l.startsWith('IP '))).toEqual([
      expect.stringMatching(/^IP 10\.55\.0\.2 > 10\.55\.0\.1: ICMP echo request, id \d+, seq 1, length 64$/),
      expect.stringMatching(/^IP 10\.55\.0\.1 > 10\.55\.0\.2: ICMP echo reply, id \d+, seq 1, length 64$/),
      expect.stringMatching(/^IP 10\.55\.0\.2 > 10\.55\.0\.1: ICMP echo request, id \d+, seq 2, length 64$/),
    ]);
    expect(entryOutput(entry('ip netns exec t1 ping -c 2 -i 0.2 10.55.0.1'))).toContain('\n3 packets captured\n3 packets received by filter\n0 packets dropped by kernel\n');
    expect(entryOutput(entry('ip netns exec t1 ping -c 2 -i 0.2 10.55.0.1'))).not.toContain('\n\n3 packets captured');

    // The background printing capture's lines joined the entry during which their frames came; its counts the epilogue.
    const later = entryOutput(entry('ip netns exec t1 ping -c 1 10.55.0.1'));
    expect(later).toMatch(/^IP 10\.55\.0\.2 > 10\.55\.0\.1: ICMP echo request, id \d+, seq 1, length 64$/m);
    expect(later).toMatch(/^IP 10\.55\.0\.1 > 10\.55\.0\.2: ICMP echo reply, id \d+, seq 1, length 64$/m);
    const epilogue = result.epilogue.map((c) => c.text).join('');
    expect(epilogue).toContain('\n2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n');

    // -w: the file real tcpdump reads back, holding what the capture point kept.
    const read = spawnSync('tcpdump', ['-n', '-r', join(dir, 'bg.pcap')], { encoding: 'utf8' });
    expect(read.status).toBe(0);
    const frames = read.stdout.trim().split('\n');
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(read.stdout).toMatch(/ICMP echo request/);
    expect(result.captures.get('v1')!.length).toBe(3 + frames.length + 2);
  });
});
