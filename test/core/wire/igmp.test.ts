import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ETHERNET_HEADER_LEN, parseEthernet } from '../../../core/wire/ethernet.ts';
import { buildFrame } from '../../../core/wire/frame.ts';
import { checkIgmpChecksum, emitIgmp, igmpLen, IgmpRecordType, IgmpType, igmpv3CodeValue, parseIgmp, type IgmpRepr } from '../../../core/wire/igmp.ts';
import { IpProtocol, parseIpv4, parseIpv4Options } from '../../../core/wire/ipv4.ts';
import {
  igmpV2Leave,
  igmpV2Query,
  igmpV2Report,
  igmpV3Query,
  igmpV3ReportAllow,
  igmpV3ReportBlock,
  igmpV3ReportIsEx,
  igmpV3ReportToEx,
  igmpV3ReportToIn,
} from './captures.ts';
import { bytesOf, checkRobustness, expectWireError, ip, ipv4Address, mac, prefilled, u16, u8, unwrap } from './support.ts';

function layers(frame: Uint8Array) {
  const ipv4 = unwrap(parseIpv4(frame.subarray(ETHERNET_HEADER_LEN)));
  return { ipv4, message: ipv4.payload, igmp: unwrap(parseIgmp(ipv4.payload)) };
}

const CAPTURED = [igmpV3Query, igmpV3ReportToEx, igmpV3ReportIsEx, igmpV3ReportAllow, igmpV3ReportBlock, igmpV3ReportToIn, igmpV2Query, igmpV2Report, igmpV2Leave];
const EMPTY = new Uint8Array(0);

describe('IGMP (RFC 2236, RFC 3376)', () => {
  it('deconstructs the IGMPv3 reports a bridge with an address sends, as tcpdump -vv printed them', () => {
    // `203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 224.0.0.106 to_ex { }]`
    const toEx = layers(igmpV3ReportToEx);
    expect(toEx.ipv4).toMatchObject({ source: ip('203.0.113.1'), destination: ip('224.0.0.22'), protocol: IpProtocol.Igmp, ttl: 1, tos: 0xc0 });
    expect(toEx.igmp).toEqual({
      kind: 'membershipReportV3',
      checksum: toEx.igmp.checksum,
      records: [{ recordType: IgmpRecordType.ChangeToExclude, multicastAddress: ip('224.0.0.106'), sources: [], auxData: EMPTY }],
    });
    // `[gaddr 224.0.0.106 is_ex { }]`, `[gaddr 239.1.2.3 to_in { }]`
    expect(layers(igmpV3ReportIsEx).igmp).toMatchObject({ records: [{ recordType: IgmpRecordType.ModeIsExclude, multicastAddress: ip('224.0.0.106') }] });
    expect(layers(igmpV3ReportToIn).igmp).toMatchObject({ records: [{ recordType: IgmpRecordType.ChangeToInclude, multicastAddress: ip('239.1.2.3'), sources: [] }] });
    // `[gaddr 232.1.1.1 allow { 198.51.100.7 198.51.100.9 }]`, `[gaddr 232.1.1.1 block { 198.51.100.9 198.51.100.7 }]`
    expect(layers(igmpV3ReportAllow).igmp).toMatchObject({
      records: [{ recordType: IgmpRecordType.AllowNewSources, multicastAddress: ip('232.1.1.1'), sources: [ip('198.51.100.7'), ip('198.51.100.9')] }],
    });
    expect(layers(igmpV3ReportBlock).igmp).toMatchObject({
      records: [{ recordType: IgmpRecordType.BlockOldSources, multicastAddress: ip('232.1.1.1'), sources: [ip('198.51.100.9'), ip('198.51.100.7')] }],
    });
    // tcpdump -vv prints `bad igmp cksum` when the checksum fails; it printed none.
    for (const frame of CAPTURED) {
      const { message, igmp } = layers(frame);
      expect(checkIgmpChecksum(message)).toEqual({ valid: true, expected: igmp.checksum });
    }
  });

  it('deconstructs queries, a v2 report and a leave', () => {
    // `0.0.0.0 > 224.0.0.1: igmp query v3`; the fields tcpdump leaves out, from tshark -V: Max Resp Time 10.0 sec
    // (0x64), Checksum 0xec1e, Multicast Address 0.0.0.0, S 0, QRV 2, QQIC 125, Num Src 0.
    expect(layers(igmpV3Query).igmp).toEqual({
      kind: 'membershipQueryV3',
      maxRespCode: 0x64,
      checksum: 0xec1e,
      group: 0,
      suppressRouterProcessing: false,
      robustness: 2,
      queryIntervalCode: 125,
      sources: [],
    });
    // `igmp query v2` (max resp time 100 is not printed; tshark: 10.0 sec, checksum 0xee9b, address 0.0.0.0)
    expect(layers(igmpV2Query).igmp).toEqual({ kind: 'membershipQuery', maxRespTime: 100, checksum: 0xee9b, group: 0 });
    // `203.0.113.65 > 224.0.0.106: igmp v2 report 224.0.0.106` (tshark: checksum 0x0995)
    expect(layers(igmpV2Report).igmp).toEqual({ kind: 'membershipReportV2', maxRespTime: 0, checksum: 0x0995, group: ip('224.0.0.106') });
    // `203.0.113.65 > 224.0.0.2: igmp leave 239.1.2.3` (tshark: checksum 0xf7fa)
    const leave = layers(igmpV2Leave);
    expect(leave.ipv4.destination).toBe(ip('224.0.0.2'));
    expect(leave.igmp).toEqual({ kind: 'leaveGroup', maxRespTime: 0, checksum: 0xf7fa, group: ip('239.1.2.3') });
  });

  it('constructs the captured messages from parsed values, into a 0xa5-filled buffer', () => {
    for (const frame of CAPTURED) {
      const { message, igmp } = layers(frame);
      for (const mode of ['keep', 'full'] as const) {
        const buffer = prefilled(message.length);
        expect(emitIgmp(igmp, buffer, 0, mode)).toBe(message.length);
        expect(buffer).toEqual(message);
      }
    }
  });

  it('builds the bridge’s whole report frame from tcpdump’s fields: tos 0xc0, ttl 1, DF, router alert', () => {
    // `72:83:48:b7:04:0a > 01:00:5e:00:00:16, … (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40,
    //  options (RA)) 203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 224.0.0.106 to_ex { }]`
    const frame = buildFrame({
      ethernet: { destination: mac('01:00:5e:00:00:16'), source: unwrap(parseEthernet(igmpV3ReportToEx)).source },
      ipv4: { source: ip('203.0.113.1'), destination: ip('224.0.0.22'), tos: 0xc0, ttl: 1, dontFragment: true, options: [{ kind: 'routerAlert', value: 0 }] },
      igmp: { kind: 'membershipReportV3', records: [{ recordType: IgmpRecordType.ChangeToExclude, multicastAddress: ip('224.0.0.106'), sources: [], auxData: EMPTY }] },
    });
    expect(frame).toEqual(igmpV3ReportToEx);
    expect(parseIpv4Options(unwrap(parseIpv4(frame.subarray(14))).options)).toEqual([{ kind: 'routerAlert', value: 0 }]);
  });

  it('decodes IGMPv3 time codes (RFC 3376 §4.1.1) and reports truncation of counted fields', () => {
    expect(igmpv3CodeValue(100)).toBe(100);
    expect(igmpv3CodeValue(0x80)).toBe(128); // mant 0, exp 0: (0x10 | 0) << 3
    expect(igmpv3CodeValue(0xff)).toBe(31744); // (0x10 | 0xf) << (7 + 3)
    const report = layers(igmpV3ReportAllow).message;
    for (let length = 8; length < report.length; length++) {
      expect(expectWireError(parseIgmp(report.subarray(0, length)), 'truncated', 'igmp').kind).toBe('truncated');
    }
    const query = layers(igmpV3Query).message.slice();
    query[11] = 2; // two sources claimed, none present
    expect(expectWireError(parseIgmp(query), 'truncated', 'igmp')).toMatchObject({ needed: 20, available: 12 });
    expect(unwrap(parseIgmp(Uint8Array.from([0x99, 1, 0, 0, 5, 6, 7, 8])))).toEqual({ kind: 'other', type: 0x99, code: 1, checksum: 0, data: Uint8Array.from([5, 6, 7, 8]) });
  });

  it('round-trips arbitrary messages of every kind: parse(emit(x)) = x, and a full checksum verifies', () => {
    const known = Object.values(IgmpType) as number[];
    const addresses = fc.array(ipv4Address, { maxLength: 4 });
    const record = fc.record({
      recordType: u8,
      multicastAddress: ipv4Address,
      sources: addresses,
      auxData: fc.integer({ min: 0, max: 3 }).chain((words) => bytesOf(4 * words, 4 * words)),
    });
    const repr: fc.Arbitrary<IgmpRepr> = fc.oneof(
      fc.record({ kind: fc.constant('membershipQuery' as const), maxRespTime: u8, checksum: u16, group: ipv4Address }),
      fc.record({
        kind: fc.constant('membershipQueryV3' as const),
        maxRespCode: u8,
        checksum: u16,
        group: ipv4Address,
        suppressRouterProcessing: fc.boolean(),
        robustness: fc.integer({ min: 0, max: 7 }),
        queryIntervalCode: u8,
        sources: addresses,
      }),
      fc.record({ kind: fc.constantFrom('membershipReportV1' as const, 'membershipReportV2' as const, 'leaveGroup' as const), maxRespTime: u8, checksum: u16, group: ipv4Address }),
      fc.record({ kind: fc.constant('membershipReportV3' as const), checksum: u16, records: fc.array(record, { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('other' as const), type: u8.filter((t) => !known.includes(t)), code: u8, checksum: u16, data: bytesOf(32, 4) }),
    );
    fc.assert(
      fc.property(repr, fc.nat(6), (x, offset) => {
        const buffer = prefilled(offset + igmpLen(x));
        expect(emitIgmp(x, buffer, offset, 'keep')).toBe(igmpLen(x));
        expect(unwrap(parseIgmp(buffer.subarray(offset)))).toEqual(x);
        emitIgmp(x, buffer, offset, 'full');
        expect(checkIgmpChecksum(buffer.subarray(offset)).valid).toBe(true);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    checkRobustness(parseIgmp, CAPTURED.map((f) => layers(f).message));
  });
});
