import * as macs from '../mac.ts';
import * as ipv4s from '../ipv4.ts';
import * as bytes from '../wire/bytes.ts';
import { EtherType } from '../wire/ethernet.ts';
import { IcmpType } from '../wire/icmp.ts';
import { IpProtocol } from '../wire/ipv4.ts';
import { TcpOptionKind } from '../wire/tcp.ts';
import * as checksums from './checksum-status.ts';
import { ChecksumStatus } from './checksum-status.ts';
import * as hashes from './hash.ts';
import { relative32, type TcpTracker, type TcpView } from './tcp-tracker.ts';
import { Variation, type VariationName } from './variation.ts';

/**
 * The normalisation rules of DESIGN.md §5, field by field: one walk over an Ethernet frame names every field and
 * says how it is compared. Most fields are compared byte for byte; a few vary legitimately between two runs and
 * are masked, each with its rule:
 * - a *variable* field (random MACs without --same-macs, IP IDs, ping identifiers and timevals, ephemeral ports,
 *   TCP timestamps) is masked, and its values must map one-to-one between the two captures (a bijection per capture
 *   set), so a value that varies is accepted but one used inconsistently is caught;
 * - a *token* field is replaced by what it means: a checksum by its status (valid, partial, or how far off), a TCP
 *   sequence or acknowledgment number by its value relative to the connection's first.
 * The walk feeds a sink: the frame keys use it to align captures fast, the field lists to name differences.
 */

// Module-local bindings of the helpers the walk calls for every field: reading an imported binding costs a lookup
// each time under the TypeScript loader, a local constant does not.
const { isMulticastMac, readMac } = macs;
const { readIpv4 } = ipv4s;
const { read16, read32 } = bytes;
const { judgeRange, judgeTransport } = checksums;
const { hashBytes } = hashes;

/** The value families of variable fields, each a bijection between the two captures (TCP timestamps: a tolerance). */
export const Family = { Mac: 0, IpId: 1, IcmpId: 2, Timeval: 3, Port: 4, TcpSeq: 5, TcpTimestamp: 6 } as const;
/** A variable field's family. */
export type Family = (typeof Family)[keyof typeof Family];
/** Number of families. */
export const FAMILY_COUNT = 7;

/** The variation that lets each family's values differ. */
export const FAMILY_VARIATION: readonly VariationName[] = [
  Variation.MacAddress,
  Variation.IpId,
  Variation.IcmpEchoId,
  Variation.IcmpEchoTimeval,
  Variation.EphemeralPort,
  Variation.TcpIsn,
  Variation.TcpTimestamp,
];

/** What a token stands for. */
export const TokenKind = { Checksum: 0, Relative: 1 } as const;
/** A token's kind. */
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/** Receives the fields of a frame in order; offsets are into the frame. */
export interface FieldSink {
  /** A field compared byte for byte. */
  exact(name: string, offset: number, length: number): void;
  /** A field masked and replaced by what it means (a checksum status, a relative sequence number). */
  token(name: string, offset: number, length: number, kind: TokenKind, token: number): void;
  /** A field masked whose values must correspond one-to-one (or within a tolerance) between the two captures. */
  variable(name: string, offset: number, length: number, family: Family, value: number): void;
}

/**
 * Which MACs both runs share (`--same-macs`): all of them (true), none (false: every unicast MAC corresponds
 * one-to-one), or those of a set (what the replay set on its veths: any other, such as a bridge's random MAC before
 * its first port, corresponds one-to-one).
 */
export type SameMacs = boolean | ReadonlySet<number>;

/** Whether a MAC compares byte for byte: shared by both runs, or zero, or a group address. */
export function macIsExact(sameMacs: SameMacs, mac: number): boolean {
  if (sameMacs === true || mac === 0 || isMulticastMac(mac)) return true;
  return sameMacs !== false && sameMacs.has(mac);
}

/** The state a walk needs: the rule switches and the capture point's TCP connections. */
export interface NormaliseContext {
  readonly sameMacs: SameMacs;
  readonly tcp: TcpTracker;
}

/** Linux's default ip_local_port_range (net/ipv4/af_inet.c: inet_init_net()): where ephemeral ports come from. */
export const EPHEMERAL_PORTS = { low: 32768, high: 60999 } as const;

/** IGMP report types sent at random times (RFC 2236, RFC 3376). */
const IGMP_REPORTS: ReadonlySet<number> = new Set([0x12, 0x16, 0x22]);

/** The length of iputils ping's timeval: a struct timeval on a 64-bit machine (two longs). */
export const PING_TIMEVAL_LEN = 16;

/** Field names, plain and inside an ICMP error's quote, built once so the walk never concatenates strings. */
function fieldNames(prefix: string) {
  const n = (s: string): string => prefix + s;
  return {
    ipv4Bytes: n('ipv4.bytes'),
    ihl: n('ipv4.ihl'),
    tos: n('ipv4.tos'),
    length: n('ipv4.length'),
    id: n('ipv4.id'),
    frag: n('ipv4.frag'),
    ttl: n('ipv4.ttl'),
    protocol: n('ipv4.protocol'),
    checksum: n('ipv4.checksum'),
    src: n('ipv4.src'),
    dst: n('ipv4.dst'),
    options: n('ipv4.options'),
    payload: n('ipv4.payload'),
    icmpBytes: n('icmp.bytes'),
    icmpType: n('icmp.type'),
    icmpCode: n('icmp.code'),
    icmpChecksum: n('icmp.checksum'),
    icmpId: n('icmp.id'),
    icmpSeq: n('icmp.seq'),
    icmpTimeval: n('icmp.timeval'),
    icmpData: n('icmp.data'),
    icmpRest: n('icmp.rest'),
    igmpType: n('igmp.type'),
    igmpCode: n('igmp.code'),
    igmpChecksum: n('igmp.checksum'),
    igmpBody: n('igmp.body'),
    igmpBytes: n('igmp.bytes'),
    udpBytes: n('udp.bytes'),
    udpSport: n('udp.sport'),
    udpDport: n('udp.dport'),
    udpLength: n('udp.length'),
    udpChecksum: n('udp.checksum'),
    udpPayload: n('udp.payload'),
    tcpBytes: n('tcp.bytes'),
    tcpSport: n('tcp.sport'),
    tcpDport: n('tcp.dport'),
    tcpSeq: n('tcp.seq'),
    tcpAck: n('tcp.ack'),
    tcpOffset: n('tcp.offset'),
    tcpFlags: n('tcp.flags'),
    tcpWindow: n('tcp.window'),
    tcpChecksum: n('tcp.checksum'),
    tcpUrgent: n('tcp.urg'),
    tcpOptions: n('tcp.options'),
    tcpTsval: n('tcp.options.tsval'),
    tcpTsecr: n('tcp.options.tsecr'),
    tcpPayload: n('tcp.payload'),
  };
}
type Names = ReturnType<typeof fieldNames>;
const PLAIN = fieldNames('');
const QUOTED = fieldNames('icmp.quote.');

/** Walks an Ethernet frame (link type EN10MB) and reports each field to `sink`. */
export function normaliseFrame(data: Uint8Array, ctx: NormaliseContext, sink: FieldSink): void {
  const end = data.length;
  if (end < 14) {
    if (end > 0) sink.exact('frame.bytes', 0, end);
    return;
  }
  mac(data, 0, 'eth.dst', ctx, sink);
  mac(data, 6, 'eth.src', ctx, sink);
  let type = read16(data, 12);
  let l3 = 14;
  sink.exact('eth.type', 12, 2);
  if (type === EtherType.Vlan && end >= 18) {
    sink.exact('eth.vlan', 14, 2);
    sink.exact('eth.type', 16, 2);
    type = read16(data, 16);
    l3 = 18;
  }
  if (type === EtherType.Arp) arp(data, l3, ctx, sink);
  else if (type === EtherType.Ipv4) {
    const used = ipv4(data, l3, end, false, ctx, sink, PLAIN);
    if (used < end) sink.exact('eth.trailer', used, end - used);
  } else if (l3 < end) sink.exact('eth.payload', l3, end - l3);
}

/** A MAC: byte for byte when both runs share it, or when it is zero or a group address; else a variable. */
function mac(data: Uint8Array, at: number, name: string, ctx: NormaliseContext, sink: FieldSink): void {
  const value = readMac(data, at);
  if (macIsExact(ctx.sameMacs, value)) sink.exact(name, at, 6);
  else sink.variable(name, at, 6, Family.Mac, value);
}

/** ARP [RFC 826]: the Ethernet/IPv4 form field by field, anything else byte for byte. */
function arp(data: Uint8Array, at: number, ctx: NormaliseContext, sink: FieldSink): void {
  const end = data.length;
  if (end - at < 8) {
    sink.exact('arp.bytes', at, end - at);
    return;
  }
  sink.exact('arp.htype', at, 2);
  sink.exact('arp.ptype', at + 2, 2);
  sink.exact('arp.hlen', at + 4, 1);
  sink.exact('arp.plen', at + 5, 1);
  sink.exact('arp.operation', at + 6, 2);
  if (data[at + 4] !== 6 || data[at + 5] !== 4 || end - at < 28) {
    if (end > at + 8) sink.exact('arp.body', at + 8, end - at - 8);
    return;
  }
  mac(data, at + 8, 'arp.sha', ctx, sink);
  sink.exact('arp.spa', at + 14, 4);
  mac(data, at + 18, 'arp.tha', ctx, sink);
  sink.exact('arp.tpa', at + 24, 4);
  if (end > at + 28) sink.exact('eth.trailer', at + 28, end - at - 28);
}

/**
 * IPv4 [RFC 791] at `at`, up to `end`; `quoted` for the datagram inside an ICMP error (which may be cut short).
 * Returns where the datagram ends (its total length, or `end`).
 */
function ipv4(data: Uint8Array, at: number, end: number, quoted: boolean, ctx: NormaliseContext, sink: FieldSink, n: Names): number {
  const ihl = (data[at]! & 0x0f) * 4;
  if (end - at < 20 || data[at]! >> 4 !== 4 || ihl < 20 || at + ihl > end) {
    if (end > at) sink.exact(n.ipv4Bytes, at, end - at);
    return end;
  }
  const totalLength = read16(data, at + 2);
  const protocol = data[at + 9]!;
  const source = readIpv4(data, at + 12);
  const destination = readIpv4(data, at + 16);
  sink.exact(n.ihl, at, 1);
  sink.exact(n.tos, at + 1, 1);
  sink.exact(n.length, at + 2, 2);
  const id = read16(data, at + 4);
  // 0 means "no ID" (DF without a connected socket: ip_select_ident_segs()), so it is compared as is. Others are
  // scoped by (source, destination, protocol) as the kernel's counters are (ip_idents_reserve()): a 14-bit hash of
  // the three above the 16-bit ID, so the value stays a small integer.
  if (id === 0) sink.exact(n.id, at + 4, 2);
  else sink.variable(n.id, at + 4, 2, Family.IpId, ((Math.imul(source ^ Math.imul(destination, 0x9e3779b1) ^ (protocol << 24), 0x85ebca6b) >>> 18) << 16) | id);
  sink.exact(n.frag, at + 6, 2);
  sink.exact(n.ttl, at + 8, 1);
  sink.exact(n.protocol, at + 9, 1);
  sink.token(n.checksum, at + 10, 2, TokenKind.Checksum, judgeRange(data, at, at + ihl));
  sink.exact(n.src, at + 12, 4);
  sink.exact(n.dst, at + 16, 4);
  if (ihl > 20) sink.exact(n.options, at + 20, ihl - 20);
  const l4 = at + ihl;
  const datagramEnd = totalLength < ihl ? l4 : Math.min(end, at + totalLength);
  const stop = quoted ? end : datagramEnd;
  const captured = at + totalLength <= end && totalLength >= ihl;
  const fragmentOffset = read16(data, at + 6) & 0x1fff;
  if (stop > l4) {
    if (fragmentOffset !== 0) sink.exact(n.payload, l4, stop - l4);
    else if (protocol === IpProtocol.Icmp) icmp(data, l4, stop, captured, quoted, ctx, sink, n);
    else if (protocol === IpProtocol.Igmp) igmp(data, l4, stop, captured, sink, n);
    else if (protocol === IpProtocol.Udp) udp(data, l4, stop, captured, source, destination, totalLength - ihl, ctx, sink, n);
    else if (protocol === IpProtocol.Tcp) tcp(data, l4, stop, captured, quoted, source, destination, totalLength - ihl, ctx, sink, n);
    else sink.exact(n.payload, l4, stop - l4);
  }
  return stop;
}

/** Whether an ICMP type carries the datagram that caused it (RFC 792). */
function isIcmpError(type: number): boolean {
  return type === IcmpType.DestinationUnreachable || type === IcmpType.SourceQuench || type === IcmpType.Redirect || type === IcmpType.TimeExceeded || type === IcmpType.ParameterProblem;
}

/** ICMP [RFC 792]: echo identifiers and iputils timevals are variables; errors' quoted datagrams are walked too. */
function icmp(data: Uint8Array, at: number, end: number, captured: boolean, quoted: boolean, ctx: NormaliseContext, sink: FieldSink, n: Names): void {
  if (end - at < 4) {
    sink.exact(n.icmpBytes, at, end - at);
    return;
  }
  const type = data[at]!;
  sink.exact(n.icmpType, at, 1);
  sink.exact(n.icmpCode, at + 1, 1);
  sink.token(n.icmpChecksum, at + 2, 2, TokenKind.Checksum, captured ? judgeRange(data, at, end) : ChecksumStatus.Unverifiable);
  if (end - at < 8) {
    if (end > at + 4) sink.exact(n.icmpRest, at + 4, end - at - 4);
    return;
  }
  if (type === IcmpType.EchoRequest || type === IcmpType.EchoReply) {
    sink.variable(n.icmpId, at + 4, 2, Family.IcmpId, read16(data, at + 4));
    sink.exact(n.icmpSeq, at + 6, 2);
    let data0 = at + 8;
    if (end - data0 >= PING_TIMEVAL_LEN) {
      sink.variable(n.icmpTimeval, data0, PING_TIMEVAL_LEN, Family.Timeval, hashBytes(data, data0, data0 + PING_TIMEVAL_LEN));
      data0 += PING_TIMEVAL_LEN;
    }
    if (end > data0) sink.exact(n.icmpData, data0, end - data0);
    return;
  }
  sink.exact(n.icmpRest, at + 4, 4);
  if (end <= at + 8) return;
  if (isIcmpError(type) && !quoted) ipv4(data, at + 8, end, true, ctx, sink, QUOTED);
  else sink.exact(n.icmpData, at + 8, end - at - 8);
}

/** IGMP [RFC 2236, RFC 3376]: the checksum judged, the rest byte for byte. */
function igmp(data: Uint8Array, at: number, end: number, captured: boolean, sink: FieldSink, n: Names): void {
  if (end - at < 4) {
    sink.exact(n.igmpBytes, at, end - at);
    return;
  }
  sink.exact(n.igmpType, at, 1);
  sink.exact(n.igmpCode, at + 1, 1);
  sink.token(n.igmpChecksum, at + 2, 2, TokenKind.Checksum, captured ? judgeRange(data, at, end) : ChecksumStatus.Unverifiable);
  if (end > at + 4) sink.exact(n.igmpBody, at + 4, end - at - 4);
}

/** A port: a variable when it is in the ephemeral range, else byte for byte. */
function port(data: Uint8Array, at: number, name: string, sink: FieldSink): void {
  const value = read16(data, at);
  if (value >= EPHEMERAL_PORTS.low && value <= EPHEMERAL_PORTS.high) sink.variable(name, at, 2, Family.Port, value);
  else sink.exact(name, at, 2);
}

/** UDP [RFC 768]. */
function udp(data: Uint8Array, at: number, end: number, captured: boolean, source: number, destination: number, length: number, _ctx: NormaliseContext, sink: FieldSink, n: Names): void {
  if (end - at < 8) {
    sink.exact(n.udpBytes, at, end - at);
    return;
  }
  port(data, at, n.udpSport, sink);
  port(data, at + 2, n.udpDport, sink);
  sink.exact(n.udpLength, at + 4, 2);
  sink.token(n.udpChecksum, at + 6, 2, TokenKind.Checksum, judgeTransport(data, at + 6, at, end, source, destination, IpProtocol.Udp, length, captured));
  if (end > at + 8) sink.exact(n.udpPayload, at + 8, end - at - 8);
}

/** TCP [RFC 9293]: sequence numbers relative per connection, timestamps [RFC 7323] relative and tolerant. */
function tcp(data: Uint8Array, at: number, end: number, captured: boolean, quoted: boolean, source: number, destination: number, length: number, ctx: NormaliseContext, sink: FieldSink, n: Names): void {
  if (end - at < (quoted ? 8 : 20)) {
    sink.exact(n.tcpBytes, at, end - at);
    return;
  }
  const sport = read16(data, at);
  const dport = read16(data, at + 2);
  port(data, at, n.tcpSport, sink);
  port(data, at + 2, n.tcpDport, sink);
  const seq = read32(data, at + 4);
  const flags = data[at + 13]!;
  let view: TcpView | undefined;
  if (quoted) {
    const base = ctx.tcp.lookup(source, sport, destination, dport)?.forward.seq;
    if (base === undefined) sink.variable(n.tcpSeq, at + 4, 4, Family.TcpSeq, seq);
    else sink.token(n.tcpSeq, at + 4, 4, TokenKind.Relative, relative32(seq, base));
    if (end - at < 20) {
      if (end > at + 8) sink.exact(n.tcpBytes, at + 8, end - at - 8);
      return;
    }
    sink.exact(n.tcpAck, at + 8, 4);
  } else {
    view = ctx.tcp.view(source, sport, destination, dport, (flags & 0x12) === 0x02);
    view.forward.seq ??= seq;
    sink.token(n.tcpSeq, at + 4, 4, TokenKind.Relative, relative32(seq, view.forward.seq));
    // Without ACK the field means nothing and the kernel sends 0: compared as is.
    if (flags & 0x10) {
      const ack = read32(data, at + 8);
      view.reverse.seq ??= ack;
      sink.token(n.tcpAck, at + 8, 4, TokenKind.Relative, relative32(ack, view.reverse.seq));
    } else {
      sink.exact(n.tcpAck, at + 8, 4);
    }
  }
  sink.exact(n.tcpOffset, at + 12, 1);
  sink.exact(n.tcpFlags, at + 13, 1);
  sink.exact(n.tcpWindow, at + 14, 2);
  sink.token(n.tcpChecksum, at + 16, 2, TokenKind.Checksum, judgeTransport(data, at + 16, at, end, source, destination, IpProtocol.Tcp, length, captured && !quoted));
  sink.exact(n.tcpUrgent, at + 18, 2);
  const headerEnd = Math.min(end, at + Math.max(20, (data[at + 12]! >> 4) * 4));
  // A quoted segment's timestamps are its connection's (an ICMP error quoting a SYN): relative as the segment's own.
  tcpOptions(data, at + 20, headerEnd, view ?? (quoted ? ctx.tcp.lookup(source, sport, destination, dport) : undefined), sink, n);
  if (end > headerEnd) sink.exact(n.tcpPayload, headerEnd, end - headerEnd);
}

/** TCP options: the timestamps option's values made relative to the connection's; everything else byte for byte. */
function tcpOptions(data: Uint8Array, at: number, end: number, view: TcpView | undefined, sink: FieldSink, n: Names): void {
  let i = at;
  let plain = at;
  while (i < end) {
    const kind = data[i]!;
    if (kind === TcpOptionKind.EndOfList) break;
    if (kind === TcpOptionKind.NoOperation) {
      i++;
      continue;
    }
    if (i + 1 >= end) break;
    const len = data[i + 1]!;
    if (len < 2 || i + len > end) break;
    if (kind === TcpOptionKind.Timestamps && len === 10 && view) {
      if (i + 2 > plain) sink.exact(n.tcpOptions, plain, i + 2 - plain);
      const tsval = read32(data, i + 2);
      const tsecr = read32(data, i + 6);
      view.forward.tsval ??= tsval;
      sink.variable(n.tcpTsval, i + 2, 4, Family.TcpTimestamp, relative32(tsval, view.forward.tsval));
      if (tsecr === 0) sink.exact(n.tcpTsecr, i + 6, 4);
      else {
        view.reverse.tsval ??= tsecr;
        sink.variable(n.tcpTsecr, i + 6, 4, Family.TcpTimestamp, relative32(tsecr, view.reverse.tsval));
      }
      plain = i + len;
    }
    i += len;
  }
  if (end > plain) sink.exact(n.tcpOptions, plain, end - plain);
}

/** Whether a frame is one the kernel sends at random times: an IGMP report, or IPv6 (DESIGN.md §5). */
export function randomTimeVariation(data: Uint8Array): VariationName | undefined {
  if (data.length < 14) return undefined;
  let type = read16(data, 12);
  let l3 = 14;
  if (type === EtherType.Vlan && data.length >= 18) {
    type = read16(data, 16);
    l3 = 18;
  }
  if (type === EtherType.Ipv6) return Variation.Ipv6Noise;
  if (type !== EtherType.Ipv4 || data.length < l3 + 20 || data[l3 + 9] !== IpProtocol.Igmp) return undefined;
  const l4 = l3 + (data[l3]! & 0x0f) * 4;
  return l4 < data.length && IGMP_REPORTS.has(data[l4]!) ? Variation.IgmpReportTiming : undefined;
}

/** Whether a frame is ARP (its timing follows the neighbour timers). */
export function isArpFrame(data: Uint8Array): boolean {
  if (data.length < 14) return false;
  const type = read16(data, 12);
  return type === EtherType.Arp || (type === EtherType.Vlan && data.length >= 18 && read16(data, 16) === EtherType.Arp);
}

/**
 * A frame's shape, which two frames share when one is a changed copy of the other: fine (EtherType, and the IPv4
 * protocol and addresses, or the ARP operation and addresses), or coarse (EtherType and IPv4 protocol only).
 */
export function frameShape(data: Uint8Array, fine: boolean): number {
  if (data.length < 14) return -1;
  let type = read16(data, 12);
  let l3 = 14;
  if (type === EtherType.Vlan && data.length >= 18) {
    type = read16(data, 16);
    l3 = 18;
  }
  if (type === EtherType.Ipv4 && data.length >= l3 + 20) {
    const coarse = type * 256 + data[l3 + 9]!;
    return fine ? hashBytes(data, l3 + 12, l3 + 20, coarse) : coarse;
  }
  if (type === EtherType.Arp && fine && data.length >= l3 + 28) return hashBytes(data, l3 + 6, l3 + 8, type) + hashBytes(data, l3 + 14, l3 + 18) + hashBytes(data, l3 + 24, l3 + 28, 1);
  return type * 256;
}
