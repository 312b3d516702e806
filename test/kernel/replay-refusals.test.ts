import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { replay, ReplayRefusedError } from '../../kernel-adapter/replay.ts';
import { RUN_DIR } from '../../kernel-adapter/run-record.ts';
import { guardHostNamespace, takeHostSnapshot } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

function scenario(text: string, file = 'bad.sh'): Scenario {
  const r = parseScenario(text, { file });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The run records this process holds (a refused replay must have claimed none). */
function ownRecords(): string[] {
  return readdirSync(RUN_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'kernel-features.json')
    .filter((f) => {
      try {
        return (JSON.parse(readFileSync(`${RUN_DIR}/${f}`, 'utf8')) as { pid: number }).pid === process.pid;
      } catch {
        return false;
      }
    });
}

/** The named namespaces on the machine that are twinnet sandboxes. */
function sandboxes(): Set<string> {
  return new Set(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => /^twn[0-9a-f]{8}-/.test(n)));
}

const REFUSED: [string, string, RegExp][] = [
  ['ip netns exec of a namespace the scenario did not create', 'ip netns add mine\nip netns exec theirs ip link\n', /bad\.sh:2:\d+: .*"theirs" is not a namespace this scenario creates/],
  ['a capture file outside the run\'s directories', 'tcpdump -i lo -w /etc/tw-replay-refused.pcap &\n', /the file "\/etc\/tw-replay-refused\.pcap" is outside/],
  ['a redirection outside', 'ip link > /etc/tw-replay-refused.txt\n', /redirection to "\/etc\/tw-replay-refused\.txt"/],
  ['a public address', 'ping -c 1 8.8.8.8\n', /refusing the public address 8\.8\.8\.8 \(bad\.sh:1:1: ping -c 1 8\.8\.8\.8\)/],
  ['engines: sim', '# engines: sim\nip link\n', /declares "# engines: sim"/],
];

describeKernel('replay refuses bad input before anything is created; names it does not own touch nothing', () => {
  guardHostNamespace();

  it.each(REFUSED)('%s', { timeout: 20_000 }, async (_, text, reason) => {
    const before = sandboxes();
    const error = await replay(scenario(text)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReplayRefusedError);
    expect((error as ReplayRefusedError).reasons.some((r) => reason.test(r)), (error as Error).message).toBe(true);
    expect(ownRecords()).toEqual([]);
    expect([...sandboxes()].filter((n) => !before.has(n))).toEqual([]);
    expect(existsSync('/etc/tw-replay-refused.pcap') || existsSync('/etc/tw-replay-refused.txt')).toBe(false);
  });

  it('a link type this kernel lacks is refused by the preflight probe, which leaves nothing either', { timeout: 20_000 }, async () => {
    const probe = execFileSync('sh', ['-c', 'ip netns add tw-replay-probe && (ip -n tw-replay-probe link add d0 type dummy 2>&1; true); ip netns del tw-replay-probe'], { encoding: 'utf8' });
    if (!probe.includes('Unknown device type')) return; // This kernel has dummy: nothing to refuse.
    await expect(replay(scenario('ip link add d0 type dummy\n'))).rejects.toThrow(/this kernel lacks the "dummy" link type \(bad\.sh:1:1: ip link add d0 type dummy\)/);
    expect(ownRecords()).toEqual([]);
  });

  it('the machine\'s own device and table names reach only the sandbox\'s (where they do not exist or are its own)', { timeout: 20_000 }, async () => {
    const host = takeHostSnapshot();
    const device = (host.links as { ifname: string }[]).map((l) => l.ifname).find((n) => n !== 'lo') ?? 'eth0';
    const result = await replay(
      scenario(`ip link set ${device} down
ip link del ${device}
ip addr add 10.99.0.1/24 dev ${device}
ip route add default via 10.99.0.254
sysctl -w net.ipv4.ip_forward=1
iptables -P INPUT DROP
ip link set lo down
`),
    );
    const out = result.transcript.map((e) => entryOutput(e));
    expect(out.slice(0, 3)).toEqual([`Cannot find device "${device}"\n`, `Cannot find device "${device}"\n`, `Cannot find device "${device}"\n`]);
    expect(out[3]).toBe('Error: Nexthop has invalid gateway.\n');
    expect(out[4]).toBe('net.ipv4.ip_forward = 1\n');
    expect(result.transcript.map((e) => e.status)).toEqual([1, 1, 1, 2, 0, 0, 0]);
    // The machine's namespace is as it was (also checked for the whole file by guardHostNamespace).
    expect(takeHostSnapshot()).toEqual(host);
  });
});
