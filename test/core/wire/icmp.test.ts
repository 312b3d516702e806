import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateChecksum16 } from '../../../core/checksum.ts';
import { ETHERNET_HEADER_LEN, parseEthernet } from '../../../core/wire/ethernet.ts';
import { buildFrame } from '../../../core/wire/frame.ts';
import {
  checkIcmpChecksum,
  emitIcmp,
  icmpLen,
  IcmpMessage,
  IcmpRedirectCode,
  IcmpTimeExceededCode,
  icmpType,
  IcmpType,
  IcmpUnreachableCode,
  parseIcmp,
  type IcmpRepr,
} from '../../../core/wire/icmp.ts';
import { IpProtocol, parseIpv4, parseIpv4Header } from '../../../core/wire/ipv4.ts';
import { checkUdpChecksum, parseUdp } from '../../../core/wire/udp.ts';
import {
  echoReply,
  echoRequest,
  echoRequestTtl1,
  fragmentationNeeded,
  hostUnreachable,
  portUnreachable,
  portUnreachablePartial,
  redirect,
  timeExceeded,
  udpPartialForwarded,
} from './captures.ts';
import { bytesOf, checkRobustness, expectWireError, ip, ipv4Address, prefilled, u16, u32, u8, unwrap } from './support.ts';

function layers(frame: Uint8Array) {
  const ipv4 = unwrap(parseIpv4(frame.subarray(ETHERNET_HEADER_LEN)));
  return { ipv4, message: ipv4.payload, icmp: unwrap(parseIcmp(ipv4.payload)) };
}

const CAPTURED = [echoRequest, echoReply, timeExceeded, portUnreachablePartial, portUnreachable, fragmentationNeeded, redirect, hostUnreachable];

/** iputils ping's 56 data bytes: a 16-byte timeval, then 0x10, 0x11, …, 0x37. */
function expectIputilsData(data: Uint8Array): void {
  expect(data.length).toBe(56);
  expect(Array.from(data.subarray(16))).toEqual(Array.from({ length: 40 }, (_, i) => 0x10 + i));
}

describe('ICMP (RFC 792)', () => {
  it('deconstructs a captured iputils echo request and reply', () => {
    // `192.0.2.1 > 192.0.2.254: ICMP echo request, id 4388, seq 1, length 64` (no `wrong icmp cksum` under -vv)
    const request = layers(echoRequest);
    expect(request.icmp).toMatchObject({ kind: 'echoRequest', code: 0, identifier: 4388, sequenceNumber: 1 });
    expect(icmpLen(request.icmp)).toBe(64);
    expectIputilsData(request.icmp.data);
    expect(checkIcmpChecksum(request.message)).toEqual({ valid: true, expected: request.icmp.checksum });
    // `192.0.2.254 > 192.0.2.1: ICMP echo reply, id 4388, seq 1, length 64`: id, seq and data copied.
    const reply = layers(echoReply);
    expect(reply.icmp).toMatchObject({ kind: 'echoReply', code: 0, identifier: 4388, sequenceNumber: 1, data: request.icmp.data });
    expect(checkIcmpChecksum(reply.message).valid).toBe(true);
  });

  it('deconstructs errors and the datagram each one quotes', () => {
    // `192.0.2.254 > 192.0.2.1: ICMP time exceeded in-transit, length 92` quoting
    // `(tos 0x0, ttl 1, id 24054, offset 0, flags [DF], proto ICMP (1), length 84) … echo request, id 4389, seq 1`
    const te = layers(timeExceeded);
    expect(te.icmp).toMatchObject({ kind: 'timeExceeded', code: IcmpTimeExceededCode.TtlExceeded, unused: 0 });
    expect(icmpLen(te.icmp)).toBe(92);
    expect(te.icmp.data).toEqual(echoRequestTtl1.subarray(ETHERNET_HEADER_LEN)); // the whole original datagram
    const quoted = unwrap(parseIpv4Header(te.icmp.data));
    expect(quoted).toMatchObject({ ttl: 1, identification: 24054, dontFragment: true, protocol: IpProtocol.Icmp, totalLength: 84, destination: ip('198.51.100.1') });
    expect(unwrap(parseIcmp(quoted.payload))).toMatchObject({ kind: 'echoRequest', identifier: 4389, sequenceNumber: 1 });

    // `198.51.100.1 > 192.0.2.1: ICMP 198.51.100.1 udp port 9 unreachable, length 42` quoting the datagram as the
    // host received it (ttl 63, `[bad udp cksum 0xec55 -> 0x2654!]`: the offloaded sender's partial sum).
    const pu = layers(portUnreachablePartial);
    expect(pu.icmp).toMatchObject({ kind: 'destinationUnreachable', code: IcmpUnreachableCode.PortUnreachable, nextHopMtu: 0 });
    expect(icmpLen(pu.icmp)).toBe(42);
    expect(pu.icmp.data).toEqual(udpPartialForwarded.subarray(ETHERNET_HEADER_LEN));
    const inner = unwrap(parseIpv4Header(pu.icmp.data));
    expect(inner).toMatchObject({ ttl: 63, identification: 24997, protocol: IpProtocol.Udp, totalLength: 34 });
    const udp = unwrap(parseUdp(inner.payload));
    expect(udp).toMatchObject({ sourcePort: 43362, destinationPort: 9, length: 14 });
    expect(checkUdpChecksum(inner.payload, inner.source, inner.destination)).toEqual({ valid: false, expected: 0x2654, partial: true });
    // The same with a software checksum: `[udp sum ok]` inside the error.
    const pu2 = layers(portUnreachable);
    const inner2 = unwrap(parseIpv4Header(pu2.icmp.data));
    expect(checkUdpChecksum(inner2.payload, inner2.source, inner2.destination).valid).toBe(true);

    // `ICMP 198.51.100.1 unreachable - need to frag (mtu 1000), length 556`, quoting 548 bytes of a
    // `length 1228` datagram: its header reads leniently, strictly it is cut short.
    const fn = layers(fragmentationNeeded);
    expect(fn.icmp).toMatchObject({ kind: 'destinationUnreachable', code: IcmpUnreachableCode.FragmentationNeeded, nextHopMtu: 1000 });
    expect(icmpLen(fn.icmp)).toBe(556);
    expect(fn.ipv4.totalLength).toBe(576); // an error is at most 576 bytes
    const big = unwrap(parseIpv4Header(fn.icmp.data));
    expect(big).toMatchObject({ totalLength: 1228, identification: 0, dontFragment: true, ttl: 64 });
    expect(big.payload.length).toBe(548 - 20);
    expect(expectWireError(parseIpv4(fn.icmp.data), 'truncated', 'ipv4')).toMatchObject({ needed: 1228, available: 548 });
    expect(unwrap(parseIcmp(big.payload))).toMatchObject({ kind: 'echoRequest', identifier: 5252, sequenceNumber: 1 });

    // `ICMP redirect 203.0.113.5 to host 192.0.2.2, length 92`, quoting `(… ttl 63, id 18891 …) 192.0.2.1 > 203.0.113.5`
    const rd = layers(redirect);
    expect(rd.icmp).toMatchObject({ kind: 'redirect', code: IcmpRedirectCode.Host, gateway: ip('192.0.2.2') });
    expect(unwrap(parseIpv4Header(rd.icmp.data))).toMatchObject({ ttl: 63, identification: 18891, destination: ip('203.0.113.5') });

    // `ICMP host 203.0.113.5 unreachable, length 92` (the neighbour never answered)
    expect(layers(hostUnreachable).icmp).toMatchObject({ kind: 'destinationUnreachable', code: IcmpUnreachableCode.HostUnreachable, nextHopMtu: 0 });

    for (const frame of CAPTURED) expect(checkIcmpChecksum(layers(frame).message).valid).toBe(true);
  });

  it('constructs the captured messages from parsed values, into a 0xa5-filled buffer', () => {
    for (const frame of CAPTURED) {
      const { message, icmp } = layers(frame);
      for (const mode of ['keep', 'full'] as const) {
        const buffer = prefilled(message.length);
        expect(emitIcmp(icmp, buffer, 0, mode)).toBe(message.length);
        expect(buffer).toEqual(message);
      }
    }
  });

  it('builds the router’s time-exceeded frame from tcpdump’s fields and the quoted datagram, as the simulator will', () => {
    // `06:0b:cd:f6:e5:4f > 22:23:04:70:28:b0, … (tos 0xc0, ttl 64, id 651, offset 0, flags [none], proto ICMP (1), length 112)
    //  192.0.2.254 > 192.0.2.1: ICMP time exceeded in-transit, length 92`
    const eth = unwrap(parseEthernet(timeExceeded));
    const frame = buildFrame({
      ethernet: { destination: eth.destination, source: eth.source },
      ipv4: { source: ip('192.0.2.254'), destination: ip('192.0.2.1'), tos: 0xc0, identification: 651 },
      icmp: { kind: 'timeExceeded', code: IcmpTimeExceededCode.TtlExceeded, data: echoRequestTtl1.subarray(ETHERNET_HEADER_LEN) },
    });
    expect(frame).toEqual(timeExceeded);
    // And the echo reply from the request: `(tos 0x0, ttl 64, id 650, … flags [none] …)`, id/seq/data copied.
    const request = layers(echoRequest).icmp;
    if (request.kind !== 'echoRequest') throw new Error('unreachable');
    const replyEth = unwrap(parseEthernet(echoReply));
    const reply = buildFrame({
      ethernet: { destination: replyEth.destination, source: replyEth.source },
      ipv4: { source: ip('192.0.2.254'), destination: ip('192.0.2.1'), identification: 650 },
      icmp: { kind: 'echoReply', code: 0, identifier: request.identifier, sequenceNumber: request.sequenceNumber, data: request.data },
    });
    expect(reply).toEqual(echoReply);
  });

  it('judges a wrong checksum with the value tcpdump prints after `->`', () => {
    const message = layers(echoRequest).message.slice();
    const right = (message[2]! << 8) | message[3]!;
    message[2] = message[2]! ^ 0x01;
    expect(checkIcmpChecksum(message)).toEqual({ valid: false, expected: right });
  });

  it('names every destination-unreachable code 0–15 and keeps unknown types as values', () => {
    expect(Object.values(IcmpUnreachableCode).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    for (let code = 0; code <= 15; code++) {
      const bytes = new Uint8Array(36);
      emitIcmp({ kind: 'destinationUnreachable', code, checksum: 0, nextHopMtu: code === 4 ? 1400 : 0, data: new Uint8Array(28) }, bytes);
      expect(unwrap(parseIcmp(bytes))).toMatchObject({ kind: 'destinationUnreachable', code, nextHopMtu: code === 4 ? 1400 : 0 });
    }
    const unknown = Uint8Array.from([42, 7, 0, 0, 1, 2, 3, 4, 9, 9]);
    expect(unwrap(parseIcmp(unknown))).toEqual({ kind: 'other', type: 42, code: 7, checksum: 0, restOfHeader: 0x01020304, data: Uint8Array.from([9, 9]) });
    // Source quench, parameter problem and timestamp are values too [RFC 792].
    expect(unwrap(parseIcmp(Uint8Array.from([4, 0, 0, 0, 0, 0, 0, 0])))).toMatchObject({ kind: 'sourceQuench', code: 0 });
    expect(unwrap(parseIcmp(Uint8Array.from([12, 0, 0, 0, 9, 0, 0, 0])))).toMatchObject({ kind: 'parameterProblem', pointer: 9 });
    const ts = Uint8Array.from([13, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
    expect(unwrap(parseIcmp(ts))).toMatchObject({ kind: 'timestampRequest', identifier: 1, sequenceNumber: 2, originateTimestamp: 3, receiveTimestamp: 4, transmitTimestamp: 5 });
    expect(expectWireError(parseIcmp(ts.subarray(0, 19)), 'truncated', 'icmp')).toMatchObject({ needed: 20 });
    expect(expectWireError(parseIcmp(ts.subarray(0, 7)), 'truncated', 'icmp')).toMatchObject({ needed: 8 });
  });

  it('rewrites an echo identifier in place (NAT) and keeps the checksum valid with an RFC 1624 update', () => {
    const message = layers(echoRequest).message.slice();
    const view = unwrap(IcmpMessage.checked(message));
    const old = view.identifier;
    view.identifier = 7;
    view.checksum = updateChecksum16(view.checksum, old, 7);
    expect(checkIcmpChecksum(message).valid).toBe(true);
    view.identifier = 8;
    view.fillChecksum();
    expect(checkIcmpChecksum(message).valid).toBe(true);
    expect([view.type, view.code, view.data.length]).toEqual([IcmpType.EchoRequest, 0, 56]);
  });

  it('round-trips arbitrary messages of every kind: parse(emit(x)) = x, and a full checksum verifies', () => {
    const known = Object.values(IcmpType) as number[];
    const data = bytesOf(64);
    const repr: fc.Arbitrary<IcmpRepr> = fc.oneof(
      fc.record({ kind: fc.constantFrom('echoRequest' as const, 'echoReply' as const), code: u8, checksum: u16, identifier: u16, sequenceNumber: u16, data }),
      fc.record({ kind: fc.constant('destinationUnreachable' as const), code: u8, checksum: u16, nextHopMtu: u16, unused: u16, data }),
      fc.record({ kind: fc.constantFrom('timeExceeded' as const, 'sourceQuench' as const), code: u8, checksum: u16, unused: u32, data }),
      fc.record({ kind: fc.constant('redirect' as const), code: u8, checksum: u16, gateway: ipv4Address, data }),
      fc.record({ kind: fc.constant('parameterProblem' as const), code: u8, checksum: u16, pointer: u8, unused: fc.integer({ min: 0, max: 0xffffff }), data }),
      fc.record({
        kind: fc.constantFrom('timestampRequest' as const, 'timestampReply' as const),
        code: u8,
        checksum: u16,
        identifier: u16,
        sequenceNumber: u16,
        originateTimestamp: u32,
        receiveTimestamp: u32,
        transmitTimestamp: u32,
        data,
      }),
      fc.record({ kind: fc.constant('other' as const), type: u8.filter((t) => !known.includes(t)), code: u8, checksum: u16, restOfHeader: u32, data }),
    );
    fc.assert(
      fc.property(repr, fc.nat(6), (x, offset) => {
        const buffer = prefilled(offset + icmpLen(x));
        expect(emitIcmp(x, buffer, offset, 'keep')).toBe(icmpLen(x));
        const parsed = unwrap(parseIcmp(buffer.subarray(offset)));
        expect(parsed).toEqual(x);
        expect(icmpType(parsed)).toBe(buffer[offset]);
        emitIcmp(x, buffer, offset, 'full');
        expect(checkIcmpChecksum(buffer.subarray(offset)).valid).toBe(true);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    checkRobustness(parseIcmp, CAPTURED.map((f) => layers(f).message));
  });
});
