import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partialChecksum } from '../../../core/checksum.ts';
import { EtherType, parseEthernet } from '../../../core/wire/ethernet.ts';
import { buildFrame, buildPacket, emitFrame, emitPacket, frameLen, packetLen, type PacketSpec } from '../../../core/wire/frame.ts';
import { checkIcmpChecksum, parseIcmp } from '../../../core/wire/icmp.ts';
import { checkIpv4Checksum, IpProtocol, parseIpv4, parseIpv4Options } from '../../../core/wire/ipv4.ts';
import { checkTcpChecksum, parseTcp, parseTcpOptions, TcpFlag } from '../../../core/wire/tcp.ts';
import { checkUdpChecksum, parseUdp } from '../../../core/wire/udp.ts';
import { bytesOf, ip, ipv4Address, mac, prefilled, u16, u32, u8, unwrap } from './support.ts';

const source = ip('198.51.100.1');
const destination = ip('203.0.113.9');

describe('building whole packets and frames', () => {
  it('fills every length, the protocol, the EtherType and the checksums', () => {
    const payload = new TextEncoder().encode('ping');
    const frame = buildFrame({
      ethernet: { destination: mac('02:00:00:00:00:02'), source: mac('02:00:00:00:00:01') },
      ipv4: { source, destination, identification: 7, options: [{ kind: 'routerAlert', value: 0 }] },
      udp: { sourcePort: 40000, destinationPort: 53, payload },
    });
    expect(frame.length).toBe(14 + 24 + 8 + 4);
    expect(unwrap(parseEthernet(frame)).etherType).toBe(EtherType.Ipv4);
    const packet = unwrap(parseIpv4(frame.subarray(14)));
    expect(packet).toMatchObject({ totalLength: 36, protocol: IpProtocol.Udp, ttl: 64, identification: 7, source, destination });
    expect(parseIpv4Options(packet.options)).toEqual([{ kind: 'routerAlert', value: 0 }]);
    expect(checkIpv4Checksum(frame.subarray(14)).valid).toBe(true);
    expect(unwrap(parseUdp(packet.payload))).toMatchObject({ length: 12, payload });
    expect(checkUdpChecksum(packet.payload, source, destination).valid).toBe(true);
  });

  it('writes into a pre-sized buffer at an offset, byte for byte as buildFrame', () => {
    const spec = {
      ethernet: { destination: mac('02:00:00:00:00:02'), source: mac('02:00:00:00:00:01'), vlan: { priority: 3, dropEligible: false, vlanId: 100 } },
      ipv4: { source, destination, dontFragment: true },
      tcp: { sourcePort: 1, destinationPort: 2, sequenceNumber: 3, flags: TcpFlag.Syn, window: 1024, options: [{ kind: 'mss' as const, value: 1460 }] },
    };
    const built = buildFrame(spec);
    expect(frameLen(spec)).toBe(built.length);
    const buffer = prefilled(built.length + 10);
    expect(emitFrame(spec, buffer, 10)).toBe(built.length);
    expect(buffer.subarray(10)).toEqual(built);
    const segment = unwrap(parseIpv4(built.subarray(18))).payload;
    expect(parseTcpOptions(unwrap(parseTcp(segment)).options)).toEqual([{ kind: 'mss', value: 1460 }]);
  });

  it('leaves a partial checksum, or writes explicit ones, when asked', () => {
    const partial = buildPacket({ ipv4: { source, destination }, tcp: { sourcePort: 1, destinationPort: 2, sequenceNumber: 0, flags: TcpFlag.Ack, window: 0, checksum: 'partial' } });
    expect(unwrap(parseTcp(partial.subarray(20))).checksum).toBe(partialChecksum(source, destination, IpProtocol.Tcp, 20));
    const explicit = buildPacket({ ipv4: { source, destination, checksum: 0xbeef }, udp: { sourcePort: 1, destinationPort: 2, checksum: 0 } });
    expect(unwrap(parseIpv4(explicit))).toMatchObject({ checksum: 0xbeef });
    expect(unwrap(parseUdp(explicit.subarray(20))).checksum).toBe(0);
    const icmp = buildPacket({ ipv4: { source, destination }, icmp: { kind: 'echoRequest', code: 0, identifier: 1, sequenceNumber: 2, data: new Uint8Array(0), checksum: 0x1111 } });
    expect(unwrap(parseIcmp(icmp.subarray(20))).checksum).toBe(0x1111);
    const raw = buildPacket({ ipv4: { source, destination, protocol: 253 }, payload: Uint8Array.of(1, 2, 3) });
    expect(unwrap(parseIpv4(raw))).toMatchObject({ protocol: 253, totalLength: 23, payload: Uint8Array.of(1, 2, 3) });
  });

  it('round-trips arbitrary packet specs through the parsers', () => {
    const ipv4 = fc.record({ source: ipv4Address, destination: ipv4Address, ttl: u8, tos: u8, identification: u16, dontFragment: fc.boolean() });
    const spec: fc.Arbitrary<PacketSpec> = fc.oneof(
      fc.record({ ipv4, udp: fc.record({ sourcePort: u16, destinationPort: u16, payload: bytesOf(40), checksum: fc.constantFrom('full' as const, 'partial' as const) }) }),
      fc.record({
        ipv4,
        tcp: fc.record({ sourcePort: u16, destinationPort: u16, sequenceNumber: u32, acknowledgmentNumber: u32, flags: u8, window: u16, payload: bytesOf(40), checksum: fc.constantFrom('full' as const, 'partial' as const) }),
      }),
      fc.record({ ipv4, icmp: fc.record({ kind: fc.constant('echoRequest' as const), code: u8, identifier: u16, sequenceNumber: u16, data: bytesOf(40) }) }),
    );
    fc.assert(
      fc.property(spec, (s) => {
        const packet = buildPacket(s);
        expect(packet.length).toBe(packetLen(s));
        const parsed = unwrap(parseIpv4(packet));
        expect(parsed).toMatchObject({ source: s.ipv4.source, destination: s.ipv4.destination, ttl: s.ipv4.ttl, tos: s.ipv4.tos, totalLength: packet.length });
        expect(checkIpv4Checksum(packet).valid).toBe(true);
        if ('udp' in s) {
          expect(unwrap(parseUdp(parsed.payload))).toMatchObject({ sourcePort: s.udp.sourcePort, payload: s.udp.payload });
          const check = checkUdpChecksum(parsed.payload, parsed.source, parsed.destination);
          expect(s.udp.checksum === 'full' ? check.valid : check.partial).toBe(true);
        } else if ('tcp' in s) {
          expect(unwrap(parseTcp(parsed.payload))).toMatchObject({ sequenceNumber: s.tcp.sequenceNumber, flags: s.tcp.flags, payload: s.tcp.payload });
          const check = checkTcpChecksum(parsed.payload, parsed.source, parsed.destination);
          expect(s.tcp.checksum === 'full' ? check.valid : check.partial).toBe(true);
        } else if ('icmp' in s) {
          expect(unwrap(parseIcmp(parsed.payload))).toMatchObject({ kind: 'echoRequest', data: s.icmp.data });
          expect(checkIcmpChecksum(parsed.payload).valid).toBe(true);
        }
        const buffer = prefilled(packet.length + 3);
        emitPacket(s, buffer, 3);
        expect(buffer.subarray(3)).toEqual(packet);
      }),
    );
  });
});
