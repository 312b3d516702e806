import { internetChecksum, sum16 } from '../checksum.ts';
import { readIpv4, writeIpv4, type Ipv4Address } from '../ipv4.ts';
import { err, ok, type Result } from '../result.ts';
import { read16, read32, write16, write32, placePayload } from './bytes.ts';
import { judgeChecksum, type ChecksumCheck, type HeaderChecksumMode } from './checksum-field.ts';
import type { WireError } from './error.ts';

/*
 * IPv4 header [RFC 791 §3.1]:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: bit 0 reserved (must be zero), bit 1 DF, bit 2 MF. The fragment offset counts 8-byte units.
 */
const Field = {
  versionIhl: 0,
  tos: 1,
  totalLength: 2,
  identification: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  source: 12,
  destination: 16,
  options: 20,
} as const;

const FLAG_RESERVED = 0x8000;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/** The protocol numbers twinnet knows by name [IANA protocol-numbers]; any other is kept as its number. */
export const IpProtocol = { Icmp: 1, Igmp: 2, Tcp: 6, Udp: 17 } as const;

/** The header without options. */
export const IPV4_HEADER_LEN = 20;
/** The longest header: IHL 15. */
export const IPV4_MAX_HEADER_LEN = 60;

/**
 * A parsed IPv4 packet, every header field as on the wire. `totalLength` is as read (it may disagree with the bytes);
 * `payload` is what lies between the header and the total length, cut short where the bytes end.
 * `options` and `payload` are views into the parsed bytes, not copies.
 */
export interface Ipv4Repr {
  /** The whole type-of-service byte (DSCP and ECN), as tcpdump prints `tos 0xc0`. */
  readonly tos: number;
  readonly totalLength: number;
  readonly identification: number;
  /** The reserved flag bit [RFC 791], which must be zero. */
  readonly reservedFlag: boolean;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In bytes (the field times 8), as tcpdump prints `offset 1480`. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  /** The option bytes with their padding: the header is 20 + `options.length` bytes, so a multiple of 4 up to 40. */
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
}

/** The header length of `repr`: 20 + its option bytes. */
export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return IPV4_HEADER_LEN + repr.options.length;
}

/**
 * Parses an IPv4 header leniently, as a decoder needs it: the header (with its options) must be whole and well formed,
 * but the total length is only reported (`totalLength` may exceed the bytes, or be shorter than the header, in which
 * case the payload is empty). ICMP errors quote headers this way.
 */
export function parseIpv4Header(bytes: Uint8Array): Result<Ipv4Repr, WireError> {
  if (bytes.length < IPV4_HEADER_LEN) return err({ kind: 'truncated', protocol: 'ipv4', needed: IPV4_HEADER_LEN, available: bytes.length });
  const versionIhl = bytes[Field.versionIhl]!;
  if (versionIhl >>> 4 !== 4) return err({ kind: 'malformed', protocol: 'ipv4', field: 'version', reason: `version ${versionIhl >>> 4}, not 4` });
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LEN) return err({ kind: 'malformed', protocol: 'ipv4', field: 'ihl', reason: `header length ${headerLength} < 20` });
  if (bytes.length < headerLength) return err({ kind: 'truncated', protocol: 'ipv4', needed: headerLength, available: bytes.length });
  const totalLength = read16(bytes, Field.totalLength);
  const flagsFragment = read16(bytes, Field.flagsFragment);
  const payloadEnd = Math.max(headerLength, Math.min(totalLength, bytes.length));
  return ok({
    tos: bytes[Field.tos]!,
    totalLength,
    identification: read16(bytes, Field.identification),
    reservedFlag: (flagsFragment & FLAG_RESERVED) !== 0,
    dontFragment: (flagsFragment & FLAG_DF) !== 0,
    moreFragments: (flagsFragment & FLAG_MF) !== 0,
    fragmentOffset: (flagsFragment & FRAGMENT_OFFSET_MASK) * 8,
    ttl: bytes[Field.ttl]!,
    protocol: bytes[Field.protocol]!,
    checksum: read16(bytes, Field.checksum),
    source: readIpv4(bytes, Field.source),
    destination: readIpv4(bytes, Field.destination),
    options: bytes.subarray(Field.options, headerLength),
    payload: bytes.subarray(headerLength, payloadEnd),
  });
}

/**
 * Parses an IPv4 packet strictly, as a receiver does (net/ipv4/ip_input.c: ip_rcv_core()): also the total length
 * must cover the header and fit in the bytes. Bytes after the total length (Ethernet padding) are not payload.
 */
export function parseIpv4(bytes: Uint8Array): Result<Ipv4Repr, WireError> {
  const header = parseIpv4Header(bytes);
  if (!header.ok) return header;
  const { totalLength } = header.value;
  const headerLength = ipv4HeaderLen(header.value);
  if (totalLength < headerLength) {
    return err({ kind: 'malformed', protocol: 'ipv4', field: 'totalLength', reason: `total length ${totalLength} < header length ${headerLength}` });
  }
  if (totalLength > bytes.length) return err({ kind: 'truncated', protocol: 'ipv4', needed: totalLength, available: bytes.length });
  return header;
}

/**
 * Writes `repr` at `offset`: the header as given (its `totalLength` too), then the payload unless it already lies in
 * place. With `'full'` the header checksum is computed; with `'keep'` `repr.checksum` is written. Returns the bytes
 * written (header + payload).
 */
export function emitIpv4(repr: Ipv4Repr, buffer: Uint8Array, offset = 0, checksum: HeaderChecksumMode = 'full'): number {
  const headerLength = IPV4_HEADER_LEN + repr.options.length;
  buffer[offset + Field.versionIhl] = 0x40 | (headerLength >>> 2);
  buffer[offset + Field.tos] = repr.tos;
  write16(buffer, offset + Field.totalLength, repr.totalLength);
  write16(buffer, offset + Field.identification, repr.identification);
  write16(
    buffer,
    offset + Field.flagsFragment,
    (repr.reservedFlag ? FLAG_RESERVED : 0) | (repr.dontFragment ? FLAG_DF : 0) | (repr.moreFragments ? FLAG_MF : 0) | ((repr.fragmentOffset >>> 3) & FRAGMENT_OFFSET_MASK),
  );
  buffer[offset + Field.ttl] = repr.ttl;
  buffer[offset + Field.protocol] = repr.protocol;
  write16(buffer, offset + Field.checksum, checksum === 'keep' ? repr.checksum : 0);
  writeIpv4(buffer, offset + Field.source, repr.source);
  writeIpv4(buffer, offset + Field.destination, repr.destination);
  buffer.set(repr.options, offset + Field.options);
  if (checksum === 'full') write16(buffer, offset + Field.checksum, internetChecksum(buffer, offset, offset + headerLength));
  placePayload(repr.payload, buffer, offset + headerLength);
  return headerLength + repr.payload.length;
}

/** Judges the header checksum of the packet in `bytes` (over its IHL·4 header bytes) [RFC 791]. */
export function checkIpv4Checksum(bytes: Uint8Array): ChecksumCheck {
  const end = Math.min(bytes.length, ((bytes[0] ?? 0) & 0x0f) * 4);
  return judgeChecksum(read16(bytes, Field.checksum), sum16(bytes, 0, end));
}

/**
 * A view over an IPv4 packet for reading and rewriting fields in place (forwarding, NAT), after the bytes were
 * checked once (smoltcp wire::Ipv4Packet). Setters leave the checksum alone: update it with core/checksum.ts
 * (RFC 1624) or `fillChecksum()`.
 */
export class Ipv4Packet {
  private constructor(readonly bytes: Uint8Array) {}

  /** Checks `bytes` as `parseIpv4` does; every getter is safe afterwards. */
  static checked(bytes: Uint8Array): Result<Ipv4Packet, WireError> {
    const parsed = parseIpv4(bytes);
    return parsed.ok ? ok(new Ipv4Packet(bytes)) : parsed;
  }

  /** Wraps bytes known to hold a whole header, e.g. one just emitted. */
  static unchecked(bytes: Uint8Array): Ipv4Packet {
    return new Ipv4Packet(bytes);
  }

  get headerLength(): number {
    return (this.bytes[Field.versionIhl]! & 0x0f) * 4;
  }
  get tos(): number {
    return this.bytes[Field.tos]!;
  }
  set tos(value: number) {
    this.bytes[Field.tos] = value;
  }
  get totalLength(): number {
    return read16(this.bytes, Field.totalLength);
  }
  get identification(): number {
    return read16(this.bytes, Field.identification);
  }
  set identification(value: number) {
    write16(this.bytes, Field.identification, value);
  }
  get dontFragment(): boolean {
    return (read16(this.bytes, Field.flagsFragment) & FLAG_DF) !== 0;
  }
  get moreFragments(): boolean {
    return (read16(this.bytes, Field.flagsFragment) & FLAG_MF) !== 0;
  }
  /** In bytes. */
  get fragmentOffset(): number {
    return (read16(this.bytes, Field.flagsFragment) & FRAGMENT_OFFSET_MASK) * 8;
  }
  get ttl(): number {
    return this.bytes[Field.ttl]!;
  }
  set ttl(value: number) {
    this.bytes[Field.ttl] = value;
  }
  get protocol(): number {
    return this.bytes[Field.protocol]!;
  }
  get checksum(): number {
    return read16(this.bytes, Field.checksum);
  }
  set checksum(value: number) {
    write16(this.bytes, Field.checksum, value);
  }
  get source(): Ipv4Address {
    return readIpv4(this.bytes, Field.source);
  }
  set source(value: Ipv4Address) {
    writeIpv4(this.bytes, Field.source, value);
  }
  get destination(): Ipv4Address {
    return readIpv4(this.bytes, Field.destination);
  }
  set destination(value: Ipv4Address) {
    writeIpv4(this.bytes, Field.destination, value);
  }
  /** The payload up to the total length (a view). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength, this.totalLength);
  }
  /** Recomputes the header checksum. */
  fillChecksum(): void {
    write16(this.bytes, Field.checksum, 0);
    write16(this.bytes, Field.checksum, internetChecksum(this.bytes, 0, this.headerLength));
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Options [RFC 791 §3.1, RFC 2113]                                                                                  */

/** Option types twinnet interprets [IANA ip-parameters]. */
export const Ipv4OptionType = {
  EndOfList: 0,
  NoOperation: 1,
  RecordRoute: 7,
  Timestamp: 68,
  LooseSourceRoute: 131,
  StrictSourceRoute: 137,
  RouterAlert: 148,
} as const;

/** One timestamp slot: flag 0 records timestamps only, flags 1 and 3 an address with each. */
export interface Ipv4TimestampEntry {
  readonly address?: Ipv4Address;
  readonly timestamp: number;
}

/**
 * A parsed IPv4 option. A known type whose length its format cannot have is `unknown` (its bytes kept); a length
 * below 2 or past the end is `malformed` and ends the list, as tcpdump's ip_optprint() stops there.
 */
export type Ipv4Option =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  /** Record route / source routes [RFC 791]: the pointer as read (1-based, 4 = first slot) and every slot. */
  | { readonly kind: 'recordRoute' | 'looseSourceRoute' | 'strictSourceRoute'; readonly pointer: number; readonly addresses: readonly Ipv4Address[] }
  /** Router alert [RFC 2113]: value 0 means "examine this packet". */
  | { readonly kind: 'routerAlert'; readonly value: number }
  /** Internet timestamp [RFC 791]: pointer (1-based, 5 = first slot), overflow count, flag, every slot. */
  | { readonly kind: 'timestamp'; readonly pointer: number; readonly overflow: number; readonly flag: number; readonly entries: readonly Ipv4TimestampEntry[] }
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array }
  | { readonly kind: 'malformed'; readonly type: number; readonly bytes: Uint8Array };

const ROUTE_KINDS = { [Ipv4OptionType.RecordRoute]: 'recordRoute', [Ipv4OptionType.LooseSourceRoute]: 'looseSourceRoute', [Ipv4OptionType.StrictSourceRoute]: 'strictSourceRoute' } as const;

/** Parses option bytes (an `Ipv4Repr`'s `options`) into a list, stopping after an end-of-list option; never fails. */
export function parseIpv4Options(options: Uint8Array): Ipv4Option[] {
  const list: Ipv4Option[] = [];
  let at = 0;
  while (at < options.length) {
    const type = options[at]!;
    if (type === Ipv4OptionType.EndOfList) {
      list.push({ kind: 'eol' });
      break;
    }
    if (type === Ipv4OptionType.NoOperation) {
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

function parseOneOption(type: number, option: Uint8Array): Ipv4Option {
  const length = option.length;
  if (type === Ipv4OptionType.RecordRoute || type === Ipv4OptionType.LooseSourceRoute || type === Ipv4OptionType.StrictSourceRoute) {
    if (length >= 3 && (length - 3) % 4 === 0) {
      const addresses: Ipv4Address[] = [];
      for (let i = 3; i < length; i += 4) addresses.push(readIpv4(option, i));
      return { kind: ROUTE_KINDS[type], pointer: option[2]!, addresses };
    }
  } else if (type === Ipv4OptionType.RouterAlert) {
    if (length === 4) return { kind: 'routerAlert', value: read16(option, 2) };
  } else if (type === Ipv4OptionType.Timestamp && length >= 4) {
    const flag = option[3]! & 0x0f;
    const slot = flag === 0 ? 4 : 8;
    if ((length - 4) % slot === 0) {
      const entries: Ipv4TimestampEntry[] = [];
      for (let i = 4; i < length; i += slot) entries.push(slot === 4 ? { timestamp: read32(option, i) } : { address: readIpv4(option, i), timestamp: read32(option, i + 4) });
      return { kind: 'timestamp', pointer: option[2]!, overflow: option[3]! >>> 4, flag, entries };
    }
  }
  return { kind: 'unknown', type, data: option.subarray(2) };
}

/** The encoded length of one option. */
function optionLen(option: Ipv4Option): number {
  switch (option.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'recordRoute':
    case 'looseSourceRoute':
    case 'strictSourceRoute':
      return 3 + 4 * option.addresses.length;
    case 'routerAlert':
      return 4;
    case 'timestamp':
      return 4 + (option.flag === 0 ? 4 : 8) * option.entries.length;
    case 'unknown':
      return 2 + option.data.length;
    case 'malformed':
      return option.bytes.length;
  }
}

/**
 * Encodes options in order and pads them with zero bytes (end of list) to a multiple of 4, ready for an `Ipv4Repr`.
 * `parseIpv4Options` gives the list back, with one `eol` more when padding was needed.
 */
export function encodeIpv4Options(list: readonly Ipv4Option[]): Uint8Array {
  let length = 0;
  for (const option of list) length += optionLen(option);
  const out = new Uint8Array((length + 3) & ~3);
  let at = 0;
  for (const option of list) {
    switch (option.kind) {
      case 'eol':
        out[at] = Ipv4OptionType.EndOfList;
        break;
      case 'nop':
        out[at] = Ipv4OptionType.NoOperation;
        break;
      case 'recordRoute':
      case 'looseSourceRoute':
      case 'strictSourceRoute':
        out[at] = option.kind === 'recordRoute' ? Ipv4OptionType.RecordRoute : option.kind === 'looseSourceRoute' ? Ipv4OptionType.LooseSourceRoute : Ipv4OptionType.StrictSourceRoute;
        out[at + 1] = optionLen(option);
        out[at + 2] = option.pointer;
        option.addresses.forEach((address, i) => writeIpv4(out, at + 3 + 4 * i, address));
        break;
      case 'routerAlert':
        out[at] = Ipv4OptionType.RouterAlert;
        out[at + 1] = 4;
        write16(out, at + 2, option.value);
        break;
      case 'timestamp': {
        out[at] = Ipv4OptionType.Timestamp;
        out[at + 1] = optionLen(option);
        out[at + 2] = option.pointer;
        out[at + 3] = (option.overflow << 4) | option.flag;
        let slot = at + 4;
        for (const entry of option.entries) {
          if (option.flag !== 0) {
            writeIpv4(out, slot, entry.address ?? 0);
            slot += 4;
          }
          write32(out, slot, entry.timestamp);
          slot += 4;
        }
        break;
      }
      case 'unknown':
        out[at] = option.type;
        out[at + 1] = 2 + option.data.length;
        out.set(option.data, at + 2);
        break;
      case 'malformed':
        out.set(option.bytes, at);
        break;
    }
    at += optionLen(option);
  }
  return out;
}
