import { describe, expect, it } from 'vitest';
import { Network } from '../../sim/network.ts';

/**
 * The LOG target's lines (net/netfilter/nf_log_syslog.c: nf_log_ip_packet(), dump_ipv4_packet()): the prefix,
 * IN= and OUT=, the MAC header of a received packet, the IP header fields and the protocol's. The rule counts the
 * packet and traversal goes on. No kernel oracle here: a namespace of this machine's kernel logs nothing
 * (nf_log_all_netns 0), so the format is checked against the source's format strings.
 */
describe('LOG', () => {
  const net = new Network();
  net.exec(
    [
      'ip link set lo up',
      'ip netns add b',
      'ip link add a0 address 02:00:00:00:1d:01 type veth peer name b0 address 02:00:00:00:1d:02 netns b',
      'ip addr add 192.0.2.1/24 dev a0',
      'ip link set a0 up',
      'ip netns exec b ip addr add 192.0.2.2/24 dev b0',
      'ip netns exec b ip link set b0 up',
      'iptables -A INPUT -p icmp -j LOG --log-prefix "in: "',
      'iptables -A OUTPUT -p icmp -j LOG --log-prefix "out: " --log-level 6',
      'iptables -A OUTPUT -p icmp -j ACCEPT',
      'ping -c 1 -e 77 192.0.2.2',
    ].join('\n'),
  );
  const lines = net.kernelLog.map((r) => r.text);

  it('logs the request going out and the reply coming in, with the kernel’s fields', () => {
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[ {4}\d\.\d{6}\] out: IN= OUT=a0 SRC=192\.0\.2\.1 DST=192\.0\.2\.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=\d+ DF PROTO=ICMP TYPE=8 CODE=0 ID=77 SEQ=1 $/);
    expect(lines[1]).toMatch(/^\[ {4}\d\.\d{6}\] in: IN=a0 OUT= MAC=02:00:00:00:1d:01:02:00:00:00:1d:02:08:00 SRC=192\.0\.2\.2 DST=192\.0\.2\.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=\d+ PROTO=ICMP TYPE=0 CODE=0 ID=77 SEQ=1 $/);
  });

  it('counts the packets and lets traversal go on', () => {
    const out = net.exec('iptables -L OUTPUT -v -n -x').stdout;
    expect(out).toContain('       1       84 LOG        1    --  *      *       0.0.0.0/0            0.0.0.0/0            LOG flags 0 level 6 prefix "out: "\n');
    expect(out).toContain('       1       84 ACCEPT     1    --  *      *       0.0.0.0/0            0.0.0.0/0           \n');
  });
});
