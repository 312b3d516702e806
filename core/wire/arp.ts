import { readIpv4, writeIpv4, type Ipv4Address } from '../ipv4.ts';
import { readMac, writeMac, type MacAddress } from '../mac.ts';
import { err, ok, type Result } from '../result.ts';
import { read16, write16 } from './bytes.ts';
import { EtherType } from './ethernet.ts';
import type { WireError } from './error.ts';

/*
 * ARP [RFC 826]; the addresses have the lengths HLEN and PLEN give (6 and 4 for Ethernet/IPv4):
 *
 *   0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Hardware type          |         Protocol type         |
 *   |     HLEN      |     PLEN      |           Operation           |
 *   |   Sender hardware address (HLEN) | Sender protocol address (PLEN)
 *   |   Target hardware address (HLEN) | Target protocol address (PLEN)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
const Field = { hardwareType: 0, protocolType: 2, hardwareLength: 4, protocolLength: 5, operation: 6, addresses: 8 } as const;

/** Hardware types twinnet knows by name [RFC 826, IANA arp-parameters]; any other is kept as its number. */
export const ArpHardwareType = { Ethernet: 1 } as const;

/** ARP operations: request and reply [RFC 826], RARP [RFC 903], InARP [RFC 2390]; any other is kept as its number. */
export const ArpOperation = { Request: 1, Reply: 2, ReverseRequest: 3, ReverseReply: 4, InverseRequest: 8, InverseReply: 9 } as const;

/** The fixed part before the addresses. */
export const ARP_HEADER_LEN = 8;
/** An Ethernet/IPv4 ARP packet: 8 + 2·6 + 2·4 bytes. */
export const ARP_ETHERNET_IPV4_LEN = 28;

/** An Ethernet/IPv4 ARP packet (hardware type 1, protocol type 0x0800, lengths 6 and 4), addresses as values. */
export interface ArpEthernetIpv4Repr {
  readonly kind: 'ethernetIpv4';
  readonly operation: number;
  readonly senderHardwareAddress: MacAddress;
  readonly senderProtocolAddress: Ipv4Address;
  readonly targetHardwareAddress: MacAddress;
  readonly targetProtocolAddress: Ipv4Address;
}

/** Any other ARP packet, addresses as bytes; HLEN and PLEN are the lengths of the sender addresses. */
export interface ArpOtherRepr {
  readonly kind: 'other';
  readonly hardwareType: number;
  readonly protocolType: number;
  readonly operation: number;
  readonly senderHardwareAddress: Uint8Array;
  readonly senderProtocolAddress: Uint8Array;
  readonly targetHardwareAddress: Uint8Array;
  readonly targetProtocolAddress: Uint8Array;
}

/** A parsed ARP packet [RFC 826]. */
export type ArpRepr = ArpEthernetIpv4Repr | ArpOtherRepr;

/** The length of the ARP packet `repr` describes: 8 + 2·HLEN + 2·PLEN. */
export function arpLen(repr: ArpRepr): number {
  return repr.kind === 'ethernetIpv4'
    ? ARP_ETHERNET_IPV4_LEN
    : ARP_HEADER_LEN + 2 * (repr.senderHardwareAddress.length + repr.senderProtocolAddress.length);
}

/** Parses an ARP packet; bytes after 8 + 2·HLEN + 2·PLEN (Ethernet padding) are ignored. */
export function parseArp(bytes: Uint8Array): Result<ArpRepr, WireError> {
  if (bytes.length < ARP_HEADER_LEN) return err({ kind: 'truncated', protocol: 'arp', needed: ARP_HEADER_LEN, available: bytes.length });
  const hardwareType = read16(bytes, Field.hardwareType);
  const protocolType = read16(bytes, Field.protocolType);
  const hlen = bytes[Field.hardwareLength]!;
  const plen = bytes[Field.protocolLength]!;
  const operation = read16(bytes, Field.operation);
  const needed = ARP_HEADER_LEN + 2 * (hlen + plen);
  if (bytes.length < needed) return err({ kind: 'truncated', protocol: 'arp', needed, available: bytes.length });
  const a = Field.addresses;
  if (hardwareType === ArpHardwareType.Ethernet && protocolType === EtherType.Ipv4 && hlen === 6 && plen === 4) {
    return ok({
      kind: 'ethernetIpv4',
      operation,
      senderHardwareAddress: readMac(bytes, a),
      senderProtocolAddress: readIpv4(bytes, a + 6),
      targetHardwareAddress: readMac(bytes, a + 10),
      targetProtocolAddress: readIpv4(bytes, a + 16),
    });
  }
  return ok({
    kind: 'other',
    hardwareType,
    protocolType,
    operation,
    senderHardwareAddress: bytes.subarray(a, a + hlen),
    senderProtocolAddress: bytes.subarray(a + hlen, a + hlen + plen),
    targetHardwareAddress: bytes.subarray(a + hlen + plen, a + 2 * hlen + plen),
    targetProtocolAddress: bytes.subarray(a + 2 * hlen + plen, needed),
  });
}

/** Writes `repr` at `offset` (the buffer must hold `arpLen(repr)` bytes there); returns the length written. */
export function emitArp(repr: ArpRepr, buffer: Uint8Array, offset = 0): number {
  const a = offset + Field.addresses;
  if (repr.kind === 'ethernetIpv4') {
    write16(buffer, offset + Field.hardwareType, ArpHardwareType.Ethernet);
    write16(buffer, offset + Field.protocolType, EtherType.Ipv4);
    buffer[offset + Field.hardwareLength] = 6;
    buffer[offset + Field.protocolLength] = 4;
    write16(buffer, offset + Field.operation, repr.operation);
    writeMac(buffer, a, repr.senderHardwareAddress);
    writeIpv4(buffer, a + 6, repr.senderProtocolAddress);
    writeMac(buffer, a + 10, repr.targetHardwareAddress);
    writeIpv4(buffer, a + 16, repr.targetProtocolAddress);
    return ARP_ETHERNET_IPV4_LEN;
  }
  const hlen = repr.senderHardwareAddress.length;
  const plen = repr.senderProtocolAddress.length;
  write16(buffer, offset + Field.hardwareType, repr.hardwareType);
  write16(buffer, offset + Field.protocolType, repr.protocolType);
  buffer[offset + Field.hardwareLength] = hlen;
  buffer[offset + Field.protocolLength] = plen;
  write16(buffer, offset + Field.operation, repr.operation);
  buffer.set(repr.senderHardwareAddress, a);
  buffer.set(repr.senderProtocolAddress, a + hlen);
  buffer.set(repr.targetHardwareAddress, a + hlen + plen);
  buffer.set(repr.targetProtocolAddress, a + 2 * hlen + plen);
  return ARP_HEADER_LEN + 2 * (hlen + plen);
}
