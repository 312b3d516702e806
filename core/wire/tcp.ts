import { finish, partialChecksum, pseudoHeaderSum, sum16 } from '../checksum.ts';
import type { Ipv4Address } from '../ipv4.ts';
import { err, ok, type Result } from '../result.ts';
import { placePayload, read16, read32, write16, write32 } from './bytes.ts';
import { judgeTransportChecksum, type ChecksumMode, type TransportChecksumCheck } from './checksum-field.ts';
import type { WireError } from './error.ts';
import { IpProtocol } from './ipv4.ts';

/*
 * TCP header [RFC 9293 §3.1]:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |       |       |R|E|G|K|H|T|N|N|                               |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                      [Options]                |   [Padding]   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
const Field = {
  sourcePort: 0,
  destinationPort: 2,
  sequenceNumber: 4,
  acknowledgmentNumber: 8,
  dataOffset: 12,
  flags: 13,
  window: 14,
  checksum: 16,
  urgentPointer: 18,
  options: 20,
} as const;

/** The control bits [RFC 9293 §3.1, RFC 3168 for ECE and CWR], as the bit mask of the flags byte. */
export const TcpFlag = { Fin: 0x01, Syn: 0x02, Rst: 0x04, Psh: 0x08, Ack: 0x10, Urg: 0x20, Ece: 0x40, Cwr: 0x80 } as const;

/** The header without options. */
export const TCP_HEADER_LEN = 20;
/** The longest header: data offset 15. */
export const TCP_MAX_HEADER_LEN = 60;

/** A parsed TCP segment, every header field as on the wire; `options` and `payload` are views into the parsed bytes. */
export interface TcpRepr {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequenceNumber: number;
  readonly acknowledgmentNumber: number;
  /** The four reserved bits between data offset and CWR. */
  readonly reserved: number;
  /** The control bits, a mask of `TcpFlag`. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgentPointer: number;
  /** Option bytes with their padding: the header is 20 + `options.length` bytes (data offset · 4). */
  readonly options: Uint8Array;
  /** Everything after the header: the segment's bytes end where the IP payload ends. */
  readonly payload: Uint8Array;
}

/** The header length of `repr`: 20 + its option bytes. */
export function tcpHeaderLen(repr: TcpRepr): number {
  return TCP_HEADER_LEN + repr.options.length;
}

/** Parses a TCP segment (the whole IP payload): the header and its options must be there, data offset at least 5. */
export function parseTcp(bytes: Uint8Array): Result<TcpRepr, WireError> {
  if (bytes.length < TCP_HEADER_LEN) return err({ kind: 'truncated', protocol: 'tcp', needed: TCP_HEADER_LEN, available: bytes.length });
  const headerLength = (bytes[Field.dataOffset]! >>> 4) * 4;
  if (headerLength < TCP_HEADER_LEN) return err({ kind: 'malformed', protocol: 'tcp', field: 'dataOffset', reason: `header length ${headerLength} < 20` });
  if (bytes.length < headerLength) return err({ kind: 'truncated', protocol: 'tcp', needed: headerLength, available: bytes.length });
  return ok({
    sourcePort: read16(bytes, Field.sourcePort),
    destinationPort: read16(bytes, Field.destinationPort),
    sequenceNumber: read32(bytes, Field.sequenceNumber),
    acknowledgmentNumber: read32(bytes, Field.acknowledgmentNumber),
    reserved: bytes[Field.dataOffset]! & 0x0f,
    flags: bytes[Field.flags]!,
    window: read16(bytes, Field.window),
    checksum: read16(bytes, Field.checksum),
    urgentPointer: read16(bytes, Field.urgentPointer),
    options: bytes.subarray(Field.options, headerLength),
    payload: bytes.subarray(headerLength),
  });
}

/**
 * Writes `repr` at `offset`, then the payload unless already in place. The checksum is `'full'` (pseudo-header from
 * `source`/`destination`), `'partial'` (the pseudo-header sum an offloading sender leaves, as a veth capture shows)
 * or `'keep'` (`repr.checksum`). Returns header + payload length.
 */
export function emitTcp(repr: TcpRepr, buffer: Uint8Array, offset: number, checksum: ChecksumMode, source: Ipv4Address, destination: Ipv4Address): number {
  const headerLength = TCP_HEADER_LEN + repr.options.length;
  const length = headerLength + repr.payload.length;
  write16(buffer, offset + Field.sourcePort, repr.sourcePort);
  write16(buffer, offset + Field.destinationPort, repr.destinationPort);
  write32(buffer, offset + Field.sequenceNumber, repr.sequenceNumber);
  write32(buffer, offset + Field.acknowledgmentNumber, repr.acknowledgmentNumber);
  buffer[offset + Field.dataOffset] = ((headerLength >>> 2) << 4) | (repr.reserved & 0x0f);
  buffer[offset + Field.flags] = repr.flags;
  write16(buffer, offset + Field.window, repr.window);
  write16(buffer, offset + Field.urgentPointer, repr.urgentPointer);
  buffer.set(repr.options, offset + Field.options);
  placePayload(repr.payload, buffer, offset + headerLength);
  let value = repr.checksum;
  if (checksum === 'partial') {
    value = partialChecksum(source, destination, IpProtocol.Tcp, length);
  } else if (checksum === 'full') {
    write16(buffer, offset + Field.checksum, 0);
    value = finish(sum16(buffer, offset, offset + length, pseudoHeaderSum(source, destination, IpProtocol.Tcp, length)));
  }
  write16(buffer, offset + Field.checksum, value);
  return length;
}

/** Judges the checksum of the segment in `bytes` (all of them: the IP payload), as tcpdump's tcp_cksum() does. */
export function checkTcpChecksum(bytes: Uint8Array, source: Ipv4Address, destination: Ipv4Address): TransportChecksumCheck {
  const sum = sum16(bytes, 0, bytes.length, pseudoHeaderSum(source, destination, IpProtocol.Tcp, bytes.length));
  return judgeTransportChecksum(read16(bytes, Field.checksum), sum, source, destination, IpProtocol.Tcp, bytes.length);
}

/** A view over a checked TCP segment for rewriting fields in place (NAT); setters leave the checksum alone. */
export class TcpSegment {
  private constructor(readonly bytes: Uint8Array) {}

  /** Checks `bytes` as `parseTcp` does. */
  static checked(bytes: Uint8Array): Result<TcpSegment, WireError> {
    const parsed = parseTcp(bytes);
    return parsed.ok ? ok(new TcpSegment(bytes)) : parsed;
  }

  /** Wraps bytes known to hold a whole header, e.g. one just emitted. */
  static unchecked(bytes: Uint8Array): TcpSegment {
    return new TcpSegment(bytes);
  }

  get sourcePort(): number {
    return read16(this.bytes, Field.sourcePort);
  }
  set sourcePort(value: number) {
    write16(this.bytes, Field.sourcePort, value);
  }
  get destinationPort(): number {
    return read16(this.bytes, Field.destinationPort);
  }
  set destinationPort(value: number) {
    write16(this.bytes, Field.destinationPort, value);
  }
  get sequenceNumber(): number {
    return read32(this.bytes, Field.sequenceNumber);
  }
  get acknowledgmentNumber(): number {
    return read32(this.bytes, Field.acknowledgmentNumber);
  }
  get flags(): number {
    return this.bytes[Field.flags]!;
  }
  get window(): number {
    return read16(this.bytes, Field.window);
  }
  get checksum(): number {
    return read16(this.bytes, Field.checksum);
  }
  set checksum(value: number) {
    write16(this.bytes, Field.checksum, value);
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Options [RFC 9293 §3.2, RFC 7323, RFC 2018]                                                                       */

/** Option kinds twinnet interprets [IANA tcp-parameters]. */
export const TcpOptionKind = { EndOfList: 0, NoOperation: 1, MaximumSegmentSize: 2, WindowScale: 3, SackPermitted: 4, Sack: 5, Timestamps: 8 } as const;

/** A SACK block [RFC 2018]: left edge, and right edge (the sequence number after the block). */
export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

/**
 * A parsed TCP option; `type` is the option-kind number. A known kind with a length its format cannot have is
 * `unknown` (its bytes kept, as tcpdump prints `[len N]`); a length below 2 or past the end is `malformed` and ends
 * the list, as net/ipv4/tcp_input.c: tcp_parse_options() stops there.
 */
export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'windowScale'; readonly shift: number }
  | { readonly kind: 'sackPermitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly SackBlock[] }
  /** [RFC 7323]: TSval and TSecr. */
  | { readonly kind: 'timestamps'; readonly value: number; readonly echoReply: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array }
  | { readonly kind: 'malformed'; readonly type: number; readonly bytes: Uint8Array };

/** Parses option bytes (a `TcpRepr`'s `options`) into a list, stopping after an end-of-list option; never fails. */
export function parseTcpOptions(options: Uint8Array): TcpOption[] {
  const list: TcpOption[] = [];
  let at = 0;
  while (at < options.length) {
    const type = options[at]!;
    if (type === TcpOptionKind.EndOfList) {
      list.push({ kind: 'eol' });
      break;
    }
    if (type === TcpOptionKind.NoOperation) {
      list.push({ kind: 'nop' });
      at += 1;
      continue;
    }
    const length = options[at + 1];
    if (length === undefined || length < 2 || at + length > options.length) {
      list.push({ kind: 'malformed', type, bytes: options.subarray(at) });
      break;
    }
    list.push(parseOneOption(type, options.subarray(at, at + length)));
    at += length;
  }
  return list;
}

function parseOneOption(type: number, option: Uint8Array): TcpOption {
  const length = option.length;
  switch (type) {
    case TcpOptionKind.MaximumSegmentSize:
      if (length === 4) return { kind: 'mss', value: read16(option, 2) };
      break;
    case TcpOptionKind.WindowScale:
      if (length === 3) return { kind: 'windowScale', shift: option[2]! };
      break;
    case TcpOptionKind.SackPermitted:
      if (length === 2) return { kind: 'sackPermitted' };
      break;
    case TcpOptionKind.Sack:
      if ((length - 2) % 8 === 0) {
        const blocks: SackBlock[] = [];
        for (let i = 2; i < length; i += 8) blocks.push({ left: read32(option, i), right: read32(option, i + 4) });
        return { kind: 'sack', blocks };
      }
      break;
    case TcpOptionKind.Timestamps:
      if (length === 10) return { kind: 'timestamps', value: read32(option, 2), echoReply: read32(option, 6) };
      break;
  }
  return { kind: 'unknown', type, data: option.subarray(2) };
}

function optionLen(option: TcpOption): number {
  switch (option.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'windowScale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * option.blocks.length;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + option.data.length;
    case 'malformed':
      return option.bytes.length;
  }
}

/**
 * Encodes options in order and pads them with zero bytes (end of list) to a multiple of 4, ready for a `TcpRepr`
 * (Linux itself pads with explicit NOPs, e.g. `nop,wscale 7`). `parseTcpOptions` gives the list back, with one `eol`
 * more when padding was needed.
 */
export function encodeTcpOptions(list: readonly TcpOption[]): Uint8Array {
  let length = 0;
  for (const option of list) length += optionLen(option);
  const out = new Uint8Array((length + 3) & ~3);
  let at = 0;
  for (const option of list) {
    const size = optionLen(option);
    switch (option.kind) {
      case 'eol':
        out[at] = TcpOptionKind.EndOfList;
        break;
      case 'nop':
        out[at] = TcpOptionKind.NoOperation;
        break;
      case 'mss':
        out.set([TcpOptionKind.MaximumSegmentSize, size], at);
        write16(out, at + 2, option.value);
        break;
      case 'windowScale':
        out.set([TcpOptionKind.WindowScale, size, option.shift], at);
        break;
      case 'sackPermitted':
        out.set([TcpOptionKind.SackPermitted, size], at);
        break;
      case 'sack':
        out.set([TcpOptionKind.Sack, size], at);
        option.blocks.forEach((block, i) => {
          write32(out, at + 2 + 8 * i, block.left);
          write32(out, at + 6 + 8 * i, block.right);
        });
        break;
      case 'timestamps':
        out.set([TcpOptionKind.Timestamps, size], at);
        write32(out, at + 2, option.value);
        write32(out, at + 6, option.echoReply);
        break;
      case 'unknown':
        out.set([option.type, size], at);
        out.set(option.data, at + 2);
        break;
      case 'malformed':
        out.set(option.bytes, at);
        break;
    }
    at += size;
  }
  return out;
}
