import { expect, it } from 'vitest';
import { parseDivergences } from '../../core/doctest/divergences.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const FENCE = '```';
/** A small tutorial: setup, a ping shown with two replies and ^C, the tcpdump of that ping, two shows. */
function tutorial(routeLine: string): string {
  return `# A namespace and a veth

${FENCE}
# ip netns add d1
# ip link add veth1 type veth peer name ceth1 netns d1
# ip addr add 10.44.0.1/24 dev veth1
# ip link set veth1 up
# ip netns exec d1 ip addr add 10.44.0.2/24 dev ceth1
# ip netns exec d1 ip link set ceth1 up
# ip netns list
d1 (id: 0)
${FENCE}

Ping the host side (stop it with ^C):

${FENCE}
# ip netns exec d1 ping 10.44.0.1
PING 10.44.0.1 (10.44.0.1) 56(84) bytes of data.
64 bytes from 10.44.0.1: icmp_seq=1 ttl=64 time=0.050 ms
64 bytes from 10.44.0.1: icmp_seq=2 ttl=64 time=0.041 ms
^C
${FENCE}

What crossed veth1 meanwhile:

${FENCE}
# tcpdump -n -i veth1
tcpdump: verbose output suppressed, use -v[v]... for full protocol decode
listening on veth1, link-type EN10MB (Ethernet), snapshot length 262144 bytes
12:00:01.000000 ARP, Request who-has 10.44.0.1 tell 10.44.0.2, length 28
12:00:01.000100 ARP, Reply 10.44.0.1 is-at 5a:0e:2c:7b:11:90, length 28
12:00:01.000200 IP 10.44.0.2 > 10.44.0.1: ICMP echo request, id 4242, seq 1, length 64
...
12:00:02.000200 IP 10.44.0.1 > 10.44.0.2: ICMP echo reply, id 4242, seq 2, length 64
${FENCE}

${FENCE}
# ip link show veth1
4: veth1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 5a:0e:2c:7b:11:90 brd ff:ff:ff:ff:ff:ff link-netns d1
# ip netns exec d1 ip route
${routeLine}
${FENCE}

or

${FENCE}
# ip netns exec d1 ip route show table all
${FENCE}
`;
}

const DIVERGENCES = parseDivergences(`# Divergences
1. **The tutorial's route.** Its author typed the source address by hand.
   Pattern: /src 10\\.44\\.0\\.99/
`);

describeKernel('replay: documents as doctests on the kernel, with the simulator\'s checking and divergences', () => {
  guardHostNamespace();

  it('shown output matches the kernel\'s; a listed divergence passes; the alternative is skipped', { timeout: 30_000 }, async () => {
    const parsed = parseScenario(tutorial('10.44.0.0/24 dev ceth1 proto kernel scope link src 10.44.0.99'), { file: 'tutorial.md' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const result = await replay(parsed.value, { divergences: DIVERGENCES });
    const byCommand = new Map(result.transcript.map((e) => [e.command, e]));
    const check = (command: string) => byCommand.get(command)?.check;
    expect(check('ip netns list')).toEqual({ kind: 'matched' });
    // The long-running ping stopped after the two replies the document shows (as by ^C: statistics follow).
    const ping = entryOutput(byCommand.get('ip netns exec d1 ping 10.44.0.1')!);
    expect(ping.match(/^64 bytes from /gm)).toHaveLength(2);
    expect(ping).toMatch(/^2 packets transmitted, 2 received, 0% packet loss/m);
    expect(check('ip netns exec d1 ping 10.44.0.1')).toEqual({ kind: 'matched' });
    // The document's tcpdump shows what the ping before it put on veth1, with the same ICMP id throughout.
    expect(check('tcpdump -n -i veth1')).toEqual({ kind: 'matched' });
    expect(result.captures.get('veth1')!.length).toBeGreaterThanOrEqual(6);
    expect(check('ip link show veth1')).toEqual({ kind: 'matched' });
    expect(check('ip netns exec d1 ip route')).toEqual({ kind: 'divergence', reason: "The tutorial's route" });
    expect(check('ip netns exec d1 ip route show table all')).toEqual({ kind: 'skipped', reason: 'skipped (alternative)' });
    expect(result.summary).toEqual({ matched: 4, unchecked: 6, divergences: 1, mismatches: 0, skipped: 1 });
    expect(result.exitStatus).toBe(0);
  });

  it('an unlisted difference is a mismatch naming the shown line and the closest real one; the run fails', { timeout: 30_000 }, async () => {
    const parsed = parseScenario(tutorial('10.44.0.0/24 dev ceth1 proto kernel scope link src 10.44.0.98'), { file: 'tutorial.md' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const result = await replay(parsed.value, { divergences: DIVERGENCES });
    const route = result.transcript.find((e) => e.command === 'ip netns exec d1 ip route')!;
    expect(route.check).toEqual({
      kind: 'mismatch',
      shown: { text: '10.44.0.0/24 dev ceth1 proto kernel scope link src 10.44.0.98', line: expect.any(Number) },
      closest: '10.44.0.0/24 dev ceth1 proto kernel scope link src 10.44.0.2 ',
    });
    expect(result.summary.mismatches).toBe(1);
    expect(result.exitStatus).toBe(1);
  });
});
