import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND } from '../../core/clock.ts';
import { Random } from '../../core/random.ts';
import { Netem } from '../../l2/netem.ts';
import { TcpSocket } from '../../l3/tcp-socket.ts';
import { transportOf } from '../../l3/transport.ts';
import { sendAll, twoHosts } from './transport-topology.ts';

/** Deterministic test data: bytes from a seeded stream. */
function payload(length: number, seed: number): Uint8Array {
  return new Random(seed).fill(new Uint8Array(length));
}

interface Impairment {
  readonly loss: number;
  readonly delayMs: number;
  readonly reorder: number;
  readonly duplicate: number;
}

/**
 * a sends `data` to b over one TCP connection and shuts down; b reads everything until end of file and closes.
 * Netem impairs a's eth0 (data) and b's eth0 (ACKs) as given. Returns what b read and whether both ends finished.
 */
function transfer(data: Uint8Array, seed: number, there: Impairment, back: Impairment | undefined, limit = 900 * SECOND) {
  const { net, a, b, aEth, bEth } = twoHosts(seed);
  const netem = (i: Impairment, name: string) =>
    new Netem({ loss: i.loss, delay: i.delayMs * MILLISECOND, reorder: i.delayMs > 0 ? i.reorder : 0, duplicate: i.duplicate }, net.scheduler, net.random(`test-netem:${name}`));
  aEth.qdisc = netem(there, 'a');
  if (back) bEth.qdisc = netem(back, 'b');
  const listener = transportOf(b).tcp.listen(0, 5000, 1);
  if (typeof listener === 'string') throw new Error(listener);
  const chunks: Uint8Array[] = [];
  let received = 0;
  let serverDone = false;
  listener.onAcceptable = () => {
    const child = listener.accept()!;
    child.onReadable = () => {
      const d = child.read();
      if (d.length) {
        chunks.push(d);
        received += d.length;
      }
      if (child.eof && !serverDone) {
        serverDone = true;
        child.close();
      }
    };
  };
  const client = new TcpSocket(transportOf(a).tcp);
  let failed: string | undefined;
  sendAll(client, data);
  client.onError = (e) => (failed = e);
  client.onReadable = () => void client.read();
  client.connect(0x0a000002, 5000);
  const deadline = net.now + limit;
  while (!(serverDone && received === data.length && client.rtx.empty) && !failed && (net.scheduler.nextAt() ?? Infinity) <= deadline) {
    net.scheduler.runUntil(net.scheduler.nextAt()!);
  }
  const got = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    got.set(c, at);
    at += c.length;
  }
  const lost = net.drops.filter((d) => d.reason === 'netem loss');
  // ARP requests are 42-byte frames: netem can lose all three of a resolution, which fails the connect with
  // EHOSTUNREACH (arp_error_report() → ICMP host unreachable → tcp_v4_err() in SYN_SENT), as on Linux.
  return { got, serverDone, failed, elapsed: net.now, drops: lost.length, arpLost: lost.filter((d) => d.length === 42).length };
}

const impairment = (maxLoss: number): fc.Arbitrary<Impairment> =>
  fc.record({
    loss: fc.double({ min: 0, max: maxLoss, noNaN: true }),
    delayMs: fc.integer({ min: 0, max: 30 }),
    reorder: fc.integer({ min: 0, max: 50 }),
    duplicate: fc.integer({ min: 0, max: 5 }),
  });

describe('TCP under loss, reordering and duplication (netem)', () => {
  it('delivers every byte, in order, once, whatever the seed and the impairment', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 120_000 }),
        impairment(20),
        fc.option(impairment(10), { nil: undefined }),
        (seed, length, there, back) => {
          const data = payload(length, seed);
          const r = transfer(data, seed, there, back);
          if (r.failed === 'No route to host') {
            expect(r.arpLost).toBeGreaterThanOrEqual(3);
            return;
          }
          expect(r.failed).toBeUndefined();
          expect(r.serverDone).toBe(true);
          expect(r.got.length).toBe(data.length);
          expect(Buffer.compare(Buffer.from(r.got), Buffer.from(data))).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('moves 1 MB across a link with 1 % loss intact', () => {
    const data = payload(1 << 20, 42);
    const r = transfer(data, 42, { loss: 1, delayMs: 1, reorder: 0, duplicate: 0 }, undefined);
    expect(r.failed).toBeUndefined();
    expect(r.drops).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(r.got), Buffer.from(data))).toBe(0);
  });

  it('retransmits a lost SYN after the initial RTO of 1 s, then 2 s, 4 s later (exponential backoff)', () => {
    const { net, a, aEth } = twoHosts(1, ['ip -n a route add 192.0.2.0/24 via 10.0.0.2']);
    const sent: number[] = [];
    aEth.taps.add({ frame: (_d, f, dir, at) => dir === 'out' && f[23] === 6 && sent.push(at) });
    const client = new TcpSocket(transportOf(a).tcp);
    let error: string | undefined;
    client.onError = (e) => (error = e);
    const start = net.now;
    client.connect(0xc0000201, 5000);
    net.scheduler.runUntil(start + 200 * SECOND);
    expect(sent.map((t) => Math.round((t - start) / MILLISECOND))).toEqual([0, 1000, 3000, 7000, 15000, 31000, 63000]);
    // tcp_syn_retries 6: the connect fails 127 s in.
    expect(error).toBe('Connection timed out');
  });
});

describe('TCP flow control', () => {
  it('stops at the receiver\'s window while the application does not read, probes, and resumes: every byte arrives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 70_000, max: 400_000 }), fc.integer({ min: 200, max: 3000 }), fc.integer({ min: 0, max: 5 }), (seed, length, pauseMs, loss) => {
        const { net, a, b, aEth } = twoHosts(seed);
        aEth.qdisc = new Netem({ loss, delay: 1 * MILLISECOND }, net.scheduler, net.random('flow'));
        const data = payload(length, seed);
        const listener = transportOf(b).tcp.listen(0, 5000, 1);
        if (typeof listener === 'string') throw new Error(listener);
        const chunks: Uint8Array[] = [];
        let done = false;
        let sawZeroWindow = false;
        listener.onAcceptable = () => {
          const s = listener.accept()!;
          // The application sleeps first (the window fills and closes), then reads 4 KiB every 10 ms.
          const readSome = (): void => {
            const d = s.read(4096);
            if (d.length) chunks.push(d);
            if (s.eof) {
              done = true;
              s.close();
              return;
            }
            net.scheduler.after(10 * MILLISECOND, readSome);
          };
          net.scheduler.after(pauseMs * MILLISECOND, readSome);
        };
        aEth.taps.add({ frame: () => undefined });
        b.device('eth0')!.taps.add({ frame: (_d, f, dir) => dir === 'out' && f[23] === 6 && f[14 + 20 + 14] === 0 && f[14 + 20 + 15] === 0 && (sawZeroWindow = true) });
        const client = new TcpSocket(transportOf(a).tcp);
        sendAll(client, data);
        client.connect(0x0a000002, 5000);
        const deadline = net.now + 900 * SECOND;
        while (!done && (net.scheduler.nextAt() ?? Infinity) <= deadline) net.scheduler.runUntil(net.scheduler.nextAt()!);
        expect(done).toBe(true);
        expect(Buffer.compare(Buffer.concat(chunks), Buffer.from(data))).toBe(0);
        // With more than a window's worth unread, the receiver advertised a zero window at some point — once the
        // sender's zero-window probe (tcp_write_wakeup(), one RTO after it stalls on a window below one MSS) has
        // filled the last sliver, which a short pause does not leave time for.
        if (length > 250_000 && loss === 0 && pauseMs >= 500) expect(sawZeroWindow).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
