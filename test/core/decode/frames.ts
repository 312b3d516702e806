import fc from 'fast-check';
import { buildFrame, buildPacket, type FrameSpec, type PacketSpec } from '../../../core/wire/frame.ts';
import { encodeIpv4Options, type Ipv4Option } from '../../../core/wire/ipv4.ts';
import type { TcpOption } from '../../../core/wire/tcp.ts';
import { TCP_APPLICATION_PORTS } from '../../../core/decode/tcp.ts';
import { UDP_APPLICATION_PORTS } from '../../../core/decode/udp.ts';
import { ETHERTYPES_WITH_PRINTER, IPPROTOS_WITH_PRINTER } from '../../../core/decode/tables.ts';

/*
 * Random frames for the differential test against tcpdump, built with core/wire's emitters: valid frames of every
 * protocol the decoder prints, then damaged (cut short, checksums wrong, fields out of range). Values for which
 * tcpdump has printers twinnet does not reproduce (application ports, other EtherTypes and IP protocols) are left
 * out, so that every difference is a decoder bug.
 */

/** A captured frame: its bytes and its length on the wire (longer when the capture cut it). */
export interface TestFrame {
  readonly data: Uint8Array;
  readonly originalLength: number;
}

const mac = fc.oneof(
  fc.constantFrom(0x020000000001, 0x020000000002, 0xffffffffffff, 0x01005e000016, 0),
  fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
);
const address = fc.oneof(
  fc.constantFrom(0x0a000001, 0x0a000002, 0xc0000201, 0xe0000016, 0xe000006a, 0, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => n >>> 0),
);
const plainPort = fc.oneof(fc.integer({ min: 40000, max: 40999 }), fc.integer({ min: 5000, max: 5050 }), fc.integer({ min: 1024, max: 65535 }));
const udpPort = plainPort.filter((p) => !UDP_APPLICATION_PORTS.has(p) && !(p >= 7000 && p <= 7009));
const tcpPort = plainPort.filter((p) => !TCP_APPLICATION_PORTS.has(p) && !(p >= 6000 && p <= 6063));
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

const ipv4Option: fc.Arbitrary<Ipv4Option> = fc.oneof(
  fc.constant<Ipv4Option>({ kind: 'nop' }),
  fc.constant<Ipv4Option>({ kind: 'eol' }),
  fc.integer({ min: 0, max: 65535 }).map((value): Ipv4Option => ({ kind: 'routerAlert', value })),
  fc
    .record({ n: fc.integer({ min: 1, max: 4 }), pointer: fc.integer({ min: 0, max: 24 }), addrs: fc.array(address, { minLength: 4, maxLength: 4 }) })
    .chain(({ n, pointer, addrs }) =>
      fc.constantFrom<Ipv4Option['kind']>('recordRoute', 'looseSourceRoute', 'strictSourceRoute').map(
        (kind) => ({ kind, pointer, addresses: addrs.slice(0, n) }) as Ipv4Option,
      ),
    ),
  fc
    .record({ flag: fc.constantFrom(0, 1, 3, 2), overflow: fc.integer({ min: 0, max: 15 }), pointer: fc.integer({ min: 0, max: 30 }), n: fc.integer({ min: 0, max: 3 }) })
    .map(({ flag, overflow, pointer, n }): Ipv4Option => ({
      kind: 'timestamp',
      pointer,
      overflow,
      flag,
      entries: Array.from({ length: n }, (_, i) => (flag === 0 ? { timestamp: 1000 * i } : { address: 0x0a000001 + i, timestamp: 7 * i })),
    })),
  fc.record({ type: fc.constantFrom(130, 82, 25, 200), data: bytes(6) }).map((o): Ipv4Option => ({ kind: 'unknown', ...o })),
);

const ipOptions = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(ipv4Option, { maxLength: 4 }) }).map((list) => {
  if (list === undefined) return undefined;
  const encoded = encodeIpv4Options(list);
  return encoded.length <= 40 ? encoded : encoded.subarray(0, 40);
});

const ipFields = fc.record({
  source: address,
  destination: address,
  ttl: fc.oneof(fc.constantFrom(64, 1, 0, 255), fc.integer({ min: 0, max: 255 })),
  tos: fc.oneof(fc.constantFrom(0, 0xc0, 1, 2, 3), fc.integer({ min: 0, max: 255 })),
  identification: fc.integer({ min: 0, max: 65535 }),
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  reservedFlag: fc.boolean(),
  options: ipOptions,
});

const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.constant<TcpOption>({ kind: 'eol' }),
  fc.integer({ min: 0, max: 65535 }).map((value): TcpOption => ({ kind: 'mss', value })),
  fc.integer({ min: 0, max: 255 }).map((shift): TcpOption => ({ kind: 'windowScale', shift })),
  fc.constant<TcpOption>({ kind: 'sackPermitted' }),
  fc.array(fc.record({ left: fc.integer({ min: 0, max: 0xffffffff }), right: fc.integer({ min: 0, max: 0xffffffff }) }), { minLength: 1, maxLength: 3 }).map((blocks): TcpOption => ({ kind: 'sack', blocks })),
  fc.record({ value: fc.integer({ min: 0, max: 0xffffffff }), echoReply: fc.integer({ min: 0, max: 0xffffffff }) }).map((t): TcpOption => ({ kind: 'timestamps', ...t })),
  fc.record({ type: fc.constantFrom(6, 7, 11, 12, 13, 19, 20, 28, 29, 34, 254, 99, 200), data: bytes(16) }).map((o): TcpOption => ({ kind: 'unknown', ...o })),
);

const tcpSpec = fc.record({
  sourcePort: tcpPort,
  destinationPort: tcpPort,
  sequenceNumber: fc.integer({ min: 0, max: 0xffffffff }),
  acknowledgmentNumber: fc.integer({ min: 0, max: 0xffffffff }),
  flags: fc.oneof(fc.constantFrom(0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14), fc.integer({ min: 0, max: 255 })),
  window: fc.integer({ min: 0, max: 65535 }),
  urgentPointer: fc.integer({ min: 0, max: 65535 }),
  reserved: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
  options: fc.option(fc.array(tcpOption, { maxLength: 5 }).map((l) => l), { nil: undefined }),
  payload: bytes(40),
  checksum: fc.oneof(fc.constantFrom<'full' | 'partial'>('full', 'partial'), fc.integer({ min: 0, max: 65535 })),
});

const udpSpec = fc.record({
  sourcePort: udpPort,
  destinationPort: udpPort,
  payload: bytes(40),
  checksum: fc.oneof(fc.constantFrom<'full' | 'partial'>('full', 'partial'), fc.integer({ min: 0, max: 65535 })),
});

/** A datagram as an ICMP error quotes it: an inner packet cut to its header and 8 bytes, or more. */
const quoted = fc
  .record({
    ip: ipFields,
    upper: fc.oneof(
      udpSpec.map((udp) => ({ udp })),
      tcpSpec.map((tcp) => ({ tcp: { ...tcp, options: undefined } })),
      fc.record({ identifier: fc.integer({ min: 0, max: 65535 }), sequenceNumber: fc.integer({ min: 0, max: 65535 }), data: bytes(16) }).map((e) => ({
        icmp: { kind: 'echoRequest' as const, code: 0, ...e },
      })),
      bytes(12).map((payload) => ({ payload, protocol: 253 })),
    ),
    keep: fc.integer({ min: 0, max: 60 }),
  })
  .map(({ ip, upper, keep }) => {
    const { payload: raw, protocol, ...rest } = upper as { payload?: Uint8Array; protocol?: number };
    const spec = (raw !== undefined ? { ipv4: { ...ip, protocol }, payload: raw } : { ipv4: ip, ...rest }) as PacketSpec;
    const packet = buildPacket(spec);
    const headerLength = (packet[0]! & 15) * 4;
    return packet.subarray(0, Math.min(packet.length, headerLength + 8 + keep));
  });

/** An RFC 4884 extension after a quoted datagram padded to 128 bytes: MPLS label stack or other objects. */
const extended = fc
  .record({ quote: quoted, version: fc.constantFrom(2, 2, 1), objects: fc.array(fc.record({ classNum: fc.constantFrom(1, 1, 2, 0, 9), ctype: fc.constantFrom(1, 2), body: fc.uint8Array({ minLength: 4, maxLength: 8 }) }), { maxLength: 3 }), fixSum: fc.boolean() })
  .map(({ quote, version, objects, fixSum }) => {
    const parts = objects.map((o) => [(4 + o.body.length) >> 8, (4 + o.body.length) & 0xff, o.classNum, o.ctype, ...o.body]);
    const ext = new Uint8Array([version << 4, 0, 0, 0, ...parts.flat()]);
    if (fixSum) {
      let sum = 0;
      for (let i = 0; i < ext.length; i += 2) sum += (ext[i]! << 8) | (ext[i + 1] ?? 0);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const c = ~sum & 0xffff;
      ext[2] = c >> 8;
      ext[3] = c & 0xff;
    }
    const data = new Uint8Array(128 + ext.length);
    data.set(quote.subarray(0, 128));
    data.set(ext, 128);
    return data;
  });

const icmpSpec = fc.oneof(
  fc.record({ kind: fc.constant('destinationUnreachable' as const), code: fc.integer({ min: 0, max: 4 }), nextHopMtu: fc.constant(0), unused: fc.constantFrom(0, 0x20), data: extended }),
  fc.record({ kind: fc.constant('timeExceeded' as const), code: fc.constant(0), unused: fc.constantFrom(0, 0x200000), data: extended }),
  fc.record({ kind: fc.constantFrom<'echoRequest' | 'echoReply'>('echoRequest', 'echoReply'), code: fc.constantFrom(0, 0, 3), identifier: fc.integer({ min: 0, max: 65535 }), sequenceNumber: fc.integer({ min: 0, max: 65535 }), data: bytes(56) }),
  fc.record({ kind: fc.constant('destinationUnreachable' as const), code: fc.integer({ min: 0, max: 17 }), nextHopMtu: fc.constantFrom(0, 1480, 576), unused: fc.constantFrom(0, 0, 0x0100), data: quoted }),
  fc.record({ kind: fc.constantFrom<'timeExceeded' | 'sourceQuench'>('timeExceeded', 'sourceQuench'), code: fc.integer({ min: 0, max: 3 }), data: quoted }),
  fc.record({ kind: fc.constant('redirect' as const), code: fc.integer({ min: 0, max: 5 }), gateway: address, data: quoted }),
  fc.record({ kind: fc.constant('parameterProblem' as const), code: fc.integer({ min: 0, max: 2 }), pointer: fc.integer({ min: 0, max: 255 }), data: quoted }),
  fc.record({
    kind: fc.constantFrom<'timestampRequest' | 'timestampReply'>('timestampRequest', 'timestampReply'),
    code: fc.constant(0),
    identifier: fc.integer({ min: 0, max: 65535 }),
    sequenceNumber: fc.integer({ min: 0, max: 65535 }),
    originateTimestamp: fc.integer({ min: 0, max: 86_400_000 }),
    receiveTimestamp: fc.integer({ min: 0, max: 0xffffffff }),
    transmitTimestamp: fc.integer({ min: 0, max: 86_400_000 }),
    data: fc.constant(new Uint8Array(0)),
  }),
  fc.record({ kind: fc.constant('other' as const), type: fc.constantFrom(9, 10, 15, 16, 17, 18, 40, 200), code: fc.integer({ min: 0, max: 2 }), restOfHeader: fc.oneof(fc.constant(0x02020708), fc.integer({ min: 0, max: 0xffffffff })), data: bytes(24) }),
);

const igmpSpec = fc.oneof(
  fc.record({ kind: fc.constant('membershipQuery' as const), maxRespTime: fc.constantFrom(0, 100, 10, 255), group: address }),
  fc.record({
    kind: fc.constant('membershipQueryV3' as const),
    maxRespCode: fc.oneof(fc.constantFrom(100, 10), fc.integer({ min: 0, max: 255 })),
    group: address,
    suppressRouterProcessing: fc.boolean(),
    robustness: fc.integer({ min: 0, max: 7 }),
    queryIntervalCode: fc.integer({ min: 0, max: 255 }),
    sources: fc.array(address, { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constantFrom<'membershipReportV1' | 'membershipReportV2' | 'leaveGroup'>('membershipReportV1', 'membershipReportV2', 'leaveGroup'), maxRespTime: fc.constant(0), group: address }),
  fc.record({
    kind: fc.constant('membershipReportV3' as const),
    records: fc.array(
      fc.record({ recordType: fc.integer({ min: 0, max: 8 }), multicastAddress: address, sources: fc.array(address, { maxLength: 3 }), auxData: fc.constantFrom(new Uint8Array(0), new Uint8Array(4)) }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ kind: fc.constant('other' as const), type: fc.constantFrom(0x1e, 0x1f, 0x99, 0x30), code: fc.integer({ min: 0, max: 255 }), data: bytes(28) }),
);

const packetSpec: fc.Arbitrary<PacketSpec> = fc.oneof(
  fc.record({ ipv4: ipFields, udp: udpSpec }),
  fc.record({ ipv4: ipFields, tcp: tcpSpec }),
  fc.record({ ipv4: ipFields, icmp: icmpSpec as fc.Arbitrary<never> }),
  fc.record({ ipv4: ipFields, igmp: igmpSpec as fc.Arbitrary<never> }),
  fc.record({ ipv4: ipFields, inner: fc.record({ ipv4: ipFields, udp: udpSpec }) }).map(({ ipv4, inner }) => ({ ipv4: { ...ipv4, protocol: 4 }, payload: buildPacket(inner) })),
  fc.record({ ipv4: ipFields, payload: bytes(30), protocol: fc.integer({ min: 0, max: 255 }).filter((p) => !IPPROTOS_WITH_PRINTER.has(p) || p === 58 || p === 59 || p === 77 || p === 143) }).map(
    ({ ipv4, payload, protocol }) => ({ ipv4: { ...ipv4, protocol }, payload }),
  ),
);

const arpSpec = fc.oneof(
  fc.record({
    kind: fc.constant('ethernetIpv4' as const),
    operation: fc.constantFrom(1, 2, 3, 4, 8, 9, 1, 2, 7),
    senderHardwareAddress: mac,
    senderProtocolAddress: address,
    targetHardwareAddress: fc.oneof(fc.constant(0), mac),
    targetProtocolAddress: address,
  }),
  fc
    .record({
      hardwareType: fc.constantFrom(1, 6, 7, 23, 24, 32, 99), // not 15 (Frame Relay) or 19 (ATM): tcpdump has their own address printers
      protocolType: fc.constantFrom(0x0800, 0x1000, 0x86dd, 0x1234),
      operation: fc.constantFrom(1, 2, 3, 4, 8, 9),
      hlen: fc.constantFrom(0, 6, 8, 2),
      plen: fc.constantFrom(4, 16, 2),
    })
    .chain(({ hlen, plen, ...rest }) =>
      fc.record({ a: fc.uint8Array({ minLength: hlen, maxLength: hlen }), b: fc.uint8Array({ minLength: plen, maxLength: plen }), c: fc.uint8Array({ minLength: hlen, maxLength: hlen }), e: fc.uint8Array({ minLength: plen, maxLength: plen }) }).map(({ a, b, c, e }) => ({
        kind: 'other' as const,
        ...rest,
        senderHardwareAddress: a,
        senderProtocolAddress: b,
        targetHardwareAddress: c,
        targetProtocolAddress: e,
      })),
    ),
);

const vlan = fc.option(fc.record({ priority: fc.integer({ min: 0, max: 7 }), dropEligible: fc.boolean(), vlanId: fc.integer({ min: 0, max: 4095 }) }), { nil: undefined, freq: 5 });

/** A valid frame of a protocol the decoder prints, maybe VLAN-tagged, maybe fragment-flagged. */
export const validFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.record({ destination: mac, source: mac, vlan, packet: packetSpec, fragmentOffset: fc.option(fc.integer({ min: 1, max: 400 }).map((n) => n * 8), { nil: undefined, freq: 6 }) }).map(({ destination, source, vlan: tag, packet, fragmentOffset }) =>
    buildFrame({ ethernet: { destination, source, ...(tag ? { vlan: tag } : {}) }, ...packet, ipv4: { ...packet.ipv4, ...(fragmentOffset ? { fragmentOffset } : {}) } } as FrameSpec),
  ),
  fc.record({ destination: mac, source: mac, vlan, arp: arpSpec }).map(({ destination, source, vlan: tag, arp }) => buildFrame({ ethernet: { destination, source, ...(tag ? { vlan: tag } : {}) }, arp })),
  fc
    .record({ destination: mac, source: mac, type: fc.integer({ min: 0x0600, max: 0xffff }).filter((t) => !ETHERTYPES_WITH_PRINTER.has(t)), payload: bytes(50) })
    .map(({ destination, source, type, payload }) => {
      const frame = new Uint8Array(14 + payload.length);
      for (let i = 0; i < 6; i++) {
        frame[i] = Math.floor(destination / 2 ** (8 * (5 - i))) & 0xff;
        frame[6 + i] = Math.floor(source / 2 ** (8 * (5 - i))) & 0xff;
      }
      frame[12] = type >> 8;
      frame[13] = type & 0xff;
      frame.set(payload, 14);
      return frame;
    }),
);

/** Whether the EtherType after any VLAN tags is one twinnet prints (IPv4, ARP, RARP) or one tcpdump has no printer for. */
function printableType(frame: Uint8Array): boolean {
  let at = 12;
  let type = (frame[at]! << 8) | frame[at + 1]!;
  while ((type === 0x8100 || type === 0x88a8 || type === 0x9100 || type === 0x9200) && at + 6 <= frame.length) {
    at += 4;
    type = (frame[at]! << 8) | frame[at + 1]!;
  }
  return type > 1500 && (!ETHERTYPES_WITH_PRINTER.has(type) || type === 0x0800 || type === 0x0806 || type === 0x8035);
}

/** Whether an ARP hardware type or an IP protocol in the frame is one tcpdump has no printer of its own for, or twinnet reproduces. */
function printableUpperLayer(frame: Uint8Array): boolean {
  let at = 12;
  while (((frame[at]! << 8) | frame[at + 1]!) === 0x8100 && at + 6 <= frame.length) at += 4;
  const type = (frame[at]! << 8) | frame[at + 1]!;
  const body = at + 2;
  if (type === 0x0806 || type === 0x8035) {
    const hrd = (frame[body]! << 8) | frame[body + 1]!;
    return hrd !== 15 && hrd !== 19;
  }
  if (type === 0x0800 && body + 10 <= frame.length) {
    const protocol = frame[body + 9]!;
    return !IPPROTOS_WITH_PRINTER.has(protocol) || [1, 2, 4, 6, 17, 58, 59, 77, 143].includes(protocol);
  }
  return true;
}

/** Damage done to a valid frame: none, a cut capture, Ethernet padding, or a byte changed in the headers. */
export const damagedFrame: fc.Arbitrary<TestFrame> = fc
  .record({
    frame: validFrame,
    damage: fc.constantFrom('none', 'none', 'cut', 'pad', 'flip', 'flip', 'short'),
    where: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ frame, damage, where, value }) => {
    switch (damage) {
      case 'cut': {
        const keep = where % (frame.length + 1);
        return { data: frame.slice(0, keep), originalLength: frame.length };
      }
      case 'short': {
        const keep = where % (frame.length + 1);
        return { data: frame.slice(0, keep), originalLength: keep };
      }
      case 'pad': {
        const padded = new Uint8Array(Math.max(60, frame.length + (where % 8)));
        padded.set(frame);
        return { data: padded, originalLength: padded.length };
      }
      case 'flip': {
        const copy = frame.slice();
        const at = 12 + (where % Math.max(1, Math.min(copy.length - 12, 72)));
        if (at < copy.length) copy[at] = value;
        // Keep the final EtherType (after VLAN tags) within the set the decoder prints.
        if (!printableType(copy) || !printableUpperLayer(copy)) return { data: frame, originalLength: frame.length };
        return { data: copy, originalLength: copy.length };
      }
      default:
        return { data: frame, originalLength: frame.length };
    }
  });
