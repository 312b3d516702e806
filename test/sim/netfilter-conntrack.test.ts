import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/clock.ts';
import { parseIpv4 } from '../../core/ipv4.ts';
import { buildDatagram, ipRouteAndSend } from '../../l3/ipv4.ts';
import { Network } from '../../sim/network.ts';

/**
 * Connection tracking on the virtual clock: entries die when their protocol's timeout has passed since their last
 * packet (ICMP 30 s, UDP 30 s, generic 600 s: nf_conntrack_proto_*.c), `conntrack -L` counts the seconds left
 * down (rounded down, as ctnetlink dumps them), and a protocol without its own tracker is listed as conntrack-tools
 * lists it — measured on this kernel for a bridge's IGMP report in an earlier recording of
 * fixtures/seed/e-masquerade.sh: `unknown  2 595 src=172.20.0.10 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22
 * dst=172.20.0.10 mark=0 use=1`.
 */
function machine(): Network {
  const net = new Network();
  net.exec(
    [
      'ip link set lo up',
      'ip netns add b',
      'ip link add a0 type veth peer name b0 netns b',
      'ip addr add 192.0.2.1/24 dev a0',
      'ip link set a0 up',
      'ip netns exec b ip addr add 192.0.2.2/24 dev b0',
      'ip netns exec b ip link set b0 up',
      'iptables -A OUTPUT -m conntrack --ctstate INVALID -j DROP',
    ].join('\n'),
  );
  return net;
}

const list = (net: Network): string => net.exec('conntrack -L').stdout;

describe('conntrack timeouts and listing', () => {
  it('an ICMP entry counts down from 29 and is gone 30 s after the reply', () => {
    const net = machine();
    net.exec('ping -c 1 -e 9 192.0.2.2');
    expect(list(net)).toMatch(/^icmp {5}1 29 src=192\.0\.2\.1 dst=192\.0\.2\.2 type=8 code=0 id=9 src=192\.0\.2\.2 dst=192\.0\.2\.1 type=0 code=0 id=9 mark=0 use=1\n$/);
    net.advanceBy(20 * SECOND);
    expect(list(net)).toMatch(/^icmp {5}1 9 /);
    net.advanceBy(10 * SECOND);
    expect(list(net)).toBe('');
    expect(net.exec('conntrack -L').stderr).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n');
  });

  it('a protocol without a tracker is "unknown", 600 s, unreplied (an ICMP error about it is only RELATED)', () => {
    const net = machine();
    const address = (t: string): number => (parseIpv4(t) as { value: number }).value;
    const frame = buildDatagram({ source: address('192.0.2.1'), destination: address('192.0.2.2'), protocol: 47, ttl: 64, tos: 0, identification: 1, dontFragment: true }, 4, () => {});
    ipRouteAndSend(net.global, frame, address('192.0.2.2'));
    net.advanceBy(5 * SECOND);
    expect(list(net)).toBe('unknown  47 595 src=192.0.2.1 dst=192.0.2.2 [UNREPLIED] src=192.0.2.2 dst=192.0.2.1 mark=0 use=1\n');
    net.advanceBy(595 * SECOND);
    expect(list(net)).toBe('');
  });

  it('-p filters by protocol and the count follows', () => {
    const net = machine();
    net.exec('ping -c 1 -e 9 192.0.2.2');
    const r = net.exec('conntrack -L -p udp');
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n');
    expect(net.exec('conntrack -L -p icmp').stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
  });
});
