import type { Ipv4Address } from '../ipv4.ts';
import { arpLen, emitArp, type ArpRepr } from './arp.ts';
import type { ChecksumMode } from './checksum-field.ts';
import { emitEthernet, ETHERNET_HEADER_LEN, ETHERNET_TAGGED_HEADER_LEN, EtherType, type EthernetRepr } from './ethernet.ts';
import { emitIcmp, icmpLen, type IcmpRepr } from './icmp.ts';
import { emitIgmp, igmpLen, type IgmpRepr } from './igmp.ts';
import { emitIpv4, encodeIpv4Options, IPV4_HEADER_LEN, IpProtocol, type Ipv4Option } from './ipv4.ts';
import { emitTcp, encodeTcpOptions, TCP_HEADER_LEN, type TcpOption } from './tcp.ts';
import { emitUdp, UDP_HEADER_LEN } from './udp.ts';

/*
 * Whole packets and frames from a few fields: the builder computes every length (IPv4 total length, IHL, UDP length,
 * TCP data offset), the protocol number, the EtherType and the checksums, so call sites never repeat that arithmetic.
 * The transport is written first and the IPv4 header after it, in place: nothing is copied twice.
 */

const EMPTY = new Uint8Array(0);

/** Drops `checksum` from each member of a union and makes it optional (an explicit value), keeping the union. */
type WithOptionalChecksum<T> = T extends unknown ? Omit<T, 'checksum'> & { readonly checksum?: number } : never;

/** An Ethernet header without its EtherType, which the builder fills. */
export type EthernetFields = Omit<EthernetRepr, 'etherType'>;

/**
 * IPv4 header fields for building; defaults: ttl 64, tos 0, identification 0, no flags, offset 0, no options. A
 * `checksum` is written as given instead of being computed.
 */
export interface Ipv4Fields {
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly ttl?: number;
  readonly tos?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
  readonly moreFragments?: boolean;
  readonly reservedFlag?: boolean;
  /** In bytes, a multiple of 8. */
  readonly fragmentOffset?: number;
  /** Encoded option bytes (a multiple of 4) or a list to encode. */
  readonly options?: Uint8Array | readonly Ipv4Option[];
  /** Needed only with a raw `payload`; otherwise it follows from the transport. */
  readonly protocol?: number;
  readonly checksum?: number;
}

/** A transport checksum: computed in full (the default), left partial as an offloading sender does, or explicit. */
export type TransportChecksum = Exclude<ChecksumMode, 'keep'> | number;

/** UDP fields for building; the length follows from the payload. */
export interface UdpFields {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload?: Uint8Array;
  readonly checksum?: TransportChecksum;
}

/** TCP fields for building; the data offset follows from the options. Defaults: ack 0, urgent pointer 0, no options. */
export interface TcpFields {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequenceNumber: number;
  readonly acknowledgmentNumber?: number;
  /** A mask of `TcpFlag`. */
  readonly flags: number;
  readonly window: number;
  readonly urgentPointer?: number;
  readonly reserved?: number;
  /** Encoded option bytes (a multiple of 4) or a list to encode. */
  readonly options?: Uint8Array | readonly TcpOption[];
  readonly payload?: Uint8Array;
  readonly checksum?: TransportChecksum;
}

/** An ICMP message to build: any `IcmpRepr`, its checksum computed unless given. */
export type IcmpFields = WithOptionalChecksum<IcmpRepr>;
/** An IGMP message to build: any `IgmpRepr`, its checksum computed unless given. */
export type IgmpFields = WithOptionalChecksum<IgmpRepr>;

/** An IPv4 packet to build: the header fields and exactly one of the upper layers (or a raw payload with `ipv4.protocol`). */
export type PacketSpec =
  | { readonly ipv4: Ipv4Fields; readonly udp: UdpFields }
  | { readonly ipv4: Ipv4Fields; readonly tcp: TcpFields }
  | { readonly ipv4: Ipv4Fields; readonly icmp: IcmpFields }
  | { readonly ipv4: Ipv4Fields; readonly igmp: IgmpFields }
  | { readonly ipv4: Ipv4Fields; readonly payload: Uint8Array };

/** An Ethernet frame to build: the header and an IPv4 packet or an ARP packet. */
export type FrameSpec = { readonly ethernet: EthernetFields } & (PacketSpec | { readonly arp: ArpRepr });

function optionBytes(options: Uint8Array | readonly Ipv4Option[] | readonly TcpOption[] | undefined, encode: (list: never[]) => Uint8Array): Uint8Array {
  if (options === undefined) return EMPTY;
  return options instanceof Uint8Array ? options : encode(options as never[]);
}

/**
 * ICMP and IGMP fields as a repr without copying: emit reads `checksum` only in `'keep'` mode, chosen exactly when
 * the caller gave one, and the lengths never read it.
 */
function asRepr<T>(fields: WithOptionalChecksum<T>): T {
  return fields as unknown as T;
}

/** The upper layer's length and IP protocol number. */
function transportOf(spec: PacketSpec, tcpOptions: Uint8Array): { length: number; protocol: number } {
  if ('udp' in spec) return { length: UDP_HEADER_LEN + (spec.udp.payload?.length ?? 0), protocol: IpProtocol.Udp };
  if ('tcp' in spec) return { length: TCP_HEADER_LEN + tcpOptions.length + (spec.tcp.payload?.length ?? 0), protocol: IpProtocol.Tcp };
  if ('icmp' in spec) return { length: icmpLen(asRepr<IcmpRepr>(spec.icmp)), protocol: IpProtocol.Icmp };
  if ('igmp' in spec) return { length: igmpLen(asRepr<IgmpRepr>(spec.igmp)), protocol: IpProtocol.Igmp };
  return { length: spec.payload.length, protocol: spec.ipv4.protocol ?? 0 };
}

/** The length of the IPv4 packet `spec` describes. */
export function packetLen(spec: PacketSpec): number {
  const ipOptions = optionBytes(spec.ipv4.options, encodeIpv4Options);
  const tcpOptions = 'tcp' in spec ? optionBytes(spec.tcp.options, encodeTcpOptions) : EMPTY;
  return IPV4_HEADER_LEN + ipOptions.length + transportOf(spec, tcpOptions).length;
}

function splitChecksum(checksum: TransportChecksum | undefined): { mode: ChecksumMode; value: number } {
  return typeof checksum === 'number' ? { mode: 'keep', value: checksum } : { mode: checksum ?? 'full', value: 0 };
}

/** Writes the IPv4 packet `spec` describes at `offset`, every length and checksum filled; returns its length. */
export function emitPacket(spec: PacketSpec, buffer: Uint8Array, offset = 0): number {
  const ip = spec.ipv4;
  const ipOptions = optionBytes(ip.options, encodeIpv4Options);
  const tcpOptions = 'tcp' in spec ? optionBytes(spec.tcp.options, encodeTcpOptions) : EMPTY;
  const headerLength = IPV4_HEADER_LEN + ipOptions.length;
  const { length, protocol } = transportOf(spec, tcpOptions);
  const at = offset + headerLength;
  if ('udp' in spec) {
    const { mode, value } = splitChecksum(spec.udp.checksum);
    const payload = spec.udp.payload ?? EMPTY;
    emitUdp({ sourcePort: spec.udp.sourcePort, destinationPort: spec.udp.destinationPort, length, checksum: value, payload }, buffer, at, mode, ip.source, ip.destination);
  } else if ('tcp' in spec) {
    const t = spec.tcp;
    const { mode, value } = splitChecksum(t.checksum);
    emitTcp(
      {
        sourcePort: t.sourcePort,
        destinationPort: t.destinationPort,
        sequenceNumber: t.sequenceNumber,
        acknowledgmentNumber: t.acknowledgmentNumber ?? 0,
        reserved: t.reserved ?? 0,
        flags: t.flags,
        window: t.window,
        checksum: value,
        urgentPointer: t.urgentPointer ?? 0,
        options: tcpOptions,
        payload: t.payload ?? EMPTY,
      },
      buffer,
      at,
      mode,
      ip.source,
      ip.destination,
    );
  } else if ('icmp' in spec) {
    emitIcmp(asRepr<IcmpRepr>(spec.icmp), buffer, at, spec.icmp.checksum === undefined ? 'full' : 'keep');
  } else if ('igmp' in spec) {
    emitIgmp(asRepr<IgmpRepr>(spec.igmp), buffer, at, spec.igmp.checksum === undefined ? 'full' : 'keep');
  } else {
    buffer.set(spec.payload, at);
  }
  emitIpv4(
    {
      tos: ip.tos ?? 0,
      totalLength: headerLength + length,
      identification: ip.identification ?? 0,
      reservedFlag: ip.reservedFlag ?? false,
      dontFragment: ip.dontFragment ?? false,
      moreFragments: ip.moreFragments ?? false,
      fragmentOffset: ip.fragmentOffset ?? 0,
      ttl: ip.ttl ?? 64,
      protocol,
      checksum: ip.checksum ?? 0,
      source: ip.source,
      destination: ip.destination,
      options: ipOptions,
      payload: EMPTY,
    },
    buffer,
    offset,
    ip.checksum === undefined ? 'full' : 'keep',
  );
  return headerLength + length;
}

/** A new buffer holding exactly the IPv4 packet `spec` describes. */
export function buildPacket(spec: PacketSpec): Uint8Array {
  const packet = new Uint8Array(packetLen(spec));
  emitPacket(spec, packet);
  return packet;
}

/** The length of the frame `spec` describes. */
export function frameLen(spec: FrameSpec): number {
  const header = spec.ethernet.vlan ? ETHERNET_TAGGED_HEADER_LEN : ETHERNET_HEADER_LEN;
  return header + ('arp' in spec ? arpLen(spec.arp) : packetLen(spec));
}

/** Writes the frame `spec` describes at `offset` (EtherType, lengths and checksums filled); returns its length. */
export function emitFrame(spec: FrameSpec, buffer: Uint8Array, offset = 0): number {
  const isArp = 'arp' in spec;
  const { destination, source, vlan } = spec.ethernet;
  const etherType = isArp ? EtherType.Arp : EtherType.Ipv4;
  const header = emitEthernet(vlan ? { destination, source, etherType, vlan } : { destination, source, etherType }, buffer, offset);
  return header + (isArp ? emitArp(spec.arp, buffer, offset + header) : emitPacket(spec, buffer, offset + header));
}

/** A new buffer holding exactly the frame `spec` describes (no padding to 60 bytes: veth sends 42-byte ARP frames). */
export function buildFrame(spec: FrameSpec): Uint8Array {
  const frame = new Uint8Array(frameLen(spec));
  emitFrame(spec, frame);
  return frame;
}
