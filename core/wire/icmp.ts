import { internetChecksum, sum16 } from '../checksum.ts';
import { readIpv4, writeIpv4, type Ipv4Address } from '../ipv4.ts';
import { err, ok, type Result } from '../result.ts';
import { placePayload, read16, read32, write16, write32 } from './bytes.ts';
import { judgeChecksum, type ChecksumCheck, type HeaderChecksumMode } from './checksum-field.ts';
import type { WireError } from './error.ts';

/*
 * ICMP message [RFC 792]:
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   |                Rest of header (by type, 4 bytes)              |
 *   |                Data ...                                       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Rest of header: echo and echo reply, identifier | sequence number; destination unreachable, unused(16) |
 * next-hop MTU(16) [RFC 1191]; source quench and time exceeded, unused(32); redirect, gateway address; parameter
 * problem, pointer(8) | unused(24); timestamp and reply, identifier | sequence number, then originate, receive and
 * transmit timestamps (4 bytes each). Errors carry the original datagram: its IP header and at least 8 bytes more.
 * The checksum covers the whole message.
 */
const Field = { type: 0, code: 1, checksum: 2, rest: 4, data: 8 } as const;

/** ICMP types [RFC 792, IANA icmp-parameters]; any other is kept as its number. */
export const IcmpType = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParameterProblem: 12,
  TimestampRequest: 13,
  TimestampReply: 14,
} as const;

/** Destination unreachable codes 0–15 [RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1] (include/uapi/linux/icmp.h). */
export const IcmpUnreachableCode = {
  NetUnreachable: 0,
  HostUnreachable: 1,
  ProtocolUnreachable: 2,
  PortUnreachable: 3,
  FragmentationNeeded: 4,
  SourceRouteFailed: 5,
  NetUnknown: 6,
  HostUnknown: 7,
  HostIsolated: 8,
  NetProhibited: 9,
  HostProhibited: 10,
  NetUnreachableForTos: 11,
  HostUnreachableForTos: 12,
  AdministrativelyProhibited: 13,
  HostPrecedenceViolation: 14,
  PrecedenceCutoff: 15,
} as const;

/** Time exceeded codes [RFC 792]. */
export const IcmpTimeExceededCode = { TtlExceeded: 0, FragmentReassemblyTimeExceeded: 1 } as const;

/** Redirect codes [RFC 792]. */
export const IcmpRedirectCode = { Network: 0, Host: 1, TosNetwork: 2, TosHost: 3 } as const;

/** The ICMP header: type, code, checksum, rest of header. */
export const ICMP_HEADER_LEN = 8;
/** A timestamp or timestamp reply message. */
export const ICMP_TIMESTAMP_LEN = 20;

/** Echo request or reply [RFC 792]: `data` is the echoed payload (iputils: a timeval, then 0x10, 0x11, …). */
export interface IcmpEchoRepr {
  readonly kind: 'echoRequest' | 'echoReply';
  readonly code: number;
  readonly checksum: number;
  readonly identifier: number;
  readonly sequenceNumber: number;
  readonly data: Uint8Array;
}

/** Destination unreachable [RFC 792]; `nextHopMtu` is meaningful for code 4 [RFC 1191], `unused` keeps the high 16 bits. */
export interface IcmpDestinationUnreachableRepr {
  readonly kind: 'destinationUnreachable';
  readonly code: number;
  readonly checksum: number;
  readonly nextHopMtu: number;
  readonly unused?: number;
  /** The original datagram: its IP header and as many bytes after it as were quoted. */
  readonly data: Uint8Array;
}

/** Time exceeded (code 0 TTL, 1 reassembly) or source quench [RFC 792]; `unused` keeps the 32 rest-of-header bits. */
export interface IcmpTimeExceededRepr {
  readonly kind: 'timeExceeded' | 'sourceQuench';
  readonly code: number;
  readonly checksum: number;
  readonly unused?: number;
  /** The original datagram. */
  readonly data: Uint8Array;
}

/** Redirect [RFC 792]: use `gateway` for the original datagram's destination. */
export interface IcmpRedirectRepr {
  readonly kind: 'redirect';
  readonly code: number;
  readonly checksum: number;
  readonly gateway: Ipv4Address;
  /** The original datagram. */
  readonly data: Uint8Array;
}

/** Parameter problem [RFC 792]: `pointer` is the octet in error; `unused` keeps the low 24 bits. */
export interface IcmpParameterProblemRepr {
  readonly kind: 'parameterProblem';
  readonly code: number;
  readonly checksum: number;
  readonly pointer: number;
  readonly unused?: number;
  /** The original datagram. */
  readonly data: Uint8Array;
}

/** Timestamp or timestamp reply [RFC 792]: milliseconds since midnight UT; `data` is anything after the 20 bytes. */
export interface IcmpTimestampRepr {
  readonly kind: 'timestampRequest' | 'timestampReply';
  readonly code: number;
  readonly checksum: number;
  readonly identifier: number;
  readonly sequenceNumber: number;
  readonly originateTimestamp: number;
  readonly receiveTimestamp: number;
  readonly transmitTimestamp: number;
  readonly data: Uint8Array;
}

/** Any other type: the 4 rest-of-header bytes as a number and the data after them. */
export interface IcmpOtherRepr {
  readonly kind: 'other';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly restOfHeader: number;
  readonly data: Uint8Array;
}

/** A parsed ICMP message; `data` is a view into the parsed bytes. */
export type IcmpRepr =
  | IcmpEchoRepr
  | IcmpDestinationUnreachableRepr
  | IcmpTimeExceededRepr
  | IcmpRedirectRepr
  | IcmpParameterProblemRepr
  | IcmpTimestampRepr
  | IcmpOtherRepr;

/** The ICMP type number of `repr`. */
export function icmpType(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echoRequest':
      return IcmpType.EchoRequest;
    case 'echoReply':
      return IcmpType.EchoReply;
    case 'destinationUnreachable':
      return IcmpType.DestinationUnreachable;
    case 'timeExceeded':
      return IcmpType.TimeExceeded;
    case 'sourceQuench':
      return IcmpType.SourceQuench;
    case 'redirect':
      return IcmpType.Redirect;
    case 'parameterProblem':
      return IcmpType.ParameterProblem;
    case 'timestampRequest':
      return IcmpType.TimestampRequest;
    case 'timestampReply':
      return IcmpType.TimestampReply;
    case 'other':
      return repr.type;
  }
}

/** The message length of `repr`. */
export function icmpLen(repr: IcmpRepr): number {
  const fixed = repr.kind === 'timestampRequest' || repr.kind === 'timestampReply' ? ICMP_TIMESTAMP_LEN : ICMP_HEADER_LEN;
  return fixed + repr.data.length;
}

/** Parses an ICMP message (the whole IP payload); unknown types are values, a short timestamp is truncated. */
export function parseIcmp(bytes: Uint8Array): Result<IcmpRepr, WireError> {
  if (bytes.length < ICMP_HEADER_LEN) return err({ kind: 'truncated', protocol: 'icmp', needed: ICMP_HEADER_LEN, available: bytes.length });
  const type = bytes[Field.type]!;
  const code = bytes[Field.code]!;
  const checksum = read16(bytes, Field.checksum);
  const data = bytes.subarray(Field.data);
  switch (type) {
    case IcmpType.EchoRequest:
    case IcmpType.EchoReply:
      return ok({
        kind: type === IcmpType.EchoRequest ? 'echoRequest' : 'echoReply',
        code,
        checksum,
        identifier: read16(bytes, Field.rest),
        sequenceNumber: read16(bytes, Field.rest + 2),
        data,
      });
    case IcmpType.DestinationUnreachable:
      return ok({ kind: 'destinationUnreachable', code, checksum, nextHopMtu: read16(bytes, Field.rest + 2), unused: read16(bytes, Field.rest), data });
    case IcmpType.TimeExceeded:
    case IcmpType.SourceQuench:
      return ok({ kind: type === IcmpType.TimeExceeded ? 'timeExceeded' : 'sourceQuench', code, checksum, unused: read32(bytes, Field.rest), data });
    case IcmpType.Redirect:
      return ok({ kind: 'redirect', code, checksum, gateway: readIpv4(bytes, Field.rest), data });
    case IcmpType.ParameterProblem:
      return ok({ kind: 'parameterProblem', code, checksum, pointer: bytes[Field.rest]!, unused: read32(bytes, Field.rest) & 0xffffff, data });
    case IcmpType.TimestampRequest:
    case IcmpType.TimestampReply:
      if (bytes.length < ICMP_TIMESTAMP_LEN) return err({ kind: 'truncated', protocol: 'icmp', needed: ICMP_TIMESTAMP_LEN, available: bytes.length });
      return ok({
        kind: type === IcmpType.TimestampRequest ? 'timestampRequest' : 'timestampReply',
        code,
        checksum,
        identifier: read16(bytes, Field.rest),
        sequenceNumber: read16(bytes, Field.rest + 2),
        originateTimestamp: read32(bytes, 8),
        receiveTimestamp: read32(bytes, 12),
        transmitTimestamp: read32(bytes, 16),
        data: bytes.subarray(ICMP_TIMESTAMP_LEN),
      });
    default:
      return ok({ kind: 'other', type, code, checksum, restOfHeader: read32(bytes, Field.rest), data });
  }
}

/**
 * Writes `repr` at `offset` (data copied unless already in place); with `'full'` the checksum is computed over the
 * message, with `'keep'` `repr.checksum` is written. Returns `icmpLen(repr)`.
 */
export function emitIcmp(repr: IcmpRepr, buffer: Uint8Array, offset = 0, checksum: HeaderChecksumMode = 'full'): number {
  buffer[offset + Field.type] = icmpType(repr);
  buffer[offset + Field.code] = repr.code;
  write16(buffer, offset + Field.checksum, checksum === 'keep' ? repr.checksum : 0);
  const rest = offset + Field.rest;
  let dataAt = offset + Field.data;
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
      write16(buffer, rest, repr.identifier);
      write16(buffer, rest + 2, repr.sequenceNumber);
      break;
    case 'destinationUnreachable':
      write16(buffer, rest, repr.unused ?? 0);
      write16(buffer, rest + 2, repr.nextHopMtu);
      break;
    case 'timeExceeded':
    case 'sourceQuench':
      write32(buffer, rest, repr.unused ?? 0);
      break;
    case 'redirect':
      writeIpv4(buffer, rest, repr.gateway);
      break;
    case 'parameterProblem':
      write32(buffer, rest, (((repr.pointer & 0xff) << 24) | ((repr.unused ?? 0) & 0xffffff)) >>> 0);
      break;
    case 'timestampRequest':
    case 'timestampReply':
      write16(buffer, rest, repr.identifier);
      write16(buffer, rest + 2, repr.sequenceNumber);
      write32(buffer, offset + 8, repr.originateTimestamp);
      write32(buffer, offset + 12, repr.receiveTimestamp);
      write32(buffer, offset + 16, repr.transmitTimestamp);
      dataAt = offset + ICMP_TIMESTAMP_LEN;
      break;
    case 'other':
      write32(buffer, rest, repr.restOfHeader);
      break;
  }
  placePayload(repr.data, buffer, dataAt);
  const end = dataAt + repr.data.length;
  if (checksum === 'full') write16(buffer, offset + Field.checksum, internetChecksum(buffer, offset, end));
  return end - offset;
}

/** Judges the checksum of the message in `bytes` (all of them) [RFC 792]; tcpdump -v prints `wrong icmp cksum`. */
export function checkIcmpChecksum(bytes: Uint8Array): ChecksumCheck {
  return judgeChecksum(read16(bytes, Field.checksum), sum16(bytes));
}

/**
 * A view over an ICMP message for rewriting in place (NAT of an echo identifier, or of the datagram an error
 * quotes); setters leave the checksum alone.
 */
export class IcmpMessage {
  private constructor(readonly bytes: Uint8Array) {}

  /** Checks `bytes` as `parseIcmp` does. */
  static checked(bytes: Uint8Array): Result<IcmpMessage, WireError> {
    const parsed = parseIcmp(bytes);
    return parsed.ok ? ok(new IcmpMessage(bytes)) : parsed;
  }

  /** Wraps bytes known to hold a whole header, e.g. one just emitted. */
  static unchecked(bytes: Uint8Array): IcmpMessage {
    return new IcmpMessage(bytes);
  }

  get type(): number {
    return this.bytes[Field.type]!;
  }
  get code(): number {
    return this.bytes[Field.code]!;
  }
  get checksum(): number {
    return read16(this.bytes, Field.checksum);
  }
  set checksum(value: number) {
    write16(this.bytes, Field.checksum, value);
  }
  /** The echo (or timestamp) identifier. */
  get identifier(): number {
    return read16(this.bytes, Field.rest);
  }
  set identifier(value: number) {
    write16(this.bytes, Field.rest, value);
  }
  /** The bytes after the 8-byte header: echo data, or an error's original datagram (a view, writable in place). */
  get data(): Uint8Array {
    return this.bytes.subarray(Field.data);
  }
  /** Recomputes the checksum over the whole message. */
  fillChecksum(): void {
    write16(this.bytes, Field.checksum, 0);
    write16(this.bytes, Field.checksum, internetChecksum(this.bytes));
  }
}
