import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAC_BROADCAST, MAC_ZERO } from '../../../core/mac.ts';
import { ARP_ETHERNET_IPV4_LEN, arpLen, ArpOperation, emitArp, parseArp, type ArpRepr } from '../../../core/wire/arp.ts';
import { ETHERNET_HEADER_LEN, EtherType, parseEthernet } from '../../../core/wire/ethernet.ts';
import { buildFrame } from '../../../core/wire/frame.ts';
import { arpReply, arpRequest, arpUnicastProbe } from './captures.ts';
import { bytesOf, checkRobustness, expectWireError, ip, ipv4Address, mac, macAddress, prefilled, u16, unwrap } from './support.ts';

const body = (frame: Uint8Array) => frame.subarray(ETHERNET_HEADER_LEN);

// `Request who-has 192.0.2.254 tell 192.0.2.1` (tcpdump prints no target MAC: it is zero; tshark: 00:00:00:00:00:00).
const request: ArpRepr = {
  kind: 'ethernetIpv4',
  operation: ArpOperation.Request,
  senderHardwareAddress: mac('22:23:04:70:28:b0'),
  senderProtocolAddress: ip('192.0.2.1'),
  targetHardwareAddress: MAC_ZERO,
  targetProtocolAddress: ip('192.0.2.254'),
};

describe('ARP (RFC 826)', () => {
  it('deconstructs a captured request and reply as tcpdump printed them', () => {
    // `22:23:04:70:28:b0 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Request …, length 28`
    const eth = unwrap(parseEthernet(arpRequest));
    expect(eth).toEqual({ destination: MAC_BROADCAST, source: mac('22:23:04:70:28:b0'), etherType: EtherType.Arp });
    expect(arpRequest.length - ETHERNET_HEADER_LEN).toBe(28);
    expect(unwrap(parseArp(body(arpRequest)))).toEqual(request);

    // `Reply 192.0.2.254 is-at 06:0b:cd:f6:e5:4f` (target from tshark: 22:23:04:70:28:b0, 192.0.2.1).
    const reply = unwrap(parseArp(body(arpReply)));
    expect(reply).toEqual({
      kind: 'ethernetIpv4',
      operation: ArpOperation.Reply,
      senderHardwareAddress: mac('06:0b:cd:f6:e5:4f'),
      senderProtocolAddress: ip('192.0.2.254'),
      targetHardwareAddress: mac('22:23:04:70:28:b0'),
      targetProtocolAddress: ip('192.0.2.1'),
    });

    // The kernel's unicast re-probe: `Request who-has 192.0.2.1 tell 192.0.2.254` to the cached MAC, target MAC zero.
    const probe = unwrap(parseArp(body(arpUnicastProbe)));
    expect(unwrap(parseEthernet(arpUnicastProbe)).destination).toBe(mac('36:db:e2:05:25:bb'));
    expect(probe).toMatchObject({ operation: ArpOperation.Request, targetHardwareAddress: MAC_ZERO, targetProtocolAddress: ip('192.0.2.1') });
  });

  it('constructs the captured bytes from the parsed values, into a 0xa5-filled buffer', () => {
    for (const frame of [arpRequest, arpReply, arpUnicastProbe]) {
      const repr = unwrap(parseArp(body(frame)));
      const buffer = prefilled(arpLen(repr));
      expect(emitArp(repr, buffer)).toBe(ARP_ETHERNET_IPV4_LEN);
      expect(buffer).toEqual(body(frame));
    }
  });

  it('builds the captured request frame from tcpdump fields alone', () => {
    const frame = buildFrame({ ethernet: { destination: MAC_BROADCAST, source: mac('22:23:04:70:28:b0') }, arp: request });
    expect(frame).toEqual(arpRequest);
  });

  it('parses other hardware and protocol types as values with their lengths', () => {
    // An IEEE 1394 (type 24) ARP for IPv4 [RFC 2734] has HLEN 16: kept as bytes, nothing interpreted.
    const bytes = Uint8Array.from([0x00, 0x18, 0x08, 0x00, 16, 4, 0x00, 0x01, ...new Array(16).fill(0x11), 192, 0, 2, 1, ...new Array(16).fill(0x22), 192, 0, 2, 2]);
    const repr = unwrap(parseArp(bytes));
    expect(repr).toMatchObject({ kind: 'other', hardwareType: 24, protocolType: 0x0800, operation: 1 });
    if (repr.kind !== 'other') throw new Error('unreachable');
    expect(repr.senderHardwareAddress.length).toBe(16);
    expect(Array.from(repr.targetProtocolAddress)).toEqual([192, 0, 2, 2]);
    const buffer = prefilled(arpLen(repr));
    emitArp(repr, buffer);
    expect(buffer).toEqual(bytes);
  });

  it('ignores trailing Ethernet padding, and reports truncation with the lengths HLEN and PLEN need', () => {
    const padded = new Uint8Array(46);
    padded.set(body(arpRequest));
    expect(unwrap(parseArp(padded))).toEqual(request);
    expect(expectWireError(parseArp(body(arpRequest).subarray(0, 27)), 'truncated', 'arp')).toMatchObject({ needed: 28, available: 27 });
    expect(expectWireError(parseArp(body(arpRequest).subarray(0, 5)), 'truncated', 'arp')).toMatchObject({ needed: 8, available: 5 });
  });

  it('round-trips arbitrary values: parse(emit(x)) = x', () => {
    const ethernetIpv4 = fc.record({
      kind: fc.constant('ethernetIpv4' as const),
      operation: u16,
      senderHardwareAddress: macAddress,
      senderProtocolAddress: ipv4Address,
      targetHardwareAddress: macAddress,
      targetProtocolAddress: ipv4Address,
    });
    const other = fc
      .record({ hardwareType: u16, protocolType: u16, operation: u16, hlen: fc.integer({ min: 0, max: 32 }), plen: fc.integer({ min: 0, max: 32 }), seed: bytesOf(128, 128) })
      .filter((r) => !(r.hardwareType === 1 && r.protocolType === 0x0800 && r.hlen === 6 && r.plen === 4))
      .map(({ hardwareType, protocolType, operation, hlen, plen, seed }): ArpRepr => ({
        kind: 'other',
        hardwareType,
        protocolType,
        operation,
        senderHardwareAddress: seed.slice(0, hlen),
        senderProtocolAddress: seed.slice(32, 32 + plen),
        targetHardwareAddress: seed.slice(64, 64 + hlen),
        targetProtocolAddress: seed.slice(96, 96 + plen),
      }));
    fc.assert(
      fc.property(fc.oneof(ethernetIpv4, other), (repr) => {
        const buffer = prefilled(arpLen(repr) + 3);
        const length = emitArp(repr, buffer, 3);
        expect(length).toBe(arpLen(repr));
        expect(unwrap(parseArp(buffer.subarray(3)))).toEqual(repr);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    checkRobustness(parseArp, [body(arpRequest), body(arpReply)]);
  });
});
