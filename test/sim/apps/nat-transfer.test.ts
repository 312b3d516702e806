import { describe, expect, it } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import { Random } from '../../../core/random.ts';
import { parseScenarioFile } from '../../../core/scenario/index.ts';
import { TcpSocket } from '../../../l3/tcp-socket.ts';
import { transportOf } from '../../../l3/transport.ts';
import { Network } from '../../../sim/network.ts';
import { Runner } from '../../../sim/runner.ts';
import { runLines, sendAll } from '../../l3/transport-topology.ts';

/**
 * Issue 4, "What it must show": a TCP transfer of 1 MB across NAT with 1 % loss injected on one veth arrives intact.
 * The tutorial's machine (fixtures/seed/host.sh), netns2 on br0, MASQUERADE and forwarding as in part (e), netem
 * loss (and 1 ms delay) on ceth2, netns2's end of its veth, which drops data segments; netns2 sends 1 MiB to
 * 8.8.8.8 in the `internet` namespace, through the host's source NAT.
 */
describe('1 MB through MASQUERADE with 1 % loss', () => {
  it('arrives intact, in order, from the masqueraded address', () => {
    const net = new Network({ seed: 4 });
    const host = parseScenarioFile(new URL('../../../fixtures/seed/host.sh', import.meta.url).pathname);
    if (!host.ok) throw new Error('host.sh');
    new Runner({ network: net }).run(host.value);
    runLines(net, [
      'ip netns add netns2',
      'ip link add veth2 type veth peer name ceth2 netns netns2',
      'ip netns exec netns2 ip addr add 172.20.0.12/16 dev ceth2',
      'ip netns exec netns2 ip link set dev ceth2 up',
      'ip netns exec netns2 ip link set lo up',
      'ip link add br0 type bridge',
      'ip link set br0 up',
      'ip link set veth2 master br0',
      'ip link set dev veth2 up',
      'ip addr add 172.20.0.10/16 brd + dev br0',
      'ip netns exec netns2 ip route add default via 172.20.0.10',
      'iptables -t nat -A POSTROUTING -s 172.20.0.0/16 -j MASQUERADE',
      'sysctl -w net.ipv4.ip_forward=1',
      'ip netns exec netns2 tc qdisc add dev ceth2 root netem loss 1% delay 1ms',
    ]);
    const internet = net.namespace('internet')!;
    const netns2 = net.namespace('netns2')!;
    const data = new Random(9).fill(new Uint8Array(1 << 20));
    const listener = transportOf(internet).tcp.listen(0, 5000, 1);
    if (typeof listener === 'string') throw new Error(listener);
    const got: Uint8Array[] = [];
    let peer = 0;
    let done = false;
    listener.onAcceptable = () => {
      const s = listener.accept()!;
      peer = s.remoteAddress;
      s.onReadable = () => {
        const d = s.read();
        if (d.length) got.push(d);
        if (s.eof && !done) {
          done = true;
          s.close();
        }
      };
    };
    const client = new TcpSocket(transportOf(netns2).tcp);
    sendAll(client, data);
    client.onReadable = () => void client.read();
    client.connect(0x08080808, 5000);
    const deadline = net.now + 600 * SECOND;
    while (!done && (net.scheduler.nextAt() ?? Infinity) <= deadline) net.scheduler.runUntil(net.scheduler.nextAt()!);
    expect(done).toBe(true);
    expect(Buffer.compare(Buffer.concat(got), Buffer.from(data))).toBe(0);
    // The server saw the host's address on enp0s3: the connection went through MASQUERADE.
    expect(peer).toBe(0x0a00020f);
    expect(net.drops.filter((d) => d.reason === 'netem loss').length).toBeGreaterThan(0);
  });
});
