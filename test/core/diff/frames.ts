/**
 * Frames for the diff's tests, built with core/wire/frame.ts: a few hosts, pings with iputils' payload, UDP and
 * TCP exchanges, ARP, IGMP reports; and `refresh` to recompute a frame's checksums after a field was changed, so a
 * test can change exactly one field.
 */
import { internetChecksum, partialChecksum, pseudoHeaderSum, sum16, finish } from '../../../core/checksum.ts';
import type { DiffFrame } from '../../../core/diff/frame.ts';
import { MAC_BROADCAST, type MacAddress } from '../../../core/mac.ts';
import { ArpOperation } from '../../../core/wire/arp.ts';
import { read16, write16 } from '../../../core/wire/bytes.ts';
import { buildFrame, type FrameSpec } from '../../../core/wire/frame.ts';
import { ip, mac } from '../wire/support.ts';

export { ip, mac };

/** Two hosts of 10.0.0.0/24 with their MACs. */
export const H1 = { ip: ip('10.0.0.1'), mac: mac('02:00:00:00:00:01') } as const;
export const H2 = { ip: ip('10.0.0.2'), mac: mac('02:00:00:00:00:02') } as const;

/** A host. */
export interface Host {
  readonly ip: number;
  readonly mac: MacAddress;
}

/** A frame at `at` ms. */
export function at(ms: number, spec: FrameSpec): DiffFrame {
  return { at: ms * 1_000_000, data: buildFrame(spec) };
}

/** iputils' echo data: a 16-byte timeval (from `seed`), then 0x10, 0x11, … (ping_common.c: fill()). */
export function echoData(seed: number): Uint8Array {
  const d = new Uint8Array(56);
  for (let i = 0; i < 16; i++) d[i] = (seed * 31 + i * 7) & 0xff;
  for (let i = 16; i < 56; i++) d[i] = i;
  return d;
}

/** Options of a ping exchange. */
export interface PingOptions {
  readonly from: Host;
  readonly to: Host;
  readonly id: number;
  readonly seq: number;
  /** IP IDs of the request and the reply. */
  readonly ipIds: readonly [number, number];
  /** Timeval seeds of the request and the reply (equal when the reply echoes it, as it must). */
  readonly timevals: readonly [number, number];
  /** The reply's identifier, when it does not echo the request's. */
  readonly replyId?: number;
  /** The reply's destination MAC, when not the requester's. */
  readonly replyMac?: MacAddress;
  readonly ms: number;
}

/** An echo request and its reply, 0.03 ms apart. */
export function ping(o: PingOptions): DiffFrame[] {
  return [
    at(o.ms, { ethernet: { destination: o.to.mac, source: o.from.mac }, ipv4: { source: o.from.ip, destination: o.to.ip, dontFragment: true, identification: o.ipIds[0] }, icmp: { kind: 'echoRequest', code: 0, identifier: o.id, sequenceNumber: o.seq, data: echoData(o.timevals[0]) } }),
    at(o.ms + 0.03, {
      ethernet: { destination: o.replyMac ?? o.from.mac, source: o.to.mac },
      ipv4: { source: o.to.ip, destination: o.from.ip, identification: o.ipIds[1] },
      icmp: { kind: 'echoReply', code: 0, identifier: o.replyId ?? o.id, sequenceNumber: o.seq, data: echoData(o.timevals[1]) },
    }),
  ];
}

/** A broadcast ARP request from `from` for `to`, and the reply. */
export function arpExchange(from: Host, to: Host, ms: number): DiffFrame[] {
  return [
    at(ms, { ethernet: { destination: MAC_BROADCAST, source: from.mac }, arp: { kind: 'ethernetIpv4', operation: ArpOperation.Request, senderHardwareAddress: from.mac, senderProtocolAddress: from.ip, targetHardwareAddress: 0, targetProtocolAddress: to.ip } }),
    at(ms + 0.02, { ethernet: { destination: from.mac, source: to.mac }, arp: { kind: 'ethernetIpv4', operation: ArpOperation.Reply, senderHardwareAddress: to.mac, senderProtocolAddress: to.ip, targetHardwareAddress: from.mac, targetProtocolAddress: from.ip } }),
  ];
}

/** A unicast ARP probe (NUD PROBE) from `from` to `to`. */
export function arpProbe(from: Host, to: Host, ms: number): DiffFrame {
  return at(ms, { ethernet: { destination: to.mac, source: from.mac }, arp: { kind: 'ethernetIpv4', operation: ArpOperation.Request, senderHardwareAddress: from.mac, senderProtocolAddress: from.ip, targetHardwareAddress: 0, targetProtocolAddress: to.ip } });
}

/** An IGMPv3 report for 224.0.0.106, as a bridge with an address sends (to_ex, no sources). */
export function igmpReport(from: Host, ms: number, group = ip('224.0.0.106')): DiffFrame {
  return at(ms, {
    ethernet: { destination: mac('01:00:5e:00:00:16'), source: from.mac },
    ipv4: { source: 0, destination: ip('224.0.0.22'), ttl: 1, tos: 0xc0, dontFragment: true, options: new Uint8Array([0x94, 0x04, 0, 0]) },
    igmp: { kind: 'membershipReportV3', records: [{ recordType: 4, multicastAddress: group, sources: [], auxData: new Uint8Array(0) }] },
  });
}

/** A UDP query from an ephemeral port and its reply, with partial checksums (locally sent, offloaded). */
export function udpExchange(from: Host, to: Host, sport: number, dport: number, ms: number, replyPort = sport): DiffFrame[] {
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  return [
    at(ms, { ethernet: { destination: to.mac, source: from.mac }, ipv4: { source: from.ip, destination: to.ip, dontFragment: true, identification: 100 + sport }, udp: { sourcePort: sport, destinationPort: dport, payload, checksum: 'partial' } }),
    at(ms + 0.05, { ethernet: { destination: from.mac, source: to.mac }, ipv4: { source: to.ip, destination: from.ip, dontFragment: true, identification: 200 + sport }, udp: { sourcePort: dport, destinationPort: replyPort, payload, checksum: 'partial' } }),
  ];
}

/** One TCP segment with a timestamps option. */
export function segment(from: Host, to: Host, sport: number, dport: number, seq: number, ack: number, flags: number, ts: readonly [number, number], ms: number, payload = new Uint8Array(0)): DiffFrame {
  return at(ms, {
    ethernet: { destination: to.mac, source: from.mac },
    ipv4: { source: from.ip, destination: to.ip, dontFragment: true, identification: (seq & 0xfff) + 1 },
    tcp: { sourcePort: sport, destinationPort: dport, sequenceNumber: seq >>> 0, acknowledgmentNumber: ack >>> 0, flags, window: 64240, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', value: ts[0] >>> 0, echoReply: ts[1] >>> 0 }], payload },
  });
}

/** Recomputes the IPv4 header checksum and the ICMP/UDP/TCP checksum (keeping a partial one partial). */
export function refresh(frame: DiffFrame): DiffFrame {
  const d = frame.data.slice();
  if (read16(d, 12) !== 0x0800) return { ...frame, data: d };
  const ihl = (d[14]! & 0x0f) * 4;
  write16(d, 24, 0);
  write16(d, 24, internetChecksum(d, 14, 14 + ihl));
  const l4 = 14 + ihl;
  const end = 14 + read16(d, 16);
  const protocol = d[23]!;
  const src = ((d[26]! << 24) | (d[27]! << 16) | (d[28]! << 8) | d[29]!) >>> 0;
  const dst = ((d[30]! << 24) | (d[31]! << 16) | (d[32]! << 8) | d[33]!) >>> 0;
  const at = protocol === 1 || protocol === 2 ? l4 + 2 : protocol === 17 ? l4 + 6 : protocol === 6 ? l4 + 16 : -1;
  if (at < 0) return { ...frame, data: d };
  const old = read16(d, at);
  const length = end - l4;
  if ((protocol === 6 || protocol === 17) && old === partialChecksum(src, dst, protocol, length)) return { ...frame, data: d };
  write16(d, at, 0);
  const initial = protocol === 6 || protocol === 17 ? pseudoHeaderSum(src, dst, protocol, length) : 0;
  write16(d, at, finish(sum16(d, l4, end, initial)));
  return { ...frame, data: d };
}

/** A copy of `frames` with frame `i`'s byte at `offset` set to `value`, checksums recomputed. */
export function withByte(frames: readonly DiffFrame[], i: number, offset: number, value: number): DiffFrame[] {
  const out = [...frames];
  const data = out[i]!.data.slice();
  data[offset] = value;
  out[i] = refresh({ ...out[i]!, data });
  return out;
}
