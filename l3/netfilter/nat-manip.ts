import { internetChecksum, updateChecksum16, updateChecksum32, updatePartial32 } from '../../core/checksum.ts';
import { readIpv4, writeIpv4 } from '../../core/ipv4.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import { checkTcpChecksum } from '../../core/wire/tcp.ts';
import { checkUdpChecksum } from '../../core/wire/udp.ts';
import type { ConntrackTuple } from './tuple.ts';

/** enum nf_nat_manip_type: which end a hook rewrites (HOOK2MANIP: POSTROUTING and INPUT the source). */
export type ManipType = 'src' | 'dst';

function read16(d: Uint8Array, at: number): number {
  return (d[at]! << 8) | d[at + 1]!;
}

function write16(d: Uint8Array, at: number, value: number): void {
  d[at] = value >>> 8;
  d[at + 1] = value & 0xff;
}

/**
 * Whether a UDP or TCP segment still carries CHECKSUM_PARTIAL (a locally sent packet whose checksum a NIC
 * would finish: the field holds the pseudo-header sum, and the segment does not verify). The kernel knows this
 * from skb->ip_summed; the bytes tell it just as well.
 */
export function isPartialChecksum(d: Uint8Array, at: number, limit: number): boolean {
  const ihl = (d[at]! & 0x0f) * 4;
  const protocol = d[at + 9]!;
  const segment = d.subarray(at + ihl, limit);
  const source = readIpv4(d, at + 12);
  const destination = readIpv4(d, at + 16);
  if (protocol === IpProtocol.Udp && segment.length >= 8) {
    const c = checkUdpChecksum(segment, source, destination);
    return c.partial && !c.valid;
  }
  if (protocol === IpProtocol.Tcp && segment.length >= 20) {
    const c = checkTcpChecksum(segment, source, destination);
    return c.partial && !c.valid;
  }
  return false;
}

/**
 * inet_proto_csum_replace4() for a field in the pseudo-header (an address): an incremental update of a full
 * checksum [RFC 1624], or of the pseudo-header sum a CHECKSUM_PARTIAL packet carries.
 */
function replaceAddress(d: Uint8Array, at: number, from: number, to: number, partial: boolean): void {
  const old = read16(d, at);
  write16(d, at, partial ? updatePartial32(old, from, to) : updateChecksum32(old, from, to));
}

/** inet_proto_csum_replace2() for a port or ICMP id (not in the pseudo-header): nothing to do for CHECKSUM_PARTIAL. */
function replaceWord(d: Uint8Array, at: number, from: number, to: number, partial: boolean): void {
  if (partial) return;
  write16(d, at, updateChecksum16(read16(d, at), from, to));
}

/**
 * nf_nat_ipv4_manip_pkt(): rewrites one end of the IPv4 packet at `at` to the `target` tuple's (the source
 * address and port/ICMP id for 'src', the destination for 'dst'), with incremental checksum updates of the
 * IP header and of the TCP/UDP/ICMP header when the packet is a first fragment and holds it
 * (nf_nat_proto.c: tcp_manip_pkt(), udp_manip_pkt(), icmp_manip_pkt()). `partial` says the L4 checksum is
 * CHECKSUM_PARTIAL. Works in place.
 */
export function manipPacket(d: Uint8Array, at: number, limit: number, target: ConntrackTuple, manip: ManipType, partial: boolean): void {
  const ihl = (d[at]! & 0x0f) * 4;
  const protocol = d[at + 9]!;
  const l4 = at + ihl;
  const firstFragment = (read16(d, at + 6) & 0x1fff) === 0;
  const addressAt = at + (manip === 'src' ? 12 : 16);
  const oldAddress = readIpv4(d, addressAt);
  const newAddress = manip === 'src' ? target.source : target.destination;
  if (firstFragment) {
    if (protocol === IpProtocol.Tcp || protocol === IpProtocol.Udp) {
      const portAt = l4 + (manip === 'src' ? 0 : 2);
      if (limit - l4 >= 4) {
        const oldPort = read16(d, portAt);
        const newPort = manip === 'src' ? target.sourcePart : target.destinationPart;
        write16(d, portAt, newPort);
        if (protocol === IpProtocol.Tcp && limit - l4 >= 20) {
          replaceAddress(d, l4 + 16, oldAddress, newAddress, partial);
          replaceWord(d, l4 + 16, oldPort, newPort, partial);
        } else if (protocol === IpProtocol.Udp && limit - l4 >= 8 && (read16(d, l4 + 6) !== 0 || partial)) {
          replaceAddress(d, l4 + 6, oldAddress, newAddress, partial);
          replaceWord(d, l4 + 6, oldPort, newPort, partial);
          // CSUM_MANGLED_0: a computed 0 is sent as 0xffff, since 0 means "no checksum".
          if (read16(d, l4 + 6) === 0) write16(d, l4 + 6, 0xffff);
        }
      }
    } else if (protocol === IpProtocol.Icmp && limit - l4 >= 8) {
      const type = d[l4]!;
      if (type === 0 || type === 8 || type === 13 || type === 14 || type === 15 || type === 16 || type === 17 || type === 18) {
        const oldId = read16(d, l4 + 4);
        write16(d, l4 + 4, target.sourcePart);
        replaceWord(d, l4 + 2, oldId, target.sourcePart, false);
      }
    }
  }
  writeIpv4(d, addressAt, newAddress);
  write16(d, at + 10, updateChecksum32(read16(d, at + 10), oldAddress, newAddress));
}

/** Recomputes an ICMP message's checksum over its whole length (nf_nat_icmp_reply_translation() after the inner rewrite). */
export function recomputeIcmpChecksum(d: Uint8Array, l4: number, end: number): void {
  d[l4 + 2] = 0;
  d[l4 + 3] = 0;
  write16(d, l4 + 2, internetChecksum(d, l4, end));
}
