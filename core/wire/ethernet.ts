import { readMac, writeMac, type MacAddress } from '../mac.ts';
import { err, ok, type Result } from '../result.ts';
import type { WireError } from './error.ts';

/*
 * Ethernet II [IEEE 802.3 §3.1.1], with an optional IEEE 802.1Q tag:
 *
 *   0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Destination MAC (6)                           |
 *   |              Source MAC (6)                                   |
 *   | [TPID 0x8100 | PCP DEI VID] (4, optional) |   EtherType (2)   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
const Field = { destination: 0, source: 6, etherType: 12, tagControl: 14, taggedEtherType: 16 } as const;

/** The EtherTypes twinnet knows by name; any other is kept as its number. */
export const EtherType = { Ipv4: 0x0800, Arp: 0x0806, Vlan: 0x8100, Ipv6: 0x86dd } as const;

/** Header length without a tag. */
export const ETHERNET_HEADER_LEN = 14;
/** Header length with one 802.1Q tag. */
export const ETHERNET_TAGGED_HEADER_LEN = 18;

/** An 802.1Q tag: priority code point, drop eligible indicator, VLAN id. */
export interface VlanTag {
  readonly priority: number;
  readonly dropEligible: boolean;
  readonly vlanId: number;
}

/** A parsed Ethernet header; `payloadOffset` is where the upper layer starts in the frame. */
export interface EthernetRepr {
  readonly destination: MacAddress;
  readonly source: MacAddress;
  readonly etherType: number;
  readonly vlan?: VlanTag;
}

/** The header length `repr` needs. */
export function ethernetHeaderLen(repr: EthernetRepr): number {
  return repr.vlan ? ETHERNET_TAGGED_HEADER_LEN : ETHERNET_HEADER_LEN;
}

/** Parses the Ethernet header of a frame; the payload starts at `ethernetHeaderLen(value)`. */
export function parseEthernet(frame: Uint8Array): Result<EthernetRepr, WireError> {
  if (frame.length < ETHERNET_HEADER_LEN) return err({ kind: 'truncated', protocol: 'ethernet', needed: ETHERNET_HEADER_LEN, available: frame.length });
  const destination = readMac(frame, Field.destination);
  const source = readMac(frame, Field.source);
  const etherType = (frame[Field.etherType]! << 8) | frame[Field.etherType + 1]!;
  if (etherType !== EtherType.Vlan) return ok({ destination, source, etherType });
  if (frame.length < ETHERNET_TAGGED_HEADER_LEN) return err({ kind: 'truncated', protocol: 'ethernet', needed: ETHERNET_TAGGED_HEADER_LEN, available: frame.length });
  const tci = (frame[Field.tagControl]! << 8) | frame[Field.tagControl + 1]!;
  return ok({
    destination,
    source,
    etherType: (frame[Field.taggedEtherType]! << 8) | frame[Field.taggedEtherType + 1]!,
    vlan: { priority: tci >>> 13, dropEligible: (tci & 0x1000) !== 0, vlanId: tci & 0x0fff },
  });
}

/** Writes the header of `repr` at `offset` (the buffer must hold `ethernetHeaderLen(repr)` bytes there); returns its length. */
export function emitEthernet(repr: EthernetRepr, frame: Uint8Array, offset = 0): number {
  writeMac(frame, offset + Field.destination, repr.destination);
  writeMac(frame, offset + Field.source, repr.source);
  let at = offset + Field.etherType;
  if (repr.vlan) {
    frame[at] = EtherType.Vlan >>> 8;
    frame[at + 1] = EtherType.Vlan & 0xff;
    const tci = (repr.vlan.priority << 13) | (repr.vlan.dropEligible ? 0x1000 : 0) | repr.vlan.vlanId;
    frame[at + 2] = tci >>> 8;
    frame[at + 3] = tci & 0xff;
    at = offset + Field.taggedEtherType;
  }
  frame[at] = repr.etherType >>> 8;
  frame[at + 1] = repr.etherType & 0xff;
  return at + 2 - offset;
}
