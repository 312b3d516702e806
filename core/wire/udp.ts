import { finish, partialChecksum, pseudoHeaderSum, sum16 } from '../checksum.ts';
import type { Ipv4Address } from '../ipv4.ts';
import { err, ok, type Result } from '../result.ts';
import { placePayload, read16, write16 } from './bytes.ts';
import { judgeTransportChecksum, type ChecksumMode, type TransportChecksumCheck } from './checksum-field.ts';
import type { WireError } from './error.ts';
import { IpProtocol } from './ipv4.ts';

/*
 * UDP header [RFC 768]:
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |   Source Port   | Destination Port|
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *
 * Length counts header and data. Checksum 0 means none was computed; a computed 0 is sent as 0xffff.
 */
const Field = { sourcePort: 0, destinationPort: 2, length: 4, checksum: 6 } as const;

/** The UDP header length. */
export const UDP_HEADER_LEN = 8;

/**
 * A parsed UDP datagram: `length` and `checksum` as read; `payload` (a view) runs from byte 8 to the length field,
 * cut short where the bytes end.
 */
export interface UdpRepr {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly length: number;
  readonly checksum: number;
  readonly payload: Uint8Array;
}

/**
 * Parses a UDP header leniently, as a decoder needs it (tcpdump prints `truncated-udp` or `truncated-udplength` from
 * these fields): only the 8 header bytes must be there.
 */
export function parseUdpHeader(bytes: Uint8Array): Result<UdpRepr, WireError> {
  if (bytes.length < UDP_HEADER_LEN) return err({ kind: 'truncated', protocol: 'udp', needed: UDP_HEADER_LEN, available: bytes.length });
  const length = read16(bytes, Field.length);
  return ok({
    sourcePort: read16(bytes, Field.sourcePort),
    destinationPort: read16(bytes, Field.destinationPort),
    length,
    checksum: read16(bytes, Field.checksum),
    payload: bytes.subarray(UDP_HEADER_LEN, Math.max(UDP_HEADER_LEN, Math.min(length, bytes.length))),
  });
}

/**
 * Parses a UDP datagram strictly, as a receiver does (net/ipv4/udp.c: __udp4_lib_rcv()): the length field must
 * cover the header and fit in the bytes (the IP payload). Bytes after it are not payload.
 */
export function parseUdp(bytes: Uint8Array): Result<UdpRepr, WireError> {
  const header = parseUdpHeader(bytes);
  if (!header.ok) return header;
  const { length } = header.value;
  if (length < UDP_HEADER_LEN) return err({ kind: 'malformed', protocol: 'udp', field: 'length', reason: `length ${length} < 8` });
  if (length > bytes.length) return err({ kind: 'truncated', protocol: 'udp', needed: length, available: bytes.length });
  return header;
}

/**
 * Writes `repr` at `offset`: header as given (its `length` too), then the payload unless already in place. The
 * checksum is `'full'` (pseudo-header from `source`/`destination`), `'partial'` (the pseudo-header sum an offloading
 * sender leaves) or `'keep'` (`repr.checksum`). Returns 8 + payload length.
 */
export function emitUdp(repr: UdpRepr, buffer: Uint8Array, offset: number, checksum: ChecksumMode, source: Ipv4Address, destination: Ipv4Address): number {
  const end = offset + UDP_HEADER_LEN + repr.payload.length;
  write16(buffer, offset + Field.sourcePort, repr.sourcePort);
  write16(buffer, offset + Field.destinationPort, repr.destinationPort);
  write16(buffer, offset + Field.length, repr.length);
  placePayload(repr.payload, buffer, offset + UDP_HEADER_LEN);
  let value = repr.checksum;
  if (checksum === 'partial') {
    value = partialChecksum(source, destination, IpProtocol.Udp, repr.length);
  } else if (checksum === 'full') {
    write16(buffer, offset + Field.checksum, 0);
    value = finish(sum16(buffer, offset, end, pseudoHeaderSum(source, destination, IpProtocol.Udp, repr.length))) || 0xffff;
  }
  write16(buffer, offset + Field.checksum, value);
  return end - offset;
}

/**
 * Judges the checksum of the datagram in `bytes` (covering its length field's bytes, as tcpdump's udp_cksum() does).
 * A zero field means no checksum was sent [RFC 768]: it is `valid` (a receiver accepts it, net/ipv4/udp.c:
 * udp4_csum_init()), and tcpdump prints `[no cksum]` for it instead of judging it.
 */
export function checkUdpChecksum(bytes: Uint8Array, source: Ipv4Address, destination: Ipv4Address): TransportChecksumCheck {
  const length = read16(bytes, Field.length);
  const field = read16(bytes, Field.checksum);
  const sum = sum16(bytes, 0, Math.min(length, bytes.length), pseudoHeaderSum(source, destination, IpProtocol.Udp, length));
  const check = judgeTransportChecksum(field, sum, source, destination, IpProtocol.Udp, length);
  return field === 0 ? { ...check, valid: true } : check;
}

/** A view over a checked UDP datagram for rewriting ports in place (NAT); setters leave the checksum alone. */
export class UdpDatagram {
  private constructor(readonly bytes: Uint8Array) {}

  /** Checks `bytes` as `parseUdp` does. */
  static checked(bytes: Uint8Array): Result<UdpDatagram, WireError> {
    const parsed = parseUdp(bytes);
    return parsed.ok ? ok(new UdpDatagram(bytes)) : parsed;
  }

  /** Wraps bytes known to hold a whole header, e.g. one just emitted. */
  static unchecked(bytes: Uint8Array): UdpDatagram {
    return new UdpDatagram(bytes);
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
  get length(): number {
    return read16(this.bytes, Field.length);
  }
  get checksum(): number {
    return read16(this.bytes, Field.checksum);
  }
  set checksum(value: number) {
    write16(this.bytes, Field.checksum, value);
  }
}
