import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/clock.ts';
import { MAC_BROADCAST, writeMac } from '../../core/mac.ts';
import { Bridge, BRIDGE_MAX_PORTS } from '../../l2/bridge.ts';
import type { NetDevice } from '../../l2/device.ts';
import { Network } from '../../sim/network.ts';

/** A bridge in a fresh namespace with `n` veth ports whose far ends record what they receive. */
function setup(n: number) {
  const net = new Network({ seed: 7 });
  const ns = net.global;
  const bridge = net.addBridge(ns, 'br0') as Bridge;
  bridge.open();
  const ports: NetDevice[] = [];
  const received = new Map<NetDevice, Uint8Array[]>();
  for (let i = 0; i < n; i++) {
    const pair = net.addVeth(ns, `p${i}`, `q${i}`);
    if (typeof pair === 'string') throw new Error(pair);
    const [port, far] = pair;
    bridge.addPort(port);
    port.open();
    far.open();
    ports.push(far);
    received.set(far, []);
    far.taps.add({ frame: (_d, f, dir) => dir === 'in' && received.get(far)!.push(f) });
  }
  // The bridge's own IGMPv3 reports (224.0.0.106, within about 1 s of coming up) are not what these tests watch.
  net.advanceBy(2 * SECOND);
  for (const list of received.values()) list.length = 0;
  return { net, bridge, ports, received };
}

function frame(destination: number, source: number): Uint8Array {
  const f = new Uint8Array(60);
  writeMac(f, 0, destination);
  writeMac(f, 6, source);
  f[12] = 0x88;
  f[13] = 0xb5;
  return f;
}

describe('Bridge', () => {
  it('never sends a frame back out of its ingress port, and always learns the source', () => {
    const mac = fc.integer({ min: 1, max: 6 }).map((x) => 0x020000000000 + x);
    const step = fc.record({ port: fc.integer({ min: 0, max: 3 }), source: mac, destination: fc.oneof(mac, fc.constant(MAC_BROADCAST)) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const { net, bridge, ports, received } = setup(4);
        for (const s of steps) {
          for (const list of received.values()) list.length = 0;
          const ingress = ports[s.port]!;
          ingress.transmit(frame(s.destination, s.source));
          net.advanceBy(SECOND);
          // The far end of the ingress port never gets its own frame back.
          expect(received.get(ingress)!.length).toBe(0);
          const entry = bridge.fdb.get(s.source);
          expect(entry?.port.name).toBe(`p${s.port}`);
          // A unicast to a learned address on another port reaches exactly that port.
          const known = bridge.fdb.get(s.destination);
          if (s.destination !== MAC_BROADCAST && known && !known.local && known.port.name !== `p${s.port}`) {
            const hits = [...received.entries()].filter(([, l]) => l.length > 0).map(([d]) => d.name);
            expect(hits.length).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('floods unknown unicast and broadcast to every other port', () => {
    const { net, ports, received } = setup(3);
    ports[0]!.transmit(frame(0x02aaaaaaaaaa, 0x020000000001));
    net.advanceBy(SECOND);
    expect(received.get(ports[1]!)!.length).toBe(1);
    expect(received.get(ports[2]!)!.length).toBe(1);
    expect(received.get(ports[0]!)!.length).toBe(0);
  });

  it('forgets a learned MAC after ageing_time (br_fdb_cleanup)', () => {
    const { net, bridge, ports } = setup(2);
    bridge.setAgeingTime(10 * SECOND);
    ports[0]!.transmit(frame(MAC_BROADCAST, 0x020000000001));
    net.advanceBy(9 * SECOND);
    expect(bridge.fdb.get(0x020000000001)).toBeDefined();
    net.advanceBy(1 * SECOND + 20_000); // learned when the frame arrived, one veth latency after it was sent
    expect(bridge.fdb.get(0x020000000001)).toBeUndefined();
  });

  it('takes the lowest port MAC, and 00:00:00:00:00:00 once the last port is gone', () => {
    const { bridge, net } = setup(3);
    const lowest = Math.min(...bridge.ports.map((p) => p.device.mac));
    expect(bridge.mac).toBe(lowest);
    for (const p of [...bridge.ports]) bridge.removePort(p.device);
    expect(bridge.mac).toBe(0);
    expect(bridge.carrier).toBe(false);
    expect(bridge.operState).toBe('DOWN');
    void net;
  });

  it('reports UNKNOWN until its first port, then follows the ports carrier', () => {
    const net = new Network();
    const bridge = net.addBridge(net.global, 'br0') as Bridge;
    bridge.open();
    expect(bridge.operState).toBe('UNKNOWN');
    const [p] = net.addVeth(net.global, 'p0', 'q0') as [NetDevice, NetDevice];
    bridge.addPort(p);
    expect(bridge.operState).toBe('DOWN');
  });

  it(`refuses a port beyond ${BRIDGE_MAX_PORTS} with "Exchange full"`, () => {
    const net = new Network();
    const bridge = net.addBridge(net.global, 'br0') as Bridge;
    for (let i = 0; i < BRIDGE_MAX_PORTS; i++) {
      const [p] = net.addVeth(net.global, `p${i}`, `q${i}`) as [NetDevice, NetDevice];
      expect(bridge.addPort(p)).toBeUndefined();
    }
    const [extra] = net.addVeth(net.global, 'px', 'qx') as [NetDevice, NetDevice];
    expect(bridge.addPort(extra)).toBe('Exchange full');
    expect(bridge.ports.map((p) => p.portNo).sort((a, b) => a - b).at(-1)).toBe(BRIDGE_MAX_PORTS);
  });
});
