import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND } from '../../core/clock.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import { transportOf } from '../../l3/transport.ts';
import { UdpSocket } from '../../l3/udp.ts';
import { Runner } from '../../sim/runner.ts';
import { twoHosts } from '../l3/transport-topology.ts';

/** a sends `count` datagrams 1 ms apart to b after `tc …` on a's eth0; returns b's arrivals and the drops. */
function datagrams(tc: string, count: number, seed = 1, warmUp = false) {
  const { net, a, b, aEth } = twoHosts(seed, [`ip netns exec a ${tc}`]);
  const arrivals: { n: number; at: number }[] = [];
  const server = new UdpSocket(transportOf(b).udp);
  server.bind(0, 9000);
  server.onMessage = (m) => arrivals.push({ n: new DataView(m.data.buffer, m.data.byteOffset).getUint32(0), at: net.now });
  const client = new UdpSocket(transportOf(a).udp);
  client.connect(0x0a000002, 9000);
  const sentAt: number[] = [];
  const seen: number[] = [];
  aEth.taps.add({ frame: (_d, f, dir) => dir === 'out' && f[23] === 17 && seen.push(new DataView(f.buffer, f.byteOffset).getUint32(42)) });
  // With `warmUp`, one datagram (not counted) resolves b's MAC first, so that no datagram waits for ARP.
  if (warmUp) {
    client.send(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    net.scheduler.runUntilIdle(net.now + SECOND);
    arrivals.length = 0;
    seen.length = 0;
  }
  for (let i = 0; i < count; i++) {
    net.scheduler.after(i * MILLISECOND, () => {
      const d = new Uint8Array(4);
      new DataView(d.buffer).setUint32(0, i);
      sentAt.push(net.now);
      client.send(d);
    });
  }
  net.scheduler.runUntilIdle(net.now + 10 * SECOND);
  return { arrivals, sentAt, seen, drops: net.drops.filter((d) => d.reason === 'netem loss'), device: aEth };
}

describe('netem (tc qdisc add dev DEV root netem …)', () => {
  it('drops about the given share, each drop recorded as "netem loss" and never seen by a capture', () => {
    const r = datagrams('tc qdisc add dev eth0 root netem loss 10%', 2000);
    expect(r.drops.length + r.arrivals.length).toBe(2000);
    expect(r.drops.length).toBeGreaterThan(140);
    expect(r.drops.length).toBeLessThan(260);
    expect(r.seen).toEqual(r.arrivals.map((x) => x.n));
    expect(r.drops.every((d) => d.namespace === 'a' && d.device === 'eth0')).toBe(true);
  });

  it('is a pure function of the seed, and a different seed drops different packets', () => {
    const one = datagrams('tc qdisc add dev eth0 root netem loss 20%', 300, 7).arrivals.map((x) => x.n);
    expect(datagrams('tc qdisc add dev eth0 root netem loss 20%', 300, 7).arrivals.map((x) => x.n)).toEqual(one);
    expect(datagrams('tc qdisc add dev eth0 root netem loss 20%', 300, 8).arrivals.map((x) => x.n)).not.toEqual(one);
  });

  it('delays every frame by the delay, keeping their order', () => {
    const r = datagrams('tc qdisc add dev eth0 root netem delay 50ms', 20, 1, true);
    expect(r.arrivals.map((x) => x.n)).toEqual([...Array(20).keys()]);
    // The delay, then the veth hop (15 µs).
    r.arrivals.forEach((x, i) => expect(x.at - r.sentAt[i]!).toBe(50 * MILLISECOND + 15_000));
  });

  it('duplicates frames (a copy is never duplicated again)', () => {
    const r = datagrams('tc qdisc add dev eth0 root netem duplicate 100%', 50);
    expect(r.arrivals.map((x) => x.n)).toEqual([...Array(50).keys()].flatMap((n) => [n, n]));
  });

  it('reorders: with a delay, a share of frames leaves at once, ahead of the delayed ones', () => {
    const r = datagrams('tc qdisc add dev eth0 root netem delay 10ms reorder 30%', 400);
    const order = r.arrivals.map((x) => x.n);
    expect([...order].sort((x, y) => x - y)).toEqual([...Array(400).keys()]);
    const early = r.arrivals.filter((x) => x.at - r.sentAt[x.n]! < 10 * MILLISECOND).length;
    expect(early).toBeGreaterThan(80);
    expect(early).toBeLessThan(160);
    expect(order).not.toEqual([...Array(400).keys()]);
  });
});

describe('tc on the simulator', () => {
  function run(lines: string[]) {
    const parsed = parseScenario(lines.join('\n'), { file: 'tc.sh' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    return new Runner({}).run(parsed.value).transcript.map((e) => ({ command: e.command, status: e.status, output: e.output.map((c) => c.text).join('') }));
  }

  it('shows `qdisc netem` in ip link until the qdisc is deleted; refuses a second one and a delete of none (measured texts)', () => {
    const t = run([
      'ip link add v0 type veth peer name v1',
      'ip link set v0 up',
      'tc qdisc add dev v0 root netem loss 1% delay 5ms',
      'ip link show v0',
      'ip -j link show v0',
      'tc qdisc add dev v0 root netem loss 2%',
      'tc qdisc del dev v0 root',
      'ip link show v0',
      'tc qdisc del dev v0 root',
      'tc qdisc add dev nosuch root netem loss 1%',
    ]);
    expect(t[2]).toMatchObject({ status: 0, output: '' });
    expect(t[3]!.output).toMatch(/^\d+: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc netem state LOWERLAYERDOWN /);
    expect(JSON.parse(t[4]!.output)[0].qdisc).toBe('netem');
    expect(t[5]).toMatchObject({ status: 2, output: 'Error: Exclusivity flag on, cannot modify.\n' });
    expect(t[6]).toMatchObject({ status: 0, output: '' });
    expect(t[7]!.output).toMatch(/ qdisc noqueue /);
    expect(t[8]).toMatchObject({ status: 2, output: 'Error: Cannot delete qdisc with handle of zero.\n' });
    expect(t[9]).toMatchObject({ status: 1, output: 'Cannot find device "nosuch"\n' });
  });
});
