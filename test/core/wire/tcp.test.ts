import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateChecksum16 } from '../../../core/checksum.ts';
import { ETHERNET_HEADER_LEN, parseEthernet } from '../../../core/wire/ethernet.ts';
import { buildFrame } from '../../../core/wire/frame.ts';
import { parseIpv4 } from '../../../core/wire/ipv4.ts';
import {
  checkTcpChecksum,
  emitTcp,
  encodeTcpOptions,
  parseTcp,
  parseTcpOptions,
  TcpFlag,
  tcpHeaderLen,
  TcpSegment,
  type TcpOption,
  type TcpRepr,
} from '../../../core/wire/tcp.ts';
import { tcpDataPartial, tcpRstAck, tcpSynAckPartial, tcpSynFull, tcpSynPartial } from './captures.ts';
import { bytesOf, checkRobustness, expectWireError, ip, ipv4Address, prefilled, u16, u32, u8, unwrap } from './support.ts';

function layers(frame: Uint8Array) {
  const ipv4 = unwrap(parseIpv4(frame.subarray(ETHERNET_HEADER_LEN)));
  return { ipv4, segment: ipv4.payload, tcp: unwrap(parseTcp(ipv4.payload)) };
}

const CAPTURED = [tcpSynPartial, tcpSynAckPartial, tcpDataPartial, tcpSynFull, tcpRstAck];
const EMPTY = new Uint8Array(0);

/** `options [mss 1460,sackOK,TS val … ecr …,nop,wscale 10]`, Linux's SYN layout. */
const synOptions = (mss: number, value: number, echoReply: number): TcpOption[] => [
  { kind: 'mss', value: mss },
  { kind: 'sackPermitted' },
  { kind: 'timestamps', value, echoReply },
  { kind: 'nop' },
  { kind: 'windowScale', shift: 10 },
];

describe('TCP (RFC 9293)', () => {
  it('deconstructs captured segments as tcpdump -vv printed them, options and checksums included', () => {
    // `192.0.2.1.56052 > 198.51.100.1.8080: Flags [S], cksum 0xec64 (incorrect -> 0x9241), seq 2150984382, win 64240,
    //  options [mss 1460,sackOK,TS val 1743159605 ecr 0,nop,wscale 10], length 0`
    const syn = layers(tcpSynPartial);
    expect(syn.tcp).toMatchObject({
      sourcePort: 56052,
      destinationPort: 8080,
      sequenceNumber: 2150984382,
      acknowledgmentNumber: 0,
      flags: TcpFlag.Syn,
      window: 64240,
      checksum: 0xec64,
      urgentPointer: 0,
      reserved: 0,
      payload: EMPTY,
    });
    expect(tcpHeaderLen(syn.tcp)).toBe(40);
    expect(parseTcpOptions(syn.tcp.options)).toEqual(synOptions(1460, 1743159605, 0));
    expect(checkTcpChecksum(syn.segment, syn.ipv4.source, syn.ipv4.destination)).toEqual({ valid: false, expected: 0x9241, partial: true });

    // `Flags [S.], cksum 0xec64 (incorrect -> 0x868c), seq 604350902, ack 2150984383, win 65160,
    //  options [mss 1460,sackOK,TS val 2212869738 ecr 1743159605,nop,wscale 10]`
    const synAck = layers(tcpSynAckPartial);
    expect(synAck.tcp).toMatchObject({ sequenceNumber: 604350902, acknowledgmentNumber: 2150984383, flags: TcpFlag.Syn | TcpFlag.Ack, window: 65160 });
    expect(parseTcpOptions(synAck.tcp.options)).toEqual(synOptions(1460, 2212869738, 1743159605));
    expect(checkTcpChecksum(synAck.segment, synAck.ipv4.source, synAck.ipv4.destination)).toEqual({ valid: false, expected: 0x868c, partial: true });

    // `Flags [P.], cksum 0xec66 (incorrect -> 0x8b33), seq 1:11, ack 1, win 63, options [nop,nop,TS val 1743159605
    //  ecr 2212869738], length 10`: relative numbers, so seq = ISN + 1 and ack = the peer's ISN + 1.
    const data = layers(tcpDataPartial);
    expect(data.tcp).toMatchObject({ sequenceNumber: 2150984383, acknowledgmentNumber: 604350903, flags: TcpFlag.Psh | TcpFlag.Ack, window: 63 });
    expect(parseTcpOptions(data.tcp.options)).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', value: 1743159605, echoReply: 2212869738 }]);
    expect(new TextDecoder().decode(data.tcp.payload)).toBe('hello tcp\n');
    expect(checkTcpChecksum(data.segment, data.ipv4.source, data.ipv4.destination)).toEqual({ valid: false, expected: 0x8b33, partial: true });

    // `Flags [S], cksum 0x5e4f (correct), seq 2859382098, win 65280, options [mss 960,sackOK,TS val 598858574 ecr 0,…]`
    const synFull = layers(tcpSynFull);
    expect(synFull.tcp).toMatchObject({ sequenceNumber: 2859382098, window: 65280, checksum: 0x5e4f });
    expect(parseTcpOptions(synFull.tcp.options)).toEqual(synOptions(960, 598858574, 0));
    expect(checkTcpChecksum(synFull.segment, synFull.ipv4.source, synFull.ipv4.destination)).toEqual({ valid: true, expected: 0x5e4f, partial: false });

    // `198.51.100.1.8081 > 192.0.2.1.33304: Flags [R.], cksum 0xc22e (correct), seq 0, ack 2859382099, win 0, length 0`
    const rst = layers(tcpRstAck);
    expect(rst.tcp).toEqual({
      sourcePort: 8081,
      destinationPort: 33304,
      sequenceNumber: 0,
      acknowledgmentNumber: 2859382099,
      reserved: 0,
      flags: TcpFlag.Rst | TcpFlag.Ack,
      window: 0,
      checksum: 0xc22e,
      urgentPointer: 0,
      options: EMPTY,
      payload: EMPTY,
    });
    expect(checkTcpChecksum(rst.segment, rst.ipv4.source, rst.ipv4.destination).valid).toBe(true);
  });

  it('constructs the captured segments from parsed values, in each checksum mode the sender used', () => {
    for (const frame of CAPTURED) {
      const { ipv4, segment, tcp } = layers(frame);
      const mode = checkTcpChecksum(segment, ipv4.source, ipv4.destination).valid ? 'full' : 'partial';
      for (const m of ['keep', mode] as const) {
        const buffer = prefilled(segment.length);
        expect(emitTcp(tcp, buffer, 0, m, ipv4.source, ipv4.destination)).toBe(segment.length);
        expect(buffer).toEqual(segment);
      }
    }
  });

  it('builds the captured SYN frame from the fields tcpdump printed, with the partial checksum a veth sender leaves', () => {
    const eth = unwrap(parseEthernet(tcpSynPartial));
    const frame = buildFrame({
      ethernet: { destination: eth.destination, source: eth.source },
      // `(tos 0x0, ttl 64, id 57714, offset 0, flags [DF], proto TCP (6), length 60)`
      ipv4: { source: ip('192.0.2.1'), destination: ip('198.51.100.1'), identification: 57714, dontFragment: true },
      tcp: { sourcePort: 56052, destinationPort: 8080, sequenceNumber: 2150984382, flags: TcpFlag.Syn, window: 64240, options: synOptions(1460, 1743159605, 0), checksum: 'partial' },
    });
    expect(frame).toEqual(tcpSynPartial);
    // The same with a data segment and its payload.
    const data = buildFrame({
      ethernet: { destination: eth.destination, source: eth.source },
      ipv4: { source: ip('192.0.2.1'), destination: ip('198.51.100.1'), identification: 57716, dontFragment: true },
      tcp: {
        sourcePort: 56052,
        destinationPort: 8080,
        sequenceNumber: 2150984383,
        acknowledgmentNumber: 604350903,
        flags: TcpFlag.Psh | TcpFlag.Ack,
        window: 63,
        options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', value: 1743159605, echoReply: 2212869738 }],
        payload: new TextEncoder().encode('hello tcp\n'),
        checksum: 'partial',
      },
    });
    expect(data).toEqual(tcpDataPartial);
    // And the kernel's software-checksummed RST: `(tos 0x0, ttl 63, id 0, offset 0, flags [DF], …)`, full checksum.
    const rstEth = unwrap(parseEthernet(tcpRstAck));
    const rst = buildFrame({
      ethernet: { destination: rstEth.destination, source: rstEth.source },
      ipv4: { source: ip('198.51.100.1'), destination: ip('192.0.2.1'), ttl: 63, dontFragment: true },
      tcp: { sourcePort: 8081, destinationPort: 33304, sequenceNumber: 0, acknowledgmentNumber: 2859382099, flags: TcpFlag.Rst | TcpFlag.Ack, window: 0 },
    });
    expect(rst).toEqual(tcpRstAck);
  });

  it('keeps unknown and odd-length options as values, and stops at a malformed length', () => {
    const options = Uint8Array.from([
      30, 4, 0x10, 0x01, // MPTCP-like unknown kind 30
      2, 5, 0x05, 0xb4, 0x00, // MSS with length 5: tcpdump prints `mss 1460[len 5]`
      5, 10, 0, 0, 0, 1, 0, 0, 0, 2, // SACK of one block {1:2}
      3, 3, 7, // wscale 7
      8, 0, // length 0: malformed, the list ends
    ]);
    expect(parseTcpOptions(options)).toEqual([
      { kind: 'unknown', type: 30, data: Uint8Array.from([0x10, 0x01]) },
      { kind: 'unknown', type: 2, data: Uint8Array.from([0x05, 0xb4, 0x00]) },
      { kind: 'sack', blocks: [{ left: 1, right: 2 }] },
      { kind: 'windowScale', shift: 7 },
      { kind: 'malformed', type: 8, bytes: Uint8Array.from([8, 0]) },
    ]);
    expect(parseTcpOptions(Uint8Array.from([0, 1, 1, 1]))).toEqual([{ kind: 'eol' }]);
  });

  it('rejects a bad data offset or a cut header with typed errors', () => {
    const segment = layers(tcpSynPartial).segment;
    const bad = segment.slice();
    bad[12] = 0x40; // data offset 4
    expect(expectWireError(parseTcp(bad), 'malformed', 'tcp')).toMatchObject({ field: 'dataOffset' });
    for (let length = 20; length < 40; length++) {
      expect(expectWireError(parseTcp(segment.subarray(0, length)), 'truncated', 'tcp')).toMatchObject({ needed: 40, available: length });
    }
    expect(expectWireError(parseTcp(segment.subarray(0, 19)), 'truncated', 'tcp')).toMatchObject({ needed: 20 });
  });

  it('rewrites a port in place (NAT) and keeps the checksum valid with an RFC 1624 update', () => {
    const { ipv4, segment } = layers(tcpSynFull);
    const copy = segment.slice();
    const view = unwrap(TcpSegment.checked(copy));
    const old = view.destinationPort;
    view.destinationPort = 80;
    view.checksum = updateChecksum16(view.checksum, old, 80);
    expect(checkTcpChecksum(copy, ipv4.source, ipv4.destination).valid).toBe(true);
    expect([view.sourcePort, view.destinationPort, view.sequenceNumber, view.flags]).toEqual([33304, 80, 2859382098, TcpFlag.Syn]);
  });

  it('round-trips arbitrary values, and every checksum mode means what it says', () => {
    const repr: fc.Arbitrary<TcpRepr> = fc.record({
      sourcePort: u16,
      destinationPort: u16,
      sequenceNumber: u32,
      acknowledgmentNumber: u32,
      reserved: fc.integer({ min: 0, max: 15 }),
      flags: u8,
      window: u16,
      checksum: u16,
      urgentPointer: u16,
      options: fc.integer({ min: 0, max: 10 }).chain((words) => bytesOf(4 * words, 4 * words)),
      payload: bytesOf(64),
    });
    fc.assert(
      fc.property(repr, ipv4Address, ipv4Address, fc.nat(6), (x, source, destination, offset) => {
        const length = tcpHeaderLen(x) + x.payload.length;
        const buffer = prefilled(offset + length);
        const segment = buffer.subarray(offset);
        expect(emitTcp(x, buffer, offset, 'keep', source, destination)).toBe(length);
        expect(unwrap(parseTcp(segment))).toEqual(x);
        emitTcp(x, buffer, offset, 'full', source, destination);
        expect(checkTcpChecksum(segment, source, destination).valid).toBe(true);
        emitTcp(x, buffer, offset, 'partial', source, destination);
        expect(checkTcpChecksum(segment, source, destination).partial).toBe(true);
      }),
    );
  });

  it('round-trips arbitrary option lists: parseTcpOptions(encodeTcpOptions(l)) = l (+ eol when padded)', () => {
    const known = [0, 1, 2, 3, 4, 5, 8];
    const option: fc.Arbitrary<TcpOption> = fc.oneof(
      fc.constant({ kind: 'nop' as const }),
      fc.record({ kind: fc.constant('mss' as const), value: u16 }),
      fc.record({ kind: fc.constant('windowScale' as const), shift: u8 }),
      fc.constant({ kind: 'sackPermitted' as const }),
      fc.record({ kind: fc.constant('sack' as const), blocks: fc.array(fc.record({ left: u32, right: u32 }), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('timestamps' as const), value: u32, echoReply: u32 }),
      fc.record({ kind: fc.constant('unknown' as const), type: u8.filter((t) => !known.includes(t)), data: bytesOf(12) }),
    );
    fc.assert(
      fc.property(fc.array(option, { maxLength: 6 }), (list) => {
        const encoded = encodeTcpOptions(list);
        expect(encoded.length % 4).toBe(0);
        const parsed = parseTcpOptions(encoded);
        expect(parsed.slice(0, list.length)).toEqual(list);
        expect(parsed.length - list.length).toBeLessThanOrEqual(1);
        expect(parsed.slice(list.length).every((o) => o.kind === 'eol')).toBe(true);
      }),
    );
  });

  it('never throws on random or truncated bytes', () => {
    checkRobustness(parseTcp, CAPTURED.map((f) => layers(f).segment));
    fc.assert(fc.property(bytesOf(48), (bytes) => void parseTcpOptions(bytes)));
  });
});
