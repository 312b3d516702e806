import { readIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';

/**
 * A conntrack tuple (include/net/netfilter/nf_conntrack_tuple.h): addresses, protocol, and the per-protocol
 * part. For TCP and UDP `src`/`dst` are the ports; for ICMP `src` is the echo identifier and `dst` holds
 * `type << 8 | code` (src.u.icmp.id, dst.u.icmp.type, dst.u.icmp.code); other protocols have 0 and 0.
 */
export interface ConntrackTuple {
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly protocol: number;
  readonly sourcePart: number;
  readonly destinationPart: number;
}

/** ICMP query types and their answers (nf_conntrack_proto_icmp.c invmap), both ways. */
const ICMP_INVERSE: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [17, 18], [18, 17],
]);

/** ICMP types that are errors about another packet (icmp_is_err()). */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** Whether the protocol's tuple has ports (TCP, UDP: nf_conntrack_proto_{tcp,udp}.c). */
export function hasPorts(protocol: number): boolean {
  return protocol === IpProtocol.Tcp || protocol === IpProtocol.Udp;
}

/**
 * nf_ct_get_tuple(): the tuple of the datagram's first fragment (header at 0, L4 header at `ihl`), or undefined
 * when the L4 header is cut short. `limit` is where the datagram's bytes end.
 */
export function tupleOf(datagram: Uint8Array, at = 0, limit = datagram.length): ConntrackTuple | undefined {
  if (limit - at < 20) return undefined;
  const ihl = (datagram[at]! & 0x0f) * 4;
  const protocol = datagram[at + 9]!;
  const source = readIpv4(datagram, at + 12);
  const destination = readIpv4(datagram, at + 16);
  const l4 = at + ihl;
  if (hasPorts(protocol)) {
    if (limit - l4 < 4) return undefined;
    return { source, destination, protocol, sourcePart: (datagram[l4]! << 8) | datagram[l4 + 1]!, destinationPart: (datagram[l4 + 2]! << 8) | datagram[l4 + 3]! };
  }
  if (protocol === IpProtocol.Icmp) {
    // icmp_pkt_to_tuple(): the first 8 bytes (type, code, checksum, id).
    if (limit - l4 < 8) return undefined;
    return { source, destination, protocol, sourcePart: (datagram[l4 + 4]! << 8) | datagram[l4 + 5]!, destinationPart: (datagram[l4]! << 8) | datagram[l4 + 1]! };
  }
  return { source, destination, protocol, sourcePart: 0, destinationPart: 0 };
}

/** nf_ct_invert_tuple(): the tuple of the answer, or undefined for an ICMP type that has none (icmp_invert_tuple()). */
export function invertTuple(t: ConntrackTuple): ConntrackTuple | undefined {
  if (t.protocol === IpProtocol.Icmp) {
    const inverse = ICMP_INVERSE.get(t.destinationPart >>> 8);
    if (inverse === undefined) return undefined;
    return { source: t.destination, destination: t.source, protocol: t.protocol, sourcePart: t.sourcePart, destinationPart: (inverse << 8) | (t.destinationPart & 0xff) };
  }
  return { source: t.destination, destination: t.source, protocol: t.protocol, sourcePart: t.destinationPart, destinationPart: t.sourcePart };
}

/** nf_ct_tuple_equal(). */
export function tupleEqual(a: ConntrackTuple, b: ConntrackTuple): boolean {
  return a.source === b.source && a.destination === b.destination && a.protocol === b.protocol && a.sourcePart === b.sourcePart && a.destinationPart === b.destinationPart;
}

/**
 * hash_conntrack_raw(): a 32-bit hash of the tuple (a multiply-xorshift mix standing in for the kernel's
 * seeded jhash2; only the table's speed depends on it, never what it finds).
 */
export function tupleHash(t: ConntrackTuple): number {
  let h = Math.imul(t.source ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ t.destination, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((t.sourcePart << 16) | t.destinationPart), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ t.protocol, 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}
