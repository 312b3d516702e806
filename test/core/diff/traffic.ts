/**
 * Synthetic traffic for the diff's tests and benchmark: a conversation whose structure (who talks to whom, which
 * protocols, in which order) comes from one seed and whose legitimately varying values (MACs, IP IDs, ping
 * identifiers and timevals, ephemeral ports, initial sequence numbers, TCP timestamp offsets, a few ms of timing)
 * come from another. Two runs with one structure seed and two value seeds are what a kernel run and a simulator
 * run of one scenario look like when the simulator is right.
 */
import { MILLISECOND, SECOND } from '../../../core/clock.ts';
import { MAC_BROADCAST, randomLocalMac, type MacAddress } from '../../../core/mac.ts';
import { Random } from '../../../core/random.ts';
import type { DiffFrame } from '../../../core/diff/frame.ts';
import { buildFrame, type FrameSpec } from '../../../core/wire/frame.ts';
import { ArpOperation } from '../../../core/wire/arp.ts';
import { TcpFlag } from '../../../core/wire/tcp.ts';

/** Options of `traffic`. */
export interface TrafficOptions {
  /** Number of exchanges (each a few frames). */
  readonly events: number;
  readonly structureSeed: number;
  readonly valueSeed: number;
  /** Fixed MACs (as under --same-macs) instead of random ones. */
  readonly fixedMacs?: boolean;
  /** Leave out IGMP reports (random-time frames). */
  readonly noIgmp?: boolean;
  /** Leave out TCP (whose relative sequence numbers depend on which segment comes first). */
  readonly noTcp?: boolean;
}

interface Host {
  readonly ip: number;
  readonly mac: MacAddress;
}

/** iputils' echo data after the timeval: 0x10, 0x11, … (ping_common.c: fill()). */
function echoData(timeval: Uint8Array): Uint8Array {
  const data = new Uint8Array(56);
  data.set(timeval);
  for (let i = 16; i < 56; i++) data[i] = i;
  return data;
}

/** A conversation of `events` exchanges among four hosts on 10.0.0.0/24. */
export function traffic(o: TrafficOptions): DiffFrame[] {
  const s = new Random(o.structureSeed);
  const v = new Random(o.valueSeed);
  const macRandom = new Random(o.fixedMacs ? 99 : o.valueSeed ^ 0x5a5a);
  const hosts: Host[] = [1, 2, 3, 4].map((n) => ({ ip: 0x0a000000 + n, mac: randomLocalMac(macRandom) }));
  const frames: DiffFrame[] = [];
  let now = SECOND;
  const ipIds = new Map<string, number>();
  const nextId = (src: number, dst: number, proto: number): number => {
    const key = `${src}>${dst}/${proto}`;
    const id = ipIds.get(key) ?? 1 + v.below(65535);
    ipIds.set(key, ((id + v.below(3)) % 65535) + 1);
    return id;
  };
  // As the kernel picks them: ports from a random offset in steps of 2 (inet_hash_connect()), ping ids as pids.
  let nextPort = v.below(28232);
  const ephemeralPort = (): number => {
    nextPort = (nextPort + 2) % 28232;
    return 32768 + nextPort;
  };
  let pid = v.below(65536);
  const emit = (spec: FrameSpec): void => {
    frames.push({ at: now + v.below(50_000), data: buildFrame(spec) });
    now += 10_000 + s.below(100_000);
  };
  for (let e = 0; e < o.events; e++) {
    now += s.below(200) * MILLISECOND;
    const a = hosts[s.below(4)]!;
    const b = hosts[(hosts.indexOf(a) + 1 + s.below(3)) % 4]!;
    const what = s.below(o.noIgmp ? 9 : 10);
    if (what < 2) {
      emit({ ethernet: { destination: MAC_BROADCAST, source: a.mac }, arp: { kind: 'ethernetIpv4', operation: ArpOperation.Request, senderHardwareAddress: a.mac, senderProtocolAddress: a.ip, targetHardwareAddress: 0, targetProtocolAddress: b.ip } });
      emit({ ethernet: { destination: a.mac, source: b.mac }, arp: { kind: 'ethernetIpv4', operation: ArpOperation.Reply, senderHardwareAddress: b.mac, senderProtocolAddress: b.ip, targetHardwareAddress: a.mac, targetProtocolAddress: a.ip } });
    } else if (what < 5) {
      const ident = (pid = (pid + 1) & 0xffff);
      const count = 1 + s.below(3);
      for (let seq = 1; seq <= count; seq++) {
        const data = echoData(v.fill(new Uint8Array(16)));
        emit({ ethernet: { destination: b.mac, source: a.mac }, ipv4: { source: a.ip, destination: b.ip, dontFragment: true, identification: nextId(a.ip, b.ip, 1) }, icmp: { kind: 'echoRequest', code: 0, identifier: ident, sequenceNumber: seq, data } });
        emit({ ethernet: { destination: a.mac, source: b.mac }, ipv4: { source: b.ip, destination: a.ip, identification: nextId(b.ip, a.ip, 1) }, icmp: { kind: 'echoReply', code: 0, identifier: ident, sequenceNumber: seq, data } });
      }
    } else if (what < 7) {
      const port = ephemeralPort();
      const payload = new Uint8Array(s.below(40)).map((_, k) => k * 7 + e);
      emit({ ethernet: { destination: b.mac, source: a.mac }, ipv4: { source: a.ip, destination: b.ip, dontFragment: true, identification: nextId(a.ip, b.ip, 17) }, udp: { sourcePort: port, destinationPort: 53, payload, checksum: 'partial' } });
      emit({ ethernet: { destination: a.mac, source: b.mac }, ipv4: { source: b.ip, destination: a.ip, dontFragment: true, identification: nextId(b.ip, a.ip, 17) }, udp: { sourcePort: 53, destinationPort: port, payload, checksum: 'partial' } });
    } else if (what < 9 && !o.noTcp) {
      const port = ephemeralPort();
      let seqA = v.nextU32();
      let seqB = v.nextU32();
      const tsA = v.nextU32();
      const tsB = v.nextU32();
      const ms = (): number => Math.floor(now / MILLISECOND);
      const seg = (from: Host, to: Host, sport: number, dport: number, seq: number, ack: number, flags: number, tsval: number, tsecr: number, payload = new Uint8Array(0)): void =>
        emit({
          ethernet: { destination: to.mac, source: from.mac },
          ipv4: { source: from.ip, destination: to.ip, dontFragment: true, identification: nextId(from.ip, to.ip, 6) },
          tcp: { sourcePort: sport, destinationPort: dport, sequenceNumber: seq >>> 0, acknowledgmentNumber: ack >>> 0, flags, window: 64240, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', value: tsval >>> 0, echoReply: tsecr >>> 0 }], payload, checksum: 'partial' },
        });
      seg(a, b, port, 80, seqA, 0, TcpFlag.Syn, tsA + ms(), 0);
      seg(b, a, 80, port, seqB, seqA + 1, TcpFlag.Syn | TcpFlag.Ack, tsB + ms(), tsA + ms());
      seqA++;
      seqB++;
      const rounds = 1 + s.below(4);
      for (let r = 0; r < rounds; r++) {
        const payload = new Uint8Array(1 + s.below(100)).map((_, k) => k + r);
        seg(a, b, port, 80, seqA, seqB, TcpFlag.Psh | TcpFlag.Ack, tsA + ms(), tsB + ms(), payload);
        seqA += payload.length;
        seg(b, a, 80, port, seqB, seqA, TcpFlag.Ack, tsB + ms(), tsA + ms());
      }
      seg(a, b, port, 80, seqA, seqB, TcpFlag.Fin | TcpFlag.Ack, tsA + ms(), tsB + ms());
      seg(b, a, 80, port, seqB, seqA + 1, TcpFlag.Fin | TcpFlag.Ack, tsB + ms(), tsA + ms());
    } else if (what >= 9) {
      emit({
        ethernet: { destination: 0x01005e000016, source: a.mac },
        ipv4: { source: a.ip, destination: 0xe0000016, ttl: 1, tos: 0xc0, dontFragment: true, options: new Uint8Array([0x94, 0x04, 0, 0]) },
        igmp: { kind: 'membershipReportV3', records: [{ recordType: 4, multicastAddress: 0xe000006a, sources: [], auxData: new Uint8Array(0) }] },
      });
    }
  }
  return frames;
}
