import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MILLISECOND, SECOND } from '../../core/clock.ts';
import { parseIpv4 } from '../../core/ipv4.ts';
import { checkUdpChecksum } from '../../core/wire/udp.ts';
import { transportOf } from '../../l3/transport.ts';
import { UdpSocket, type UdpMessage } from '../../l3/udp.ts';
import { capture, twoHosts } from './transport-topology.ts';
import { r16, readPcap } from './transport-frames.ts';

const PCAP = new URL('../../fixtures/pcap/', import.meta.url);
const ip = (text: string): number => {
  const p = parseIpv4(text);
  if (!p.ok) throw new Error(text);
  return p.value;
};
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const ipFrames = (frames: readonly { data: Uint8Array }[]) => frames.filter((f) => r16(f.data, 12) === 0x0800).map((f) => f.data);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** A frame with its IP ID and header checksum zeroed (the ID is hashed or random on the kernel's side). */
const withoutId = (f: Uint8Array) => {
  const out = f.slice();
  out.fill(0, 18, 20);
  out.fill(0, 24, 26);
  return out;
};

describe('UDP against the kernel (fixtures/pcap)', () => {
  it('sends a connected datagram as the kernel does: DF, partial checksum, a socket IP ID (port-unreachable.pcap)', () => {
    const real = ipFrames(readPcap(new URL('port-unreachable.pcap', PCAP)));
    const { net, a, aEth } = twoHosts();
    const seen = capture(aEth);
    const socket = new UdpSocket(transportOf(a).udp);
    expect(socket.bind(0, 40000)).toBeUndefined();
    expect(socket.connect(ip('10.0.0.2'), 4000)).toBeUndefined();
    expect(socket.send(text('hello\n'))).toBeUndefined();
    net.scheduler.runUntilIdle(net.now + SECOND);
    const sent = ipFrames(seen.filter((f) => f.direction === 'out'));
    expect(hex(withoutId(sent[0]!))).toBe(hex(withoutId(real[0]!)));
    expect(r16(sent[0]!, 18)).not.toBe(0);
  });

  it('answers a closed port with the ICMP port unreachable the kernel sends, quoting the datagram whole', () => {
    const real = ipFrames(readPcap(new URL('port-unreachable.pcap', PCAP)));
    const { net, aEth, bEth } = twoHosts();
    const seen = capture(aEth);
    bEth.deliver(readPcap(new URL('port-unreachable.pcap', PCAP)).find((f) => r16(f.data, 12) === 0x0800)!.data);
    net.scheduler.runUntilIdle(net.now + SECOND);
    const icmp = ipFrames(seen.filter((f) => f.direction === 'in'));
    expect(icmp).toHaveLength(1);
    // Everything but the hashed IP ID (and so the header checksum): TOS 0xc0, no DF, the quote, the ICMP checksum.
    expect(hex(withoutId(icmp[0]!))).toBe(hex(withoutId(real[1]!)));
  });

  it('turns the port unreachable into ECONNREFUSED on a connected socket: the next send fails, once', () => {
    const { net, a } = twoHosts();
    const socket = new UdpSocket(transportOf(a).udp);
    const errors: string[] = [];
    socket.onError = (e) => errors.push(e);
    socket.connect(ip('10.0.0.2'), 4000);
    expect(socket.send(text('one'))).toBeUndefined();
    net.scheduler.runUntilIdle(net.now + SECOND);
    expect(errors).toEqual(['Connection refused']);
    expect(socket.send(text('two'))).toBe('Connection refused');
    expect(socket.send(text('three'))).toBeUndefined();
  });

  it('ignores the ICMP error on an unconnected socket (no IP_RECVERR)', () => {
    const { net, a } = twoHosts();
    const socket = new UdpSocket(transportOf(a).udp);
    socket.onError = () => expect.fail('no error expected');
    expect(socket.send(text('one'), { address: ip('10.0.0.2'), port: 4000 })).toBeUndefined();
    net.scheduler.runUntilIdle(net.now + SECOND);
    expect(socket.error).toBeUndefined();
    expect(net.drops.some((d) => d.namespace === 'b' && d.reason === 'no socket')).toBe(true);
  });

  it('sends the offloaded datagram of offload.pcap byte for byte but for the IP ID', () => {
    const real = ipFrames(readPcap(new URL('offload.pcap', PCAP)));
    const { net, a, aEth } = twoHosts();
    const seen = capture(aEth);
    const socket = new UdpSocket(transportOf(a).udp);
    socket.bind(0, 40003);
    socket.connect(ip('10.0.0.2'), 5002);
    socket.send(text('udp\n'));
    net.scheduler.runUntilIdle(net.now + 100 * MILLISECOND);
    expect(hex(withoutId(ipFrames(seen)[0]!))).toBe(hex(withoutId(real[0]!)));
  });
});

describe('UDP receive path', () => {
  /** b listens on 5000; returns what it received. */
  function listener() {
    const t = twoHosts();
    const got: UdpMessage[] = [];
    const server = new UdpSocket(transportOf(t.b).udp);
    server.bind(0, 5000);
    server.onMessage = (m) => got.push(m);
    return { ...t, got, server };
  }

  it('accepts the partial checksum of a local sender, and a full one', () => {
    const { net, a, got } = listener();
    const client = new UdpSocket(transportOf(a).udp);
    client.send(text('partial'), { address: ip('10.0.0.2'), port: 5000 });
    net.scheduler.runUntilIdle(net.now + SECOND);
    expect(got.map((m) => new TextDecoder().decode(m.data))).toEqual(['partial']);
    expect(got[0]!.source).toBe(ip('10.0.0.1'));
  });

  it('drops a datagram whose checksum is neither valid nor partial, silently (no ICMP)', () => {
    const { net, a, aEth, bEth, got } = listener();
    const seen = capture(bEth);
    const client = new UdpSocket(transportOf(a).udp);
    client.send(text('x'), { address: ip('10.0.0.2'), port: 5000 });
    net.scheduler.runUntilIdle(net.now + SECOND);
    const good = ipFrames(seen)[0]!;
    const bad = good.slice();
    bad[14 + 20 + 6] = bad[14 + 20 + 6]! ^ 0x5a;
    bEth.deliver(bad);
    net.scheduler.runUntilIdle(net.now + SECOND);
    expect(got).toHaveLength(1);
    expect(net.drops.at(-1)?.reason).toBe('bad checksum');
    expect(ipFrames(seen.filter((f) => f.direction === 'out'))).toHaveLength(0);
    void aEth;
  });

  it('sends no ICMP for a broadcast to a closed port, and delivers a broadcast to a bound socket', () => {
    const { net, a, bEth, got, server } = listener();
    const seen = capture(bEth);
    const client = new UdpSocket(transportOf(a).udp);
    expect(client.send(text('b'), { address: ip('10.0.0.255'), port: 5000 })).toBe('Permission denied');
    client.broadcast = true;
    expect(client.send(text('b'), { address: ip('10.0.0.255'), port: 5000 })).toBeUndefined();
    expect(client.send(text('c'), { address: ip('10.0.0.255'), port: 5001 })).toBeUndefined();
    net.scheduler.runUntilIdle(net.now + SECOND);
    expect(got.map((m) => m.destination)).toEqual([ip('10.0.0.255')]);
    expect(ipFrames(seen.filter((f) => f.direction === 'out'))).toHaveLength(0);
    server.close();
  });

  it('leaves a fragmented datagram with a full checksum (software checksum when it does not fit the MTU)', () => {
    const { net, a, aEth, got } = listener();
    const seen = capture(aEth);
    const client = new UdpSocket(transportOf(a).udp);
    const big = new Uint8Array(3000).map((_, i) => i & 0xff);
    client.send(big, { address: ip('10.0.0.2'), port: 5000 });
    net.scheduler.runUntilIdle(net.now + SECOND);
    const frags = ipFrames(seen.filter((f) => f.direction === 'out'));
    expect(frags.length).toBe(3);
    expect(frags[0]![20]! & 0x40).toBe(0);
    expect(got).toHaveLength(1);
    expect(got[0]!.data).toEqual(big);
    const whole = new Uint8Array(8 + 3000);
    whole.set(frags[0]!.subarray(34, 34 + 8));
    whole.set(big, 8);
    expect(checkUdpChecksum(whole, ip('10.0.0.1'), ip('10.0.0.2')).valid).toBe(true);
  });

  it('leaves the partial checksum over lo as well (measured: nc -u to 127.0.0.1)', () => {
    const { net, a } = twoHosts();
    const seen = capture(a.loopback);
    const client = new UdpSocket(transportOf(a).udp);
    client.send(text('hello\n'), { address: ip('127.0.0.1'), port: 5009 });
    net.scheduler.runUntilIdle(net.now + SECOND);
    const frames = ipFrames(seen.filter((f) => f.direction === 'out'));
    const udp = frames[0]!;
    const check = checkUdpChecksum(udp.subarray(34), ip('127.0.0.1'), ip('127.0.0.1'));
    expect(check.partial).toBe(true);
    // And the port unreachable comes back through lo too (from 127.0.0.1, TOS 0xc0).
    expect(frames.some((f) => f[23] === 1 && f[15] === 0xc0)).toBe(true);
  });
});

describe('UDP ephemeral ports (udp_lib_get_port())', () => {
  it('are in 32768–60999, of both parities, distinct while held, and a pure function of the seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const draw = () => {
          const { a } = twoHosts(seed);
          const ports: number[] = [];
          for (let i = 0; i < 30; i++) {
            const s = new UdpSocket(transportOf(a).udp);
            expect(s.bind(0, 0)).toBeUndefined();
            ports.push(s.localPort);
          }
          return ports;
        };
        const ports = draw();
        expect(new Set(ports).size).toBe(ports.length);
        for (const p of ports) expect(p >= 32768 && p <= 60999).toBe(true);
        expect(draw()).toEqual(ports);
        return true;
      }),
      { numRuns: 20 },
    );
    const { a } = twoHosts(5);
    const parities = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const s = new UdpSocket(transportOf(a).udp);
      s.bind(0, 0);
      parities.add(s.localPort % 2);
    }
    expect(parities.size).toBe(2);
  });

  it('refuses a second bind of a port unless both sockets set SO_REUSEADDR', () => {
    const { a } = twoHosts();
    const first = new UdpSocket(transportOf(a).udp);
    expect(first.bind(0, 5000)).toBeUndefined();
    const second = new UdpSocket(transportOf(a).udp);
    expect(second.bind(0, 5000)).toBe('Address already in use');
    first.close();
    const r1 = new UdpSocket(transportOf(a).udp);
    const r2 = new UdpSocket(transportOf(a).udp);
    r1.reuse = r2.reuse = true;
    expect(r1.bind(0, 6000)).toBeUndefined();
    expect(r2.bind(0, 6000)).toBeUndefined();
    expect(new UdpSocket(transportOf(a).udp).bind(ip('10.0.0.9'), 7000)).toBe('Cannot assign requested address');
  });
});
