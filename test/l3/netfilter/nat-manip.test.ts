import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum, partialChecksum, verifiesChecksum } from '../../../core/checksum.ts';
import { readIpv4 } from '../../../core/ipv4.ts';
import { checkIpv4Checksum, emitIpv4 } from '../../../core/wire/ipv4.ts';
import { checkTcpChecksum, emitTcp } from '../../../core/wire/tcp.ts';
import { checkUdpChecksum, emitUdp } from '../../../core/wire/udp.ts';
import { isPartialChecksum, manipPacket, type ManipType } from '../../../l3/netfilter/nat-manip.ts';
import type { ConntrackTuple } from '../../../l3/netfilter/tuple.ts';

/**
 * nf_nat_ipv4_manip_pkt() on random datagrams: the rewritten end carries the target's address and port (or ICMP
 * id), nothing else changes, and the checksums are what the kernel leaves — valid after an incremental update
 * [RFC 1624], or, for a packet still CHECKSUM_PARTIAL, the pseudo-header sum of the new addresses (as the
 * captures in fixtures/netfilter/masquerade-udp.*.pcap show).
 */

type Kind = 'udp' | 'tcp' | 'icmp';

function datagram(kind: Kind, source: number, destination: number, sport: number, dport: number, payload: Uint8Array, mode: 'full' | 'partial', udpZero: boolean): Uint8Array {
  const l4Length = (kind === 'tcp' ? 20 : 8) + payload.length;
  const d = new Uint8Array(20 + l4Length);
  const protocol = kind === 'tcp' ? 6 : kind === 'udp' ? 17 : 1;
  if (kind === 'udp') emitUdp({ sourcePort: sport, destinationPort: dport, length: l4Length, checksum: 0, payload }, d, 20, udpZero ? 'keep' : mode, source, destination);
  else if (kind === 'tcp') emitTcp({ sourcePort: sport, destinationPort: dport, sequenceNumber: 1, acknowledgmentNumber: 2, reserved: 0, flags: 0x18, window: 512, checksum: 0, urgentPointer: 0, options: new Uint8Array(0), payload }, d, 20, mode, source, destination);
  else {
    d[20] = 8;
    d[24] = sport >> 8;
    d[25] = sport & 0xff;
    d.set(payload, 28);
    const c = internetChecksum(d, 20, d.length);
    d[22] = c >> 8;
    d[23] = c & 0xff;
  }
  emitIpv4({ tos: 0, totalLength: d.length, identification: 7, reservedFlag: false, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol, checksum: 0, source, destination, options: new Uint8Array(0), payload: d.subarray(20) }, d, 0, 'full');
  return d;
}

const u16 = (d: Uint8Array, at: number): number => (d[at]! << 8) | d[at + 1]!;
const address = fc.integer({ min: 1, max: 0xfffffffe });
const port = fc.integer({ min: 0, max: 0xffff });

describe('NAT rewrites and checksums', () => {
  it('a full checksum stays valid, and only the rewritten end changes', () => {
    fc.assert(
      fc.property(fc.constantFrom<Kind>('udp', 'tcp', 'icmp'), address, address, port, port, fc.uint8Array({ maxLength: 40 }), address, port, fc.constantFrom<ManipType>('src', 'dst'), (kind, s, d, sp, dp, payload, to, toPort, manip) => {
        const before = datagram(kind, s, d, sp, dp, payload, 'full', false);
        const after = before.slice();
        const target: ConntrackTuple = { source: to, destination: to, protocol: before[9]!, sourcePart: toPort, destinationPart: toPort };
        manipPacket(after, 0, after.length, target, manip, false);
        expect(checkIpv4Checksum(after).valid).toBe(true);
        const l4 = after.subarray(20);
        if (kind === 'udp') expect(checkUdpChecksum(l4, readIpv4(after, 12), readIpv4(after, 16)).valid).toBe(true);
        if (kind === 'tcp') expect(checkTcpChecksum(l4, readIpv4(after, 12), readIpv4(after, 16)).valid).toBe(true);
        if (kind === 'icmp') expect(verifiesChecksum(l4)).toBe(true);
        expect(readIpv4(after, manip === 'src' ? 12 : 16)).toBe(to);
        expect(readIpv4(after, manip === 'src' ? 16 : 12)).toBe(readIpv4(before, manip === 'src' ? 16 : 12));
        // ICMP: the echo id is the one part (src.u.icmp.id, whatever the manip); TCP/UDP: the port of that end.
        const partAt = kind === 'icmp' ? 24 : manip === 'src' ? 20 : 22;
        expect(u16(after, partAt)).toBe(toPort);
        const untouched = (at: number): boolean => (at >= 10 && at < 12) || (at >= 12 && at < 20) || (at >= partAt && at < partAt + 2) || (kind === 'udp' && at >= 26 && at < 28) || (kind === 'tcp' && at >= 36 && at < 38) || (kind === 'icmp' && at >= 22 && at < 24);
        for (let i = 0; i < before.length; i++) if (!untouched(i)) expect(after[i], `byte ${i}`).toBe(before[i]);
      }),
    );
  });

  it('a CHECKSUM_PARTIAL segment keeps the pseudo-header sum, of its new addresses', () => {
    fc.assert(
      fc.property(fc.constantFrom<Kind>('udp', 'tcp'), address, address, port, port, fc.uint8Array({ minLength: 1, maxLength: 40 }), address, port, fc.constantFrom<ManipType>('src', 'dst'), (kind, s, d, sp, dp, payload, to, toPort, manip) => {
        const before = datagram(kind, s, d, sp, dp, payload, 'partial', false);
        fc.pre(isPartialChecksum(before, 0, before.length));
        const after = before.slice();
        manipPacket(after, 0, after.length, { source: to, destination: to, protocol: before[9]!, sourcePart: toPort, destinationPart: toPort }, manip, true);
        const field = u16(after, kind === 'udp' ? 26 : 36);
        const expected = partialChecksum(readIpv4(after, 12), readIpv4(after, 16), before[9]!, after.length - 20);
        // CSUM_MANGLED_0: a UDP sum of 0 goes out as 0xffff.
        expect(field).toBe(kind === 'udp' && expected === 0 ? 0xffff : expected);
        expect(checkIpv4Checksum(after).valid).toBe(true);
      }),
    );
  });

  it('a UDP datagram without a checksum (0) is left without one', () => {
    fc.assert(
      fc.property(address, address, port, port, address, port, fc.constantFrom<ManipType>('src', 'dst'), (s, d, sp, dp, to, toPort, manip) => {
        const after = datagram('udp', s, d, sp, dp, new Uint8Array([1, 2, 3]), 'full', true);
        manipPacket(after, 0, after.length, { source: to, destination: to, protocol: 17, sourcePart: toPort, destinationPart: toPort }, manip, false);
        expect(u16(after, 26)).toBe(0);
      }),
    );
  });
});
