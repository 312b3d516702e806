import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateChecksum16 } from '../../../core/checksum.ts';
import { ETHERNET_HEADER_LEN, parseEthernet } from '../../../core/wire/ethernet.ts';
import { buildFrame } from '../../../core/wire/frame.ts';
import { parseIpv4 } from '../../../core/wire/ipv4.ts';
import { checkUdpChecksum, emitUdp, parseUdp, parseUdpHeader, UDP_HEADER_LEN, UdpDatagram, type UdpRepr } from '../../../core/wire/udp.ts';
import { udpFull, udpPartial } from './captures.ts';
import { bytesOf, checkRobustness, expectWireError, ip, ipv4Address, mac, prefilled, u16, unwrap } from './support.ts';

/** The IP packet and UDP datagram of a captured frame. */
function layers(frame: Uint8Array) {
  const ipv4 = unwrap(parseIpv4(frame.subarray(ETHERNET_HEADER_LEN)));
  return { ipv4, datagram: ipv4.payload, udp: unwrap(parseUdp(ipv4.payload)) };
}

const HELLO = new TextEncoder().encode('hello\n'); // `echo hello | nc -u …`

describe('UDP (RFC 768)', () => {
  it('deconstructs captured datagrams and judges their checksums as tcpdump -vv did', () => {
    // `192.0.2.1.43362 > 198.51.100.1.9: [bad udp cksum 0xec55 -> 0x2654!] UDP, length 6`: sent with checksum
    // offload, so the field holds the pseudo-header sum.
    const partial = layers(udpPartial);
    expect(partial.udp).toEqual({ sourcePort: 43362, destinationPort: 9, length: 14, checksum: 0xec55, payload: HELLO });
    expect(checkUdpChecksum(partial.datagram, partial.ipv4.source, partial.ipv4.destination)).toEqual({ valid: false, expected: 0x2654, partial: true });

    // `192.0.2.1.44406 > 198.51.100.1.9: [udp sum ok] UDP, length 6`: tx checksumming off, a software checksum.
    const full = layers(udpFull);
    expect(full.udp).toMatchObject({ sourcePort: 44406, destinationPort: 9, length: 14, payload: HELLO });
    expect(checkUdpChecksum(full.datagram, full.ipv4.source, full.ipv4.destination)).toEqual({ valid: true, expected: full.udp.checksum, partial: false });
  });

  it('constructs the captured datagrams from parsed values, in each checksum mode the sender used', () => {
    for (const [frame, mode] of [
      [udpPartial, 'partial'],
      [udpFull, 'full'],
    ] as const) {
      const { ipv4, datagram, udp } = layers(frame);
      for (const m of ['keep', mode] as const) {
        const buffer = prefilled(datagram.length);
        expect(emitUdp(udp, buffer, 0, m, ipv4.source, ipv4.destination)).toBe(14);
        expect(buffer).toEqual(datagram);
      }
    }
  });

  it('emits the offloading sender’s partial checksum exactly as the veth capture shows it', () => {
    const repr: UdpRepr = { sourcePort: 43362, destinationPort: 9, length: 14, checksum: 0, payload: HELLO };
    const buffer = prefilled(14);
    emitUdp(repr, buffer, 0, 'partial', ip('192.0.2.1'), ip('198.51.100.1'));
    expect(buffer).toEqual(layers(udpPartial).datagram);
    // Full mode gives the value tcpdump said it should be.
    emitUdp(repr, buffer, 0, 'full', ip('192.0.2.1'), ip('198.51.100.1'));
    expect((buffer[6]! << 8) | buffer[7]!).toBe(0x2654);
  });

  it('builds the whole captured frame from the fields tcpdump printed', () => {
    // `22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, … (tos 0x0, ttl 64, id 24997, offset 0, flags [DF], proto UDP (17), length 34)`
    const eth = unwrap(parseEthernet(udpPartial));
    expect(eth).toMatchObject({ source: mac('22:23:04:70:28:b0'), destination: mac('06:0b:cd:f6:e5:4f') });
    const frame = buildFrame({
      ethernet: { destination: eth.destination, source: eth.source },
      ipv4: { source: ip('192.0.2.1'), destination: ip('198.51.100.1'), identification: 24997, dontFragment: true },
      udp: { sourcePort: 43362, destinationPort: 9, payload: HELLO, checksum: 'partial' },
    });
    expect(frame).toEqual(udpPartial);
  });

  it('accepts a zero checksum as none sent (RFC 768), still saying what it would have been', () => {
    const { ipv4, datagram } = layers(udpFull);
    const copy = datagram.slice();
    copy[6] = 0;
    copy[7] = 0;
    expect(checkUdpChecksum(copy, ipv4.source, ipv4.destination)).toMatchObject({ valid: true, expected: unwrap(parseUdp(datagram)).checksum });
  });

  it('reads lengths leniently for a decoder, strictly for a receiver', () => {
    const datagram = layers(udpFull).datagram;
    // Length field 14, but only 11 bytes: tcpdump prints `truncated-udp - 3 bytes missing!`.
    const cut = datagram.subarray(0, 11);
    expect(unwrap(parseUdpHeader(cut))).toMatchObject({ length: 14, payload: HELLO.subarray(0, 3) });
    expect(expectWireError(parseUdp(cut), 'truncated', 'udp')).toMatchObject({ needed: 14, available: 11 });
    // Length field 7 < 8: `truncated-udplength 7`.
    const short = datagram.slice();
    short[5] = 7;
    expect(unwrap(parseUdpHeader(short))).toMatchObject({ length: 7, payload: new Uint8Array(0) });
    expect(expectWireError(parseUdp(short), 'malformed', 'udp')).toMatchObject({ field: 'length' });
    // Bytes past the length field are not payload.
    const long = new Uint8Array(20);
    long.set(datagram);
    expect(unwrap(parseUdp(long)).payload).toEqual(HELLO);
    expect(expectWireError(parseUdp(datagram.subarray(0, 7)), 'truncated', 'udp')).toMatchObject({ needed: 8, available: 7 });
  });

  it('rewrites a port in place (NAT) and keeps the checksum valid with an RFC 1624 update', () => {
    const { ipv4, datagram } = layers(udpFull);
    const copy = datagram.slice();
    const view = unwrap(UdpDatagram.checked(copy));
    const old = view.sourcePort;
    view.sourcePort = 61000;
    view.checksum = updateChecksum16(view.checksum, old, 61000);
    expect(checkUdpChecksum(copy, ipv4.source, ipv4.destination).valid).toBe(true);
    expect(unwrap(parseUdp(copy)).sourcePort).toBe(61000);
  });

  it('round-trips arbitrary values, and every checksum mode means what it says', () => {
    const repr = fc
      .record({ sourcePort: u16, destinationPort: u16, checksum: u16, payload: bytesOf(64) })
      .map((r): UdpRepr => ({ ...r, length: UDP_HEADER_LEN + r.payload.length }));
    fc.assert(
      fc.property(repr, ipv4Address, ipv4Address, fc.nat(6), (x, source, destination, offset) => {
        const buffer = prefilled(offset + x.length);
        const datagram = buffer.subarray(offset);
        expect(emitUdp(x, buffer, offset, 'keep', source, destination)).toBe(x.length);
        expect(unwrap(parseUdp(datagram))).toEqual(x);

        emitUdp(x, buffer, offset, 'full', source, destination);
        const full = checkUdpChecksum(datagram, source, destination);
        expect(full.valid).toBe(true);
        expect(unwrap(parseUdp(datagram)).checksum).not.toBe(0); // a computed 0 is sent as 0xffff

        emitUdp(x, buffer, offset, 'partial', source, destination);
        const partial = checkUdpChecksum(datagram, source, destination);
        expect(partial.partial).toBe(true);
        // What tcpdump prints after `->` is the checksum full mode writes (up to the ±0 of one's complement).
        const fullValue = unwrap(parseUdp((emitUdp(x, buffer, offset, 'full', source, destination), datagram))).checksum;
        expect(partial.expected === fullValue || (partial.expected === 0 && fullValue === 0xffff)).toBe(true);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    const valid = [layers(udpPartial).datagram, layers(udpFull).datagram];
    checkRobustness(parseUdp, valid);
    checkRobustness(parseUdpHeader, valid);
  });
});
