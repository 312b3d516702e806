import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND } from '../../core/clock.ts';
import { parseIpv4 } from '../../core/ipv4.ts';
import { TcpSocket } from '../../l3/tcp-socket.ts';
import { transportOf } from '../../l3/transport.ts';
import { Network } from '../../sim/network.ts';
import { capture, runLines, sendAll, twoHosts } from './transport-topology.ts';
import { describeFrames, r16, r32, readPcap } from './transport-frames.ts';

const PCAP = new URL('../../fixtures/pcap/', import.meta.url);
const ip = (text: string): number => {
  const p = parseIpv4(text);
  if (!p.ok) throw new Error(text);
  return p.value;
};
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The IPv4 frames of a capture (ARP left out). */
function ipFrames(frames: readonly { data: Uint8Array }[]): Uint8Array[] {
  return frames.filter((f) => r16(f.data, 12) === 0x0800).map((f) => f.data);
}

/** Offsets in a frame of an IPv4 header without options and a TCP header. */
const IP_ID = 14 + 4;
const IP_CSUM = 14 + 10;
const TCP = 14 + 20;
const TCP_SPORT = TCP;
const TCP_SEQ = TCP + 4;
const TCP_ACK = TCP + 8;

/** `frame` with the byte ranges [at, at+len) zeroed. */
function mask(frame: Uint8Array, ...ranges: [number, number][]): Uint8Array {
  const out = frame.slice();
  for (const [at, len] of ranges) out.fill(0, at, at + len);
  return out;
}

/** Where the TS option's value lies in a frame's TCP options (kind 8), or undefined. */
function tsValueOffset(frame: Uint8Array): number | undefined {
  const end = TCP + (frame[TCP + 12]! >> 4) * 4;
  for (let at = TCP + 20; at < end; ) {
    const kind = frame[at]!;
    if (kind === 0) return undefined;
    if (kind === 1) {
      at++;
      continue;
    }
    if (kind === 8) return at + 2;
    at += frame[at + 1]!;
  }
  return undefined;
}

describe('TCP segments against the kernel (fixtures/pcap)', () => {
  it('answers a SYN to a closed port with the kernel RST, byte for byte (tcp-refused.pcap)', () => {
    const real = ipFrames(readPcap(new URL('tcp-refused.pcap', PCAP)));
    const { net, aEth, bEth } = twoHosts();
    const seen = capture(aEth);
    bEth.deliver(real[0]!);
    net.scheduler.runUntilIdle(net.now + SECOND);
    const rst = ipFrames(seen.filter((f) => f.direction === 'in'));
    expect(rst).toHaveLength(1);
    expect(Buffer.from(rst[0]!).toString('hex')).toBe(Buffer.from(real[1]!).toString('hex'));
  });

  it('answers a SYN to a listener with the SYN-ACK the kernel sends, but for the ISN and TS value (tcp.pcap)', () => {
    const real = ipFrames(readPcap(new URL('tcp.pcap', PCAP)));
    const { net, b, aEth, bEth } = twoHosts();
    const listener = transportOf(b).tcp.listen(ip('10.0.0.2'), 5000, 1);
    expect(typeof listener).not.toBe('string');
    const seen = capture(aEth);
    bEth.deliver(real[0]!);
    net.scheduler.runUntilIdle(net.now + 100 * MILLISECOND);
    const synAck = ipFrames(seen.filter((f) => f.direction === 'in'))[0]!;
    const ts = tsValueOffset(synAck)!;
    expect(ts).toBe(tsValueOffset(real[1]!));
    const hex = (f: Uint8Array) => Buffer.from(mask(f, [TCP_SEQ, 4], [ts, 4])).toString('hex');
    expect(hex(synAck)).toBe(hex(real[1]!));
    // The ACK field acknowledges the real SYN; the checksum is the offloaded partial sum (0x1431).
    expect(r32(synAck, TCP_ACK)).toBe((r32(real[0]!, TCP_SEQ) + 1) >>> 0);
  });

  it('sends the SYN of Linux 6.18 (options, window, DF, partial checksum), but for ISN, TS value and IP ID (tcp.pcap)', () => {
    const real = ipFrames(readPcap(new URL('tcp.pcap', PCAP)));
    const { net, a, aEth } = twoHosts();
    const seen = capture(aEth);
    const socket = new TcpSocket(transportOf(a).tcp);
    expect(socket.bind(0, 40001)).toBeUndefined();
    expect(socket.connect(ip('10.0.0.2'), 5000)).toBeUndefined();
    net.scheduler.runUntilIdle(net.now + 100 * MILLISECOND);
    const syn = ipFrames(seen.filter((f) => f.direction === 'out'))[0]!;
    const ts = tsValueOffset(syn)!;
    const hex = (f: Uint8Array) => Buffer.from(mask(f, [IP_ID, 2], [IP_CSUM, 2], [TCP_SEQ, 4], [ts, 4])).toString('hex');
    expect(hex(syn)).toBe(hex(real[0]!));
    expect(r16(syn, TCP_SPORT)).toBe(40001);
  });

  it('picks even ephemeral ports in the kernel range for connect(), each connection its own', () => {
    const { net, a } = twoHosts(7);
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const s = new TcpSocket(transportOf(a).tcp);
      expect(s.connect(ip('10.0.0.2'), 5000)).toBeUndefined();
      ports.add(s.localPort);
      net.advanceBy(10 * MILLISECOND);
    }
    expect(ports.size).toBe(20);
    for (const p of ports) {
      expect(p % 2).toBe(0);
      expect(p).toBeGreaterThanOrEqual(32768);
      expect(p).toBeLessThanOrEqual(60999);
    }
  });
});

/**
 * tcp.pcap's exchange replayed with sockets: b listens (its "world" comes 0.64 s after the connection, then its FIN),
 * a connects from port 40001, writes "hello" and shuts down 1.5 s after connecting.
 */
function tcpPcapExchange(seed: number) {
  const { net, a, b, aEth } = twoHosts(seed);
  const seen = capture(aEth);
  const listener = transportOf(b).tcp.listen(ip('10.0.0.2'), 5000, 1);
  if (typeof listener === 'string') throw new Error(listener);
  let server: TcpSocket | undefined;
  listener.onAcceptable = () => {
    const child = listener.accept()!;
    server = child;
    child.onReadable = () => {
      child.read();
      if (child.eof) child.close();
    };
    net.scheduler.after(640 * MILLISECOND, () => {
      child.write(text('world\n'));
      child.shutdown();
    });
  };
  const client = new TcpSocket(transportOf(a).tcp);
  client.bind(0, 40001);
  client.onConnect = () => {
    client.write(text('hello\n'));
    net.scheduler.after(1500 * MILLISECOND, () => client.close());
  };
  client.onReadable = () => void client.read();
  client.connect(ip('10.0.0.2'), 5000);
  net.scheduler.runUntilIdle(net.now + 5 * SECOND);
  return { seen, client, server: server! };
}

describe('a short TCP exchange against the kernel (tcp.pcap)', () => {
  it('has the same segments: flags, relative sequence numbers, windows, options, IP IDs and checksum kinds', () => {
    const real = describeFrames(readPcap(new URL('tcp.pcap', PCAP)));
    for (const seed of [1, 2, 3, 4]) {
      const { seen } = tcpPcapExchange(seed);
      expect(describeFrames(seen)).toEqual(real);
    }
  });

  it('delays the ACK of the FIN in an interactive connection by the 40 ms minimum ATO (the kernel: 44 ms)', () => {
    const realFrames = readPcap(new URL('tcp.pcap', PCAP)).filter((f) => r16(f.data, 12) === 0x0800);
    const { seen } = tcpPcapExchange(1);
    const sim = seen.filter((f) => r16(f.data, 12) === 0x0800);
    // Frames 8 (b's FIN) and 9 (a's ACK of it).
    const realDelay = realFrames[8]!.at - realFrames[7]!.at;
    const simDelay = sim[8]!.at - sim[7]!.at;
    expect(simDelay).toBe(40 * MILLISECOND);
    expect(Math.abs(simDelay - realDelay)).toBeLessThan(5 * MILLISECOND);
  });

  it('keeps the side that closed first in TIME_WAIT for 60 s, the other one closes at once', () => {
    const { client, server } = tcpPcapExchange(1);
    // 5 s in: b sent the first FIN, so b holds TIME_WAIT; a went through LAST_ACK to CLOSED.
    expect(client.state).toBe('CLOSED');
    expect(server.state).toBe('TIME_WAIT');
    expect(server.table.connections.size).toBe(1);
    // TIME_WAIT began with a's FIN, 1.5 s after the connection: it ends 60 s later.
    server.ns.scheduler.runUntil(60 * SECOND);
    expect(server.state).toBe('TIME_WAIT');
    server.ns.scheduler.runUntil(62 * SECOND);
    expect(server.state).toBe('CLOSED');
    expect(server.table.connections.size).toBe(0);
  });
});

describe('listen backlog (measured: nc -l, listen(s, 1), busy with its first connection)', () => {
  it('completes two more handshakes on the accept queue and drops the SYNs after that', () => {
    const { net, a, b } = twoHosts();
    const listener = transportOf(b).tcp.listen(0, 5000, 1);
    if (typeof listener === 'string') throw new Error(listener);
    // The application accepts its first connection only, then is busy with it.
    listener.onAcceptable = () => {
      if (listener.acceptQueue.length > 0 && !accepted) accepted = listener.accept();
    };
    let accepted: TcpSocket | undefined;
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      net.scheduler.after(i * 300 * MILLISECOND, () => {
        const s = new TcpSocket(transportOf(a).tcp);
        let settled = false;
        s.onConnect = () => ((settled = true), outcomes.push(`${i}: connected`));
        s.onError = (e) => ((settled = true), outcomes.push(`${i}: ${e}`));
        s.connect(ip('10.0.0.2'), 5000);
        // nc -w2: a connect still in progress after 2 s has timed out.
        net.scheduler.after(2 * SECOND, () => {
          if (!settled) outcomes.push(`${i}: timed out`);
        });
      });
    }
    net.scheduler.runUntil(net.now + 5 * SECOND);
    expect(outcomes.sort()).toEqual(['0: connected', '1: connected', '2: connected', '3: timed out', '4: timed out']);
    expect(listener.acceptQueue).toHaveLength(2);
  });
});

describe('closing and resetting', () => {
  function connected(seed = 1) {
    const { net, a, b, aEth } = twoHosts(seed);
    const seen = capture(aEth);
    const listener = transportOf(b).tcp.listen(0, 5000, 8);
    if (typeof listener === 'string') throw new Error(listener);
    const client = new TcpSocket(transportOf(a).tcp);
    client.connect(ip('10.0.0.2'), 5000);
    net.scheduler.runUntil(net.now + 10 * MILLISECOND);
    const server = listener.accept()!;
    return { net, client, server, seen };
  }

  it('answers close() with unread data by an RST from the socket (tcp_send_active_reset(): ACK, window, timestamps, offloaded checksum)', () => {
    const { net, client, server, seen } = connected();
    let error: string | undefined;
    client.onError = (e) => (error = e);
    client.write(text('unread\n'));
    net.scheduler.runUntil(net.now + 10 * MILLISECOND);
    expect(server.readable).toBe(7);
    server.close();
    net.scheduler.runUntil(net.now + 10 * MILLISECOND);
    expect(describeFrames(seen).at(-1)).toBe('10.0.0.2>10.0.0.1 ttl 64 tos 0x0 DF id set TCP [R.] seq 1 ack 8 win 64 [nop,nop,TS] len 0 partial');
    expect(error).toBe('Connection reset by peer');
    expect(client.state).toBe('CLOSED');
  });

  it('resets a connection whose peer is gone: the kernel RST takes its sequence number from the segment\'s ACK', () => {
    const { net, client, server, seen } = connected();
    server.table.remove(server);
    let error: string | undefined;
    client.onError = (e) => (error = e);
    client.write(text('x'));
    net.scheduler.runUntil(net.now + 10 * MILLISECOND);
    expect(describeFrames(seen).at(-1)).toBe('10.0.0.2>10.0.0.1 ttl 64 tos 0x0 DF id 0 TCP [R] seq 1 win 0 [] len 0 full');
    expect(error).toBe('Connection reset by peer');
  });

  it('takes an ICMP port unreachable during the handshake as "Connection refused" (tcp_v4_err())', () => {
    const { net, a, b } = twoHosts(1, ['ip netns exec b iptables -A INPUT -p tcp --dport 5001 -j REJECT']);
    void b;
    const s = new TcpSocket(transportOf(a).tcp);
    let error: string | undefined;
    s.onError = (e) => (error = e);
    s.connect(ip('10.0.0.2'), 5001);
    net.scheduler.runUntil(net.now + 100 * MILLISECOND);
    expect(error).toBe('Connection refused');
  });
});

describe('path MTU discovery [RFC 1191]', () => {
  it('shrinks the MSS on "fragmentation needed" from a router and sends what was in flight again in pieces', () => {
    const net = new Network({ seed: 3 });
    runLines(net, [
      'ip netns add a',
      'ip netns add r',
      'ip netns add b',
      'ip -n a link add eth0 type veth peer name in0 netns r',
      'ip -n r link add out0 type veth peer name eth0 netns b',
      // Only the router's way out is narrower: both ends offer MSS 1460, the path takes 1400.
      'ip -n r link set out0 mtu 1400',
      ...['a eth0', 'r in0', 'r out0', 'b eth0', 'a lo', 'b lo'].map((d) => `ip -n ${d.split(' ')[0]} link set ${d.split(' ')[1]} up`),
      'ip -n a addr add 10.1.0.2/24 dev eth0',
      'ip -n r addr add 10.1.0.1/24 dev in0',
      'ip -n r addr add 10.2.0.1/24 dev out0',
      'ip -n b addr add 10.2.0.2/24 dev eth0',
      'ip -n a route add default via 10.1.0.1',
      'ip -n b route add default via 10.2.0.1',
      'ip netns exec r sysctl -qw net.ipv4.ip_forward=1',
    ]);
    const a = net.namespace('a')!;
    const b = net.namespace('b')!;
    const seen = capture(a.device('eth0')!);
    const listener = transportOf(b).tcp.listen(0, 5000, 1);
    if (typeof listener === 'string') throw new Error(listener);
    const got: Uint8Array[] = [];
    let done = false;
    listener.onAcceptable = () => {
      const s = listener.accept()!;
      s.onReadable = () => {
        const d = s.read();
        if (d.length) got.push(d);
        if (s.eof && !done) {
          done = true;
          s.close();
        }
      };
    };
    const data = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const client = new TcpSocket(transportOf(a).tcp);
    sendAll(client, data);
    client.connect(ip('10.2.0.2'), 5000);
    net.scheduler.runUntil(net.now + 30 * SECOND);
    expect(done).toBe(true);
    expect(Buffer.compare(Buffer.concat(got), Buffer.from(data))).toBe(0);
    // Both ends offered MSS 1460; the router's errors said 1400: 1400 - 40 - 12.
    expect(client.mss).toBe(1348);
    const errors = ipFrames(seen.filter((f) => f.direction === 'in')).filter((f) => f[23] === 1 && f[34] === 3 && f[35] === 4);
    expect(errors.length).toBeGreaterThan(0);
    expect(r16(errors[0]!, 34 + 6)).toBe(1400);
  });
});
