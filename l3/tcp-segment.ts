import { readIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { write32 } from '../core/wire/bytes.ts';
import type { ChecksumMode } from '../core/wire/checksum-field.ts';
import { IpProtocol } from '../core/wire/ipv4.ts';
import { checkTcpChecksum, emitTcp, parseTcp, parseTcpOptions, TCP_HEADER_LEN, TcpFlag, type SackBlock } from '../core/wire/tcp.ts';
import { buildDatagram } from './ipv4.ts';

/** The options of a received segment that TCP acts on (tcp_parse_options(): struct tcp_options_received). */
export interface ReceivedOptions {
  readonly mss: number | undefined;
  readonly windowScale: number | undefined;
  readonly sackPermitted: boolean;
  /** TSval and TSecr [RFC 7323]. */
  readonly timestamp: { readonly value: number; readonly echoReply: number } | undefined;
  readonly sack: readonly SackBlock[];
}

/** A received segment, checked (checksum valid or partial) and parsed, with its addresses. */
export interface Segment {
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  /** The window field as sent (unscaled). */
  readonly window: number;
  readonly options: ReceivedOptions;
  readonly payload: Uint8Array;
  /** The sequence space the segment occupies: payload, plus one for SYN and one for FIN (TCP_SKB_CB end_seq - seq). */
  readonly length: number;
  readonly tos: number;
  /** The IPv4 header it came with (its options are echoed in the kernel's replies: ip_options_echo()). */
  readonly ipHeader: Uint8Array;
}

/**
 * tcp_v4_rcv() up to the socket lookup: the header must be whole and the checksum valid, or equal to the partial
 * sum a sender over an offloading device leaves (CHECKSUM_PARTIAL travels with the packet across veth). Returns
 * the segment, or the drop reason.
 */
export function parseSegment(datagram: Uint8Array): Segment | 'malformed' | 'bad checksum' {
  const headerLength = (datagram[0]! & 0x0f) * 4;
  const totalLength = (datagram[2]! << 8) | datagram[3]!;
  const bytes = datagram.subarray(headerLength, totalLength);
  const parsed = parseTcp(bytes);
  if (!parsed.ok) return 'malformed';
  const source = readIpv4(datagram, 12);
  const destination = readIpv4(datagram, 16);
  const check = checkTcpChecksum(bytes, source, destination);
  if (!check.valid && !check.partial) return 'bad checksum';
  const tcp = parsed.value;
  let mss: number | undefined;
  let windowScale: number | undefined;
  let sackPermitted = false;
  let timestamp: ReceivedOptions['timestamp'];
  let sack: readonly SackBlock[] = [];
  const syn = (tcp.flags & TcpFlag.Syn) !== 0;
  for (const option of parseTcpOptions(tcp.options)) {
    switch (option.kind) {
      case 'mss':
        if (syn) mss = option.value;
        break;
      case 'windowScale':
        // tcp_parse_options(): a shift above 14 is taken as 14 (TCP_MAX_WSCALE).
        if (syn) windowScale = Math.min(option.shift, 14);
        break;
      case 'sackPermitted':
        if (syn) sackPermitted = true;
        break;
      case 'timestamps':
        timestamp = { value: option.value, echoReply: option.echoReply };
        break;
      case 'sack':
        sack = option.blocks;
        break;
    }
  }
  const payload = tcp.payload;
  return {
    source,
    destination,
    sourcePort: tcp.sourcePort,
    destinationPort: tcp.destinationPort,
    seq: tcp.sequenceNumber,
    ack: tcp.acknowledgmentNumber,
    flags: tcp.flags,
    window: tcp.window,
    options: { mss, windowScale, sackPermitted, timestamp, sack },
    payload,
    length: payload.length + (syn ? 1 : 0) + (tcp.flags & TcpFlag.Fin ? 1 : 0),
    tos: datagram[1]!,
    ipHeader: datagram.subarray(0, headerLength),
  };
}

/** The options Linux puts on a segment (tcp_options_write()), in its order and with its NOP padding. */
export interface SentOptions {
  readonly mss?: number;
  readonly sackPermitted?: boolean;
  readonly timestamp?: { readonly value: number; readonly echoReply: number };
  readonly windowScale?: number;
  readonly sack?: readonly SackBlock[];
}

/**
 * tcp_options_write(): MSS; SACK-permitted and timestamps sharing a word (`04 02 08 0a`), or NOP NOP before
 * either alone; NOP and window scale; NOP NOP and the SACK blocks. Every option word is 4 bytes, so no padding
 * follows.
 */
export function encodeSentOptions(o: SentOptions): Uint8Array {
  const words: number[] = [];
  if (o.mss !== undefined) words.push((2 << 24) | (4 << 16) | o.mss);
  if (o.timestamp) {
    words.push(o.sackPermitted ? (4 << 24) | (2 << 16) | (8 << 8) | 10 : (1 << 24) | (1 << 16) | (8 << 8) | 10);
    words.push(o.timestamp.value, o.timestamp.echoReply);
  } else if (o.sackPermitted) {
    words.push((1 << 24) | (1 << 16) | (4 << 8) | 2);
  }
  if (o.windowScale !== undefined) words.push((1 << 24) | (3 << 16) | (3 << 8) | o.windowScale);
  if (o.sack && o.sack.length > 0) {
    words.push((1 << 24) | (1 << 16) | (5 << 8) | (2 + 8 * o.sack.length));
    for (const block of o.sack) words.push(block.left, block.right);
  }
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((w, i) => write32(bytes, i * 4, w >>> 0));
  return bytes;
}

/** What a TCP segment to send needs: the IP fields and the TCP header's. */
export interface OutgoingSegment {
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
  readonly ttl: number;
  readonly tos: number;
  readonly identification: number;
  /** 'partial' for a socket's segments (offloaded, __tcp_v4_send_check()), 'full' for the kernel's replies. */
  readonly checksum: Exclude<ChecksumMode, 'keep'>;
  /** IPv4 options (a reply's echoed record route, l3/ip-options.ts). */
  readonly ipOptions?: Uint8Array;
}

/** Builds the frame (14 bytes of headroom, then the IPv4 datagram, DF set as for every TCP packet) of a segment. */
export function buildSegment(s: OutgoingSegment): Uint8Array {
  const length = TCP_HEADER_LEN + s.options.length + s.payload.length;
  return buildDatagram(
    { source: s.source, destination: s.destination, protocol: IpProtocol.Tcp, ttl: s.ttl, tos: s.tos, identification: s.identification, dontFragment: true, ...(s.ipOptions ? { options: s.ipOptions } : {}) },
    length,
    (buf, at) => {
      emitTcp(
        {
          sourcePort: s.sourcePort,
          destinationPort: s.destinationPort,
          sequenceNumber: s.seq,
          acknowledgmentNumber: s.ack,
          reserved: 0,
          flags: s.flags,
          window: s.window,
          checksum: 0,
          urgentPointer: 0,
          options: s.options,
          payload: s.payload,
        },
        buf,
        at,
        s.checksum,
        s.source,
        s.destination,
      );
    },
  );
}
