import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND } from '../../core/clock.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import { TcpSocket } from '../../l3/tcp-socket.ts';
import { transportOf } from '../../l3/transport.ts';
import { Network } from '../../sim/network.ts';
import { capture, runLines } from './transport-topology.ts';

/**
 * fixtures/nud/tcp-confirms (Linux 6.18): a sends a line every 0.5 s for 25 s over one TCP connection to b. Every
 * ACK that acknowledges new data confirms a's neighbour entry for b (tcp_ack() → sk_dst_confirm(), applied at the
 * next transmit), so it stays REACHABLE and a never ARPs again; b only acknowledges, nothing confirms its entry for a,
 * and it goes REACHABLE → STALE → DELAY → PROBE (a unicast request) → REACHABLE over and over.
 * base_reachable_time 4 s, delay_first_probe_time 2 s in both, reachable_time as the kernel drew it there.
 */
const RECORDING = new URL('../../fixtures/nud/tcp-confirms.pcap', import.meta.url).pathname;

function arpRequestsBySender(frames: Iterable<Uint8Array>): Map<string, number> {
  const count = new Map<string, number>();
  for (const f of frames) {
    if (f[12] !== 0x08 || f[13] !== 0x06 || f[21] !== 1) continue;
    const sender = [...f.subarray(28, 32)].join('.');
    count.set(sender, (count.get(sender) ?? 0) + 1);
  }
  return count;
}

describe('TCP confirms the neighbour of the sender only (fixtures/nud/tcp-confirms)', () => {
  it('keeps a\'s entry REACHABLE while b\'s cycles through its probes, with the kernel\'s ARP frames', () => {
    const net = new Network({ seed: 1, reachableTimes: new Map([['a:eth0', 3668 * MILLISECOND], ['b:eth0', 2176 * MILLISECOND]]) });
    runLines(net, [
      'ip netns add a',
      'ip netns add b',
      'ip -n a link add eth0 address 02:00:00:00:00:01 type veth peer name eth0 address 02:00:00:00:00:02 netns b',
      'ip netns exec a sysctl -qw net.ipv4.neigh.eth0.base_reachable_time_ms=4000 net.ipv4.neigh.eth0.delay_first_probe_time=2',
      'ip netns exec b sysctl -qw net.ipv4.neigh.eth0.base_reachable_time_ms=4000 net.ipv4.neigh.eth0.delay_first_probe_time=2',
      'ip -n a addr add 10.0.0.1/24 dev eth0',
      'ip -n b addr add 10.0.0.2/24 dev eth0',
      'ip -n a link set eth0 up',
      'ip -n b link set eth0 up',
    ]);
    const a = net.namespace('a')!;
    const b = net.namespace('b')!;
    const frames = capture(a.device('eth0')!);
    const t0 = net.now;
    const listener = transportOf(b).tcp.listen(0x0a000002, 5000, 1);
    if (typeof listener === 'string') throw new Error(listener);
    listener.onAcceptable = () => {
      const s = listener.accept()!;
      s.onReadable = () => {
        s.read();
        if (s.eof) s.close();
      };
    };
    net.scheduler.at(t0 + 1000 * MILLISECOND, () => {
      const client = new TcpSocket(transportOf(a).tcp);
      let i = 0;
      const line = () => {
        i++;
        client.write(new TextEncoder().encode(`${i}\n`));
        if (i < 50) net.scheduler.after(500 * MILLISECOND, line);
        else client.shutdown();
      };
      client.onConnect = line;
      client.onReadable = () => {
        client.read();
        if (client.eof) client.close();
      };
      client.connect(0x0a000002, 5000);
    });
    const aStates: string[] = [];
    const bStates = new Set<string>();
    for (let tick = 12; tick <= 260; tick++) {
      net.scheduler.runUntil(t0 + tick * 100 * MILLISECOND);
      aStates.push(a.arp.lookup(a.device('eth0')!, 0x0a000002)?.state ?? 'NONE');
      bStates.add(b.arp.lookup(b.device('eth0')!, 0x0a000001)?.state ?? 'NONE');
    }
    net.scheduler.runUntil(t0 + 30 * SECOND);
    expect(new Set(aStates)).toEqual(new Set(['REACHABLE']));
    expect(bStates).toContain('STALE');
    expect(bStates).toContain('DELAY');
    // ARP requests on a's eth0: a asks once; b re-probes with unicast requests as its entry cycles.
    const real = new Map<string, number>();
    for (const r of readCapture(RECORDING)) if (r.ok) for (const [k, v] of arpRequestsBySender([r.value.data])) real.set(k, (real.get(k) ?? 0) + v);
    const sim = arpRequestsBySender(frames.map((f) => f.data));
    expect(sim.get('10.0.0.1')).toBe(real.get('10.0.0.1'));
    expect(sim.get('10.0.0.1')).toBe(1);
    expect(Math.abs((sim.get('10.0.0.2') ?? 0) - real.get('10.0.0.2')!)).toBeLessThanOrEqual(1);
  });
});
