import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAC_BROADCAST } from '../../../core/mac.ts';
import { emitEthernet, ETHERNET_HEADER_LEN, ETHERNET_TAGGED_HEADER_LEN, ethernetHeaderLen, EtherType, parseEthernet, type EthernetRepr } from '../../../core/wire/ethernet.ts';
import { arpRequest, echoRequest, igmpV3ReportToEx } from './captures.ts';
import { checkRobustness, expectWireError, mac, macAddress, prefilled, u16, unwrap } from './support.ts';

describe('Ethernet II', () => {
  it('deconstructs captured headers as tcpdump -e printed them', () => {
    // `22:23:04:70:28:b0 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806)`
    expect(unwrap(parseEthernet(arpRequest))).toEqual({ destination: MAC_BROADCAST, source: mac('22:23:04:70:28:b0'), etherType: EtherType.Arp });
    // `22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, ethertype IPv4 (0x0800)`
    expect(unwrap(parseEthernet(echoRequest))).toEqual({ destination: mac('06:0b:cd:f6:e5:4f'), source: mac('22:23:04:70:28:b0'), etherType: EtherType.Ipv4 });
    // `72:83:48:b7:04:0a > 01:00:5e:00:00:16, ethertype IPv4 (0x0800)`: the IPv4 multicast MAC of 224.0.0.22
    expect(unwrap(parseEthernet(igmpV3ReportToEx)).destination).toBe(mac('01:00:5e:00:00:16'));
  });

  it('constructs captured headers from parsed values, at an offset, into a 0xa5-filled buffer', () => {
    for (const frame of [arpRequest, echoRequest, igmpV3ReportToEx]) {
      const repr = unwrap(parseEthernet(frame));
      const buffer = prefilled(ETHERNET_HEADER_LEN + 5);
      expect(emitEthernet(repr, buffer, 5)).toBe(ETHERNET_HEADER_LEN);
      expect(buffer.subarray(5)).toEqual(frame.subarray(0, ETHERNET_HEADER_LEN));
      expect(Array.from(buffer.subarray(0, 5))).toEqual([0xa5, 0xa5, 0xa5, 0xa5, 0xa5]);
    }
  });

  it('keeps unknown EtherTypes as values and reports truncation', () => {
    const frame = arpRequest.slice();
    frame[12] = 0x88;
    frame[13] = 0xb5; // IEEE local experimental
    expect(unwrap(parseEthernet(frame)).etherType).toBe(0x88b5);
    expect(expectWireError(parseEthernet(frame.subarray(0, 13)), 'truncated', 'ethernet')).toMatchObject({ needed: 14, available: 13 });
    const tagged = new Uint8Array(16);
    tagged[12] = 0x81;
    expect(expectWireError(parseEthernet(tagged), 'truncated', 'ethernet')).toMatchObject({ needed: 18, available: 16 });
  });

  it('round-trips arbitrary headers, tagged or not: parse(emit(x)) = x', () => {
    const repr: fc.Arbitrary<EthernetRepr> = fc.record(
      {
        destination: macAddress,
        source: macAddress,
        etherType: u16.filter((t) => t !== EtherType.Vlan),
        vlan: fc.record({ priority: fc.integer({ min: 0, max: 7 }), dropEligible: fc.boolean(), vlanId: fc.integer({ min: 0, max: 4095 }) }),
      },
      { requiredKeys: ['destination', 'source', 'etherType'] },
    );
    fc.assert(
      fc.property(repr, fc.nat(4), (x, offset) => {
        const buffer = prefilled(offset + ethernetHeaderLen(x));
        expect(emitEthernet(x, buffer, offset)).toBe(x.vlan ? ETHERNET_TAGGED_HEADER_LEN : ETHERNET_HEADER_LEN);
        expect(unwrap(parseEthernet(buffer.subarray(offset)))).toEqual(x);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    checkRobustness(parseEthernet, [arpRequest, echoRequest]);
  });
});
