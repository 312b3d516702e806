import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateChecksum16 } from '../../../core/checksum.ts';
import { ETHERNET_HEADER_LEN } from '../../../core/wire/ethernet.ts';
import {
  checkIpv4Checksum,
  emitIpv4,
  encodeIpv4Options,
  IPV4_HEADER_LEN,
  ipv4HeaderLen,
  Ipv4Packet,
  IpProtocol,
  parseIpv4,
  parseIpv4Header,
  parseIpv4Options,
  type Ipv4Option,
  type Ipv4Repr,
} from '../../../core/wire/ipv4.ts';
import {
  echoRecordRoute,
  echoReply,
  echoReplyRecordRoute,
  echoReplyTimestampOption,
  echoRequest,
  echoTimestampOption,
  firstFragmentCut,
  igmpV3ReportToEx,
  lastFragment,
  tcpSynPartial,
  timeExceeded,
  udpPartial,
  udpPartialForwarded,
} from './captures.ts';
import { bytesOf, checkRobustness, expectWireError, ip, ipv4Address, prefilled, u16, u8, unwrap } from './support.ts';

const packetOf = (frame: Uint8Array) => frame.subarray(ETHERNET_HEADER_LEN);
const CAPTURED = [echoRequest, echoReply, timeExceeded, echoRecordRoute, echoReplyRecordRoute, echoTimestampOption, echoReplyTimestampOption, igmpV3ReportToEx, lastFragment, udpPartial, tcpSynPartial];

describe('IPv4 (RFC 791)', () => {
  it('deconstructs captured headers as tcpdump printed them', () => {
    // `(tos 0x0, ttl 64, id 31344, offset 0, flags [DF], proto ICMP (1), length 84) 192.0.2.1 > 192.0.2.254`
    const request = unwrap(parseIpv4(packetOf(echoRequest)));
    expect(request).toMatchObject({
      tos: 0,
      ttl: 64,
      identification: 31344,
      fragmentOffset: 0,
      reservedFlag: false,
      dontFragment: true,
      moreFragments: false,
      protocol: IpProtocol.Icmp,
      totalLength: 84,
      source: ip('192.0.2.1'),
      destination: ip('192.0.2.254'),
    });
    expect(ipv4HeaderLen(request)).toBe(20);
    expect(request.payload.length).toBe(64); // `ICMP echo request, …, length 64`
    // tcpdump -v prints `bad cksum` when the header checksum fails; it printed none.
    expect(checkIpv4Checksum(packetOf(echoRequest))).toEqual({ valid: true, expected: request.checksum });

    // `(tos 0x0, ttl 64, id 650, offset 0, flags [none], proto ICMP (1), length 84)`
    expect(unwrap(parseIpv4(packetOf(echoReply)))).toMatchObject({ identification: 650, dontFragment: false, moreFragments: false, ttl: 64 });
    // `(tos 0xc0, ttl 64, id 651, offset 0, flags [none], proto ICMP (1), length 112)`
    expect(unwrap(parseIpv4(packetOf(timeExceeded)))).toMatchObject({ tos: 0xc0, identification: 651, totalLength: 112 });
    // `(tos 0x0, ttl 64, id 17214, offset 1480, flags [none], proto ICMP (1), length 148)`
    const last = unwrap(parseIpv4(packetOf(lastFragment)));
    expect(last).toMatchObject({ identification: 17214, fragmentOffset: 1480, moreFragments: false, dontFragment: false, totalLength: 148 });
    expect(last.payload.length).toBe(128);
  });

  it('reads a header cut short by the snap length leniently, and strictly reports the missing bytes', () => {
    // `length 1514: (tos 0x0, ttl 64, id 17214, offset 0, flags [+], proto ICMP (1), length 1500)`, first 64 bytes kept.
    const cut = packetOf(firstFragmentCut);
    const header = unwrap(parseIpv4Header(cut));
    expect(header).toMatchObject({ identification: 17214, moreFragments: true, dontFragment: false, fragmentOffset: 0, totalLength: 1500 });
    expect(header.payload.length).toBe(cut.length - 20);
    expect(expectWireError(parseIpv4(cut), 'truncated', 'ipv4')).toMatchObject({ needed: 1500, available: 50 });
  });

  it('parses the options tcpdump printed: NOP, record route, EOL, timestamp, router alert', () => {
    // `options (NOP,RR 192.0.2.1, 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0)`: the comma marks the
    // pointer, one slot past the first address (pointer 8).
    const rrRequest = unwrap(parseIpv4(packetOf(echoRecordRoute)));
    expect(ipv4HeaderLen(rrRequest)).toBe(60);
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const requestOptions: Ipv4Option[] = [{ kind: 'nop' }, { kind: 'recordRoute', pointer: 8, addresses: [ip('192.0.2.1'), ...zeros(8)] }];
    expect(parseIpv4Options(rrRequest.options)).toEqual(requestOptions);
    // `options (RR 192.0.2.1, 192.0.2.254, 192.0.2.254, 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0,EOL)`
    const replyOptions: Ipv4Option[] = [
      { kind: 'recordRoute', pointer: 16, addresses: [ip('192.0.2.1'), ip('192.0.2.254'), ip('192.0.2.254'), ...zeros(6)] },
      { kind: 'eol' },
    ];
    expect(parseIpv4Options(unwrap(parseIpv4(packetOf(echoReplyRecordRoute))).options)).toEqual(replyOptions);
    // `options (timestamp TS{TS+ADDR 18367909@192.0.2.1 ^ 0@0.0.0.0 0@0.0.0.0 0@0.0.0.0})`: flag 1, the caret at
    // the second slot (pointer 13).
    const tsRequest = parseIpv4Options(unwrap(parseIpv4(packetOf(echoTimestampOption))).options);
    expect(tsRequest).toEqual([
      { kind: 'timestamp', pointer: 13, overflow: 0, flag: 1, entries: [{ address: ip('192.0.2.1'), timestamp: 18367909 }, ...[1, 2, 3].map(() => ({ address: 0, timestamp: 0 }))] },
    ]);
    // `TS{TS+ADDR 18367909@192.0.2.1 18367909@192.0.2.254 18367909@192.0.2.254 ^ 0@0.0.0.0}` (pointer 29)
    const tsReply = parseIpv4Options(unwrap(parseIpv4(packetOf(echoReplyTimestampOption))).options);
    expect(tsReply).toEqual([
      {
        kind: 'timestamp',
        pointer: 29,
        overflow: 0,
        flag: 1,
        entries: [
          { address: ip('192.0.2.1'), timestamp: 18367909 },
          { address: ip('192.0.2.254'), timestamp: 18367909 },
          { address: ip('192.0.2.254'), timestamp: 18367909 },
          { address: 0, timestamp: 0 },
        ],
      },
    ]);
    // `(tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))`
    const igmp = unwrap(parseIpv4(packetOf(igmpV3ReportToEx)));
    expect(igmp).toMatchObject({ tos: 0xc0, ttl: 1, identification: 0, dontFragment: true, protocol: IpProtocol.Igmp, totalLength: 40 });
    expect(parseIpv4Options(igmp.options)).toEqual([{ kind: 'routerAlert', value: 0 }]);

    // And the lists encode back to the captured option bytes.
    expect(encodeIpv4Options(requestOptions)).toEqual(rrRequest.options);
    expect(encodeIpv4Options(replyOptions)).toEqual(unwrap(parseIpv4(packetOf(echoReplyRecordRoute))).options);
    expect(encodeIpv4Options(tsReply)).toEqual(unwrap(parseIpv4(packetOf(echoReplyTimestampOption))).options);
    expect(encodeIpv4Options([{ kind: 'routerAlert', value: 0 }])).toEqual(igmp.options);
  });

  it('keeps malformed and unknown options as values, as tcpdump prints them', () => {
    // Security (130, length 11) is not interpreted; a router alert of length 3 cannot be one; a length of 1 ends the list.
    const options = Uint8Array.from([130, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 148, 3, 0, 7, 1, 0, 0]);
    expect(parseIpv4Options(options)).toEqual([
      { kind: 'unknown', type: 130, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) },
      { kind: 'unknown', type: 148, data: Uint8Array.from([0]) },
      { kind: 'malformed', type: 7, bytes: Uint8Array.from([7, 1, 0, 0]) },
    ]);
    // A length past the end is malformed too.
    expect(parseIpv4Options(Uint8Array.from([1, 68, 40, 5, 0]))).toEqual([{ kind: 'nop' }, { kind: 'malformed', type: 68, bytes: Uint8Array.from([68, 40, 5, 0]) }]);
  });

  it('constructs the captured packets from the parsed values, into a 0xa5-filled buffer', () => {
    for (const frame of CAPTURED) {
      const packet = packetOf(frame);
      const repr = unwrap(parseIpv4(packet));
      for (const mode of ['keep', 'full'] as const) {
        const buffer = prefilled(packet.length);
        expect(emitIpv4(repr, buffer, 0, mode)).toBe(packet.length);
        expect(buffer).toEqual(packet);
      }
    }
  });

  it('emits the captured header from the values tcpdump printed, computing the checksum as the kernel did', () => {
    const packet = packetOf(echoRequest);
    const repr: Ipv4Repr = {
      tos: 0,
      totalLength: 84,
      identification: 31344,
      reservedFlag: false,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: IpProtocol.Icmp,
      checksum: 0,
      source: ip('192.0.2.1'),
      destination: ip('192.0.2.254'),
      options: new Uint8Array(0),
      payload: packet.subarray(20),
    };
    const buffer = prefilled(84);
    emitIpv4(repr, buffer, 0, 'full');
    expect(buffer).toEqual(packet);
    // An explicit checksum is written as given, and judged with the value tcpdump would print after `->`.
    emitIpv4({ ...repr, checksum: 0x1234 }, buffer, 0, 'keep');
    expect(buffer[10]).toBe(0x12);
    expect(checkIpv4Checksum(buffer)).toEqual({ valid: false, expected: unwrap(parseIpv4(packet)).checksum });
  });

  it('rewrites a forwarded packet in place: TTL 64 → 63 with an RFC 1624 update gives the bytes captured behind the router', () => {
    // The same UDP datagram on both sides of the router: `ttl 64, id 24997` on a0, `ttl 63, id 24997` on b0.
    const packet = packetOf(udpPartial).slice();
    const view = unwrap(Ipv4Packet.checked(packet));
    const oldWord = (view.ttl << 8) | view.protocol;
    view.ttl -= 1;
    view.checksum = updateChecksum16(view.checksum, oldWord, (view.ttl << 8) | view.protocol);
    expect(packet).toEqual(packetOf(udpPartialForwarded));
    view.fillChecksum();
    expect(packet).toEqual(packetOf(udpPartialForwarded));
    expect(view.payload).toEqual(packet.subarray(20, 34));
  });

  it('rejects what a receiver rejects, with typed errors', () => {
    const good = packetOf(echoRequest);
    const withByte = (at: number, value: number) => {
      const copy = good.slice();
      copy[at] = value;
      return copy;
    };
    expect(expectWireError(parseIpv4(withByte(0, 0x44)), 'malformed', 'ipv4')).toMatchObject({ field: 'ihl' });
    expect(expectWireError(parseIpv4(withByte(0, 0x65)), 'malformed', 'ipv4')).toMatchObject({ field: 'version' });
    // IHL 15 needs 60 header bytes, options included: a cut through the options is truncated, leniently too.
    const rr = packetOf(echoRecordRoute);
    for (let length = 20; length < 60; length++) {
      expect(expectWireError(parseIpv4Header(rr.subarray(0, length)), 'truncated', 'ipv4')).toMatchObject({ needed: 60, available: length });
    }
    expect(expectWireError(parseIpv4(withByte(0, 0x4f).subarray(0, 40)), 'truncated', 'ipv4')).toMatchObject({ needed: 60, available: 40 });
    const tooShortTotal = withByte(3, 19); // total length 19 < 20
    expect(expectWireError(parseIpv4(tooShortTotal), 'malformed', 'ipv4')).toMatchObject({ field: 'totalLength' });
    expect(unwrap(parseIpv4Header(tooShortTotal)).payload.length).toBe(0);
    expect(expectWireError(parseIpv4(good.subarray(0, 19)), 'truncated', 'ipv4')).toMatchObject({ needed: 20, available: 19 });
    // Bytes after the total length (Ethernet padding) are not payload.
    const padded = new Uint8Array(100);
    padded.set(good);
    expect(unwrap(parseIpv4(padded)).payload.length).toBe(64);
    // Unknown protocol numbers are values.
    expect(unwrap(parseIpv4(withByte(9, 253))).protocol).toBe(253);
  });

  it('round-trips arbitrary values: parse(emit(x)) = x, and a full checksum verifies', () => {
    const repr = fc
      .record({
        tos: u8,
        identification: u16,
        reservedFlag: fc.boolean(),
        dontFragment: fc.boolean(),
        moreFragments: fc.boolean(),
        fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((units) => units * 8),
        ttl: u8,
        protocol: u8,
        checksum: u16,
        source: ipv4Address,
        destination: ipv4Address,
        options: fc.integer({ min: 0, max: 10 }).chain((words) => bytesOf(4 * words, 4 * words)),
        payload: bytesOf(64),
      })
      .map((r): Ipv4Repr => ({ ...r, totalLength: IPV4_HEADER_LEN + r.options.length + r.payload.length }));
    fc.assert(
      fc.property(repr, fc.nat(8), (x, offset) => {
        const buffer = prefilled(offset + x.totalLength);
        expect(emitIpv4(x, buffer, offset, 'keep')).toBe(x.totalLength);
        expect(unwrap(parseIpv4(buffer.subarray(offset)))).toEqual(x);
        emitIpv4(x, buffer, offset, 'full');
        const check = checkIpv4Checksum(buffer.subarray(offset));
        expect(check.valid).toBe(true);
      }),
    );
  });

  it('round-trips arbitrary option lists: parseIpv4Options(encodeIpv4Options(l)) = l (+ eol when padded)', () => {
    const known = [0, 1, 7, 68, 131, 137, 148];
    const option: fc.Arbitrary<Ipv4Option> = fc.oneof(
      fc.constant({ kind: 'nop' as const }),
      fc.record({ kind: fc.constantFrom('recordRoute' as const, 'looseSourceRoute' as const, 'strictSourceRoute' as const), pointer: u8, addresses: fc.array(ipv4Address, { maxLength: 9 }) }),
      fc.record({ kind: fc.constant('routerAlert' as const), value: u16 }),
      fc
        .record({ pointer: u8, overflow: fc.integer({ min: 0, max: 15 }), flag: fc.integer({ min: 0, max: 15 }), stamps: fc.array(fc.tuple(ipv4Address, fc.integer({ min: 0, max: 0xffff_ffff })), { maxLength: 4 }) })
        .map(({ pointer, overflow, flag, stamps }) => ({
          kind: 'timestamp' as const,
          pointer,
          overflow,
          flag,
          entries: stamps.map(([address, timestamp]) => (flag === 0 ? { timestamp } : { address, timestamp })),
        })),
      fc.record({ kind: fc.constant('unknown' as const), type: u8.filter((t) => !known.includes(t)), data: bytesOf(12) }),
    );
    fc.assert(
      fc.property(fc.array(option, { maxLength: 5 }), (list) => {
        const encoded = encodeIpv4Options(list);
        expect(encoded.length % 4).toBe(0);
        const parsed = parseIpv4Options(encoded);
        expect(parsed.slice(0, list.length)).toEqual(list);
        expect(parsed.slice(list.length).every((o) => o.kind === 'eol')).toBe(true);
        expect(parsed.length - list.length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    const packets = CAPTURED.map(packetOf);
    checkRobustness(parseIpv4, packets);
    checkRobustness(parseIpv4Header, packets);
    fc.assert(fc.property(bytesOf(48), (bytes) => void parseIpv4Options(bytes)));
  });
});
