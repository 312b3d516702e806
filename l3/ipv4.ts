import { type Ipv4Address } from '../core/ipv4.ts';
import { MAC_BROADCAST, MAC_ZERO, readMac, type MacAddress } from '../core/mac.ts';
import { updateChecksum16 } from '../core/checksum.ts';
import { emitEthernet, EtherType, ETHERNET_HEADER_LEN } from '../core/wire/ethernet.ts';
import { checkIpv4Checksum, emitIpv4, IpProtocol, IPV4_HEADER_LEN, parseIpv4 } from '../core/wire/ipv4.ts';
import { SECOND } from '../core/clock.ts';
import type { NetDevice } from '../l2/device.ts';
import type { NeighbourEntry } from '../l2/neighbour.ts';
import { icmpReceive, sendIcmpError, sendRedirect } from './icmp.ts';
import type { NetNamespace } from './namespace.ts';
import { hasOptions, recordOnForward, recordOnInput } from './ip-options.ts';
import { redirectedGateway } from './redirect.ts';
import { routeInput, routeOutput, type OutputRoute, type RouteError } from './route.ts';
import { Reassembly } from './reassembly.ts';
import type { Route } from './fib.ts';
import type { NfHook } from './hooks.ts';
import { transportOf } from './transport.ts';

/**
 * A packet on its way out, waiting for (or past) neighbour resolution: a frame buffer whose first 14 bytes are
 * room for the Ethernet header and whose rest is the IPv4 datagram.
 */
export interface OutPacket {
  readonly frame: Uint8Array;
  /** The datagram's source address (arp_solicit() uses it as the ARP sender when it is local). */
  readonly source: Ipv4Address;
}

/** How the frame reached us (skb->pkt_type): to our MAC, broadcast, multicast. */
export type PacketType = 'host' | 'broadcast' | 'multicast';

/** Header fields of a datagram to build. */
export interface DatagramFields {
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly protocol: number;
  readonly ttl: number;
  readonly tos: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly options?: Uint8Array;
}

/** Builds a frame (14 bytes of headroom, then the datagram); `fill` writes the payload at the offset given. */
export function buildDatagram(fields: DatagramFields, payloadLength: number, fill: (frame: Uint8Array, offset: number) => void): Uint8Array {
  const options = fields.options ?? NO_BYTES;
  const headerLength = IPV4_HEADER_LEN + options.length;
  const frame = new Uint8Array(ETHERNET_HEADER_LEN + headerLength + payloadLength);
  fill(frame, ETHERNET_HEADER_LEN + headerLength);
  emitIpv4(
    {
      tos: fields.tos,
      totalLength: headerLength + payloadLength,
      identification: fields.identification,
      reservedFlag: false,
      dontFragment: fields.dontFragment,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: fields.ttl,
      protocol: fields.protocol,
      checksum: 0,
      source: fields.source,
      destination: fields.destination,
      options,
      // `fill` already wrote the payload in place: nothing for emitIpv4 to copy (totalLength says how long it is).
      payload: NO_BYTES,
    },
    frame,
    ETHERNET_HEADER_LEN,
  );
  return frame;
}

/** No options, no payload to copy: shared, never written. */
const NO_BYTES = new Uint8Array(0);

/**
 * Runs a netfilter hook over the datagram in `frame` (bytes 14 on); returns the frame to carry on with (a new one
 * when the hook rewrote the datagram), or undefined when the packet stops there.
 */
function nfHook(ns: NetNamespace, hook: NfHook, frame: Uint8Array, inDevice: NetDevice | undefined, outDevice: NetDevice | undefined): Uint8Array | undefined {
  const filter = ns.netfilter;
  if (!filter) return frame;
  const datagram = frame.subarray(ETHERNET_HEADER_LEN);
  const verdict = filter.hook(hook, { datagram, inDevice, outDevice });
  if (!verdict.accept) return undefined;
  if (verdict.datagram === datagram) return frame;
  const copy = new Uint8Array(ETHERNET_HEADER_LEN + verdict.datagram.length);
  copy.set(frame.subarray(0, ETHERNET_HEADER_LEN));
  copy.set(verdict.datagram, ETHERNET_HEADER_LEN);
  return copy;
}

/** The datagram inside a frame built by buildDatagram or received. */
export function datagramOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(ETHERNET_HEADER_LEN);
}

/** The multicast MAC of a group address [RFC 1112 §6.4]: 01:00:5e + the low 23 bits. */
export function multicastMac(group: Ipv4Address): MacAddress {
  return 0x01005e000000 + (group & 0x7fffff);
}

/**
 * ip_local_out() → ip_output() → ip_finish_output(): sends a locally built datagram along `route`. Loopback
 * destinations go through lo; broadcast and multicast need no ARP; unicast goes through the neighbour table.
 * Returns the error the sending system call gets: a netfilter hook's DROP (or REJECT) is EPERM
 * (net/netfilter/core.c: nf_hook_slow(), NF_DROP_GETERR() 0 → -EPERM), as sendmsg(2) on a UDP or raw socket reports.
 */
export function ipSend(ns: NetNamespace, frame: Uint8Array, route: OutputRoute): 'Operation not permitted' | undefined {
  // __ip_local_out(): NF_INET_LOCAL_OUT; a destination NAT there means routing again (ip_route_me_harder()).
  const out = nfHook(ns, 'OUTPUT', frame, undefined, route.device);
  if (!out) return 'Operation not permitted';
  let current = route;
  if (out !== frame && readAddress(out, ETHERNET_HEADER_LEN + 16) !== readAddress(frame, ETHERNET_HEADER_LEN + 16)) {
    const again = routeOutput(ns, readAddress(out, ETHERNET_HEADER_LEN + 16), { source: readAddress(out, ETHERNET_HEADER_LEN + 12) });
    if (typeof again === 'string') {
      ns.drop(route.device, out, 'no route');
      return undefined;
    }
    current = again;
  }
  // ip_output(): NF_INET_POST_ROUTING.
  const post = nfHook(ns, 'POSTROUTING', out, undefined, current.device);
  if (!post) return 'Operation not permitted';
  finishOutput(ns, post, current.device, current.nexthop, current.kind);
  return undefined;
}

function readAddress(bytes: Uint8Array, offset: number): Ipv4Address {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Resolves an output route and sends a locally built datagram; returns the route error when there is no route. */
export function ipRouteAndSend(ns: NetNamespace, frame: Uint8Array, destination: Ipv4Address, options: { source?: Ipv4Address; oif?: NetDevice } = {}): RouteError | undefined {
  const route = routeOutput(ns, destination, options);
  if (typeof route === 'string') {
    ns.drop(options.oif, frame, 'no route');
    return route;
  }
  ipSend(ns, frame, route);
  return undefined;
}

/** ip_finish_output(): fragment when the datagram exceeds the MTU (and DF is clear), then hand each piece on. */
function finishOutput(ns: NetNamespace, frame: Uint8Array, device: NetDevice, nexthop: Ipv4Address, kind: OutputRoute['kind']): void {
  const datagramLength = frame.length - ETHERNET_HEADER_LEN;
  if (datagramLength > device.mtu) {
    const flags = frame[ETHERNET_HEADER_LEN + 6]!;
    if (flags & 0x40) {
      // DF: a local sender gets EMSGSIZE; a forwarded packet was refused before reaching here.
      ns.drop(device, frame, 'malformed');
      return;
    }
    for (const piece of fragment(frame, device.mtu)) finishOutput2(ns, piece, device, nexthop, kind);
    return;
  }
  finishOutput2(ns, frame, device, nexthop, kind);
}

/** ip_finish_output2(): pick the link-layer destination and transmit, resolving through ARP when needed. */
function finishOutput2(ns: NetNamespace, frame: Uint8Array, device: NetDevice, nexthop: Ipv4Address, kind: OutputRoute['kind']): void {
  if (device.kind === 'loopback' || kind === 'local') {
    emitEthernet({ destination: MAC_ZERO, source: MAC_ZERO, etherType: EtherType.Ipv4 }, frame);
    ns.loopback.transmit(frame);
    return;
  }
  if (kind === 'broadcast' || kind === 'multicast') {
    const destination = kind === 'broadcast' ? MAC_BROADCAST : multicastMac(nexthop);
    emitEthernet({ destination, source: device.mac, etherType: EtherType.Ipv4 }, frame);
    device.transmit(frame);
    return;
  }
  const entry = ns.arp.lookup(device, nexthop) ?? ns.arp.create(device, nexthop);
  const source = ((frame[26]! << 24) | (frame[27]! << 16) | (frame[28]! << 8) | frame[29]!) >>> 0;
  ns.arp.send(entry, { frame, source }, truesize(frame.length));
}

/** An estimate of skb->truesize for the neighbour queue limit: the data plus sk_buff and skb_shared_info. */
function truesize(length: number): number {
  return length + 576;
}

/** The neighbour is known: write the Ethernet header and transmit (neigh_resolve_output() → dev_queue_xmit()). */
export function transmitResolved(ns: NetNamespace, entry: NeighbourEntry<OutPacket>, packet: OutPacket): void {
  emitEthernet({ destination: entry.lladdr ?? MAC_BROADCAST, source: entry.device.mac, etherType: EtherType.Ipv4 }, packet.frame);
  entry.device.transmit(packet.frame);
}

/**
 * ip_fragment(): splits a datagram into pieces that fit `mtu`, each with the original header, offsets in 8-byte
 * units and MF on all but the last.
 */
export function fragment(frame: Uint8Array, mtu: number): Uint8Array[] {
  const ip = frame.subarray(ETHERNET_HEADER_LEN);
  const headerLength = (ip[0]! & 0x0f) * 4;
  const totalLength = (ip[2]! << 8) | ip[3]!;
  const payload = ip.subarray(headerLength, totalLength);
  const baseOffset = (((ip[6]! << 8) | ip[7]!) & 0x1fff) * 8;
  const originalMf = (ip[6]! & 0x20) !== 0;
  const chunk = Math.floor((mtu - headerLength) / 8) * 8;
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += chunk) {
    const size = Math.min(chunk, payload.length - at);
    const piece = new Uint8Array(ETHERNET_HEADER_LEN + headerLength + size);
    piece.set(ip.subarray(0, headerLength), ETHERNET_HEADER_LEN);
    piece.set(payload.subarray(at, at + size), ETHERNET_HEADER_LEN + headerLength);
    const p = piece.subarray(ETHERNET_HEADER_LEN);
    const length = headerLength + size;
    p[2] = length >>> 8;
    p[3] = length & 0xff;
    const more = at + size < payload.length || originalMf;
    const offsetField = ((baseOffset + at) >>> 3) | (more ? 0x2000 : 0) | (((ip[6]! << 8) | ip[7]!) & 0x4000);
    p[6] = offsetField >>> 8;
    p[7] = offsetField & 0xff;
    p[10] = 0;
    p[11] = 0;
    const parsed = parseIpv4(p);
    if (parsed.ok) emitIpv4(parsed.value, p, 0, 'full');
    pieces.push(piece);
  }
  return pieces;
}

/** The packet type from the destination MAC, as eth_type_trans() sets it; undefined for PACKET_OTHERHOST. */
function packetType(device: NetDevice, frame: Uint8Array): PacketType | undefined {
  if (device.kind === 'loopback') return 'host';
  const destination = readMac(frame, 0);
  if (destination === device.mac) return 'host';
  if (destination === MAC_BROADCAST) return 'broadcast';
  if ((frame[0]! & 1) === 1) return 'multicast';
  return undefined;
}

/**
 * ip_rcv() → ip_rcv_core() → ip_rcv_finish(): validate the header, route the packet, and deliver it locally,
 * forward it, or drop it with a reason.
 */
export function ipReceive(ns: NetNamespace, device: NetDevice, frame: Uint8Array): void {
  const pktType = packetType(device, frame);
  if (pktType === undefined) {
    ns.drop(device, frame, 'not for us');
    return;
  }
  const parsed = parseIpv4(frame.subarray(ETHERNET_HEADER_LEN));
  if (!parsed.ok) {
    ns.drop(device, frame, 'malformed');
    return;
  }
  const ip = parsed.value;
  const datagram = frame.subarray(ETHERNET_HEADER_LEN, ETHERNET_HEADER_LEN + ip.totalLength);
  if (!checkIpv4Checksum(datagram).valid) {
    ns.drop(device, frame, 'bad checksum');
    return;
  }
  // ip_rcv(): NF_INET_PRE_ROUTING (conntrack, destination NAT) before routing.
  let pre = datagram;
  if (ns.netfilter) {
    const hooked = nfHook(ns, 'PREROUTING', frame.subarray(0, ETHERNET_HEADER_LEN + ip.totalLength), device, undefined);
    if (!hooked) return;
    pre = hooked.subarray(ETHERNET_HEADER_LEN);
  }
  if (device.kind === 'loopback') {
    // A packet we sent to ourselves already carries its output route (skb_dst set): no input lookup, but
    // ip_rcv_options() still runs, so record route takes the destination (found by twinnet fuzz:
    // fixtures/regressions/rr-loopback).
    const local = hasOptions(pre) ? pre.slice() : pre;
    if (local !== pre) recordOnInput(local, readAddress(pre, 16));
    localDeliver(ns, device, local, 'host');
    return;
  }
  const route = routeInput(ns, device, readAddress(pre, 12), readAddress(pre, 16));
  switch (route.kind) {
    case 'local':
    case 'broadcast': {
      // ip_rcv_options(): record route takes the destination (ours) in its next slot, on a copy (the capture keeps
      // the datagram as it came).
      const local = hasOptions(pre) ? pre.slice() : pre;
      if (local !== pre) recordOnInput(local, readAddress(pre, 16));
      localDeliver(ns, device, local, route.kind === 'broadcast' || pktType !== 'host' ? 'broadcast' : 'host');
      return;
    }
    case 'forward': {
      // ip_rcv_options() for a datagram to forward: record route takes the source of the route back to the sender
      // (fib_compute_spec_dst()), which ip_forward_options() then replaces with the way out.
      let through = pre;
      let recorded = false;
      if (hasOptions(pre)) {
        through = pre.slice();
        const back = routeOutput(ns, readAddress(pre, 12));
        recorded = recordOnInput(through, typeof back === 'string' ? 0 : back.source);
      }
      forward(ns, device, frame, through, route.route, route.redirect, pktType, recorded);
      return;
    }
    case 'unreachable':
      ns.drop(device, frame, route.silent ? 'forwarding off' : 'no route');
      // ip_error(): with forwarding off the packet goes silently; else ICMP net/host unreachable (rate limited).
      if (!route.silent && pktType === 'host' && ns.icmpLimiter.allowRouteError(readAddress(pre, 12), ns.now)) {
        const code = route.error === 'net' ? 0 : route.error === 'host' ? 1 : 13;
        // The unreachable route is a route all the same (ip_route_input_slow(): no_route → local_input with
        // ip_error), so ip_rcv_options() has recorded the way back's source first: the error quotes the datagram
        // with it (its checksum left) and echoes it (found by twinnet fuzz: fixtures/regressions/rr-unreachable).
        let quoted = pre;
        if (hasOptions(pre)) {
          quoted = pre.slice();
          const back = routeOutput(ns, readAddress(pre, 12));
          recordOnInput(quoted, typeof back === 'string' ? 0 : back.source);
        }
        sendIcmpError(ns, quoted, device, 3, code, 0);
      }
      return;
    case 'martian':
      ns.drop(device, frame, 'martian');
      return;
    case 'drop':
      ns.drop(device, frame, route.reason ?? 'no route');
      return;
  }
}

/**
 * ip_forward(): only frames addressed to our MAC; TTL 1 or less earns an ICMP time exceeded; a redirect goes
 * back when the packet leaves by the interface it came in on; then TTL minus one and out.
 */
function forward(ns: NetNamespace, inDevice: NetDevice, frame: Uint8Array, datagram: Uint8Array, route: Route, redirect: boolean, pktType: PacketType, recorded = false): void {
  if (pktType !== 'host') {
    ns.drop(inDevice, frame, 'not for us');
    return;
  }
  const ttl = datagram[8]!;
  if (ttl <= 1) {
    ns.drop(inDevice, frame, 'ttl exceeded');
    sendIcmpError(ns, datagram, inDevice, 11, 0, 0);
    return;
  }
  const device = route.device!;
  const destination = ((datagram[16]! << 24) | (datagram[17]! << 16) | (datagram[18]! << 8) | datagram[19]!) >>> 0;
  const nexthop = redirectedGateway(ns, destination, route) ?? route.gateway ?? destination;
  // ip_forward(): skb_cow() then ip_decrease_ttl() with an incremental checksum update.
  const copy = new Uint8Array(ETHERNET_HEADER_LEN + datagram.length);
  copy.set(datagram, ETHERNET_HEADER_LEN);
  const ip = copy.subarray(ETHERNET_HEADER_LEN);
  const checksum = (ip[10]! << 8) | ip[11]!;
  const oldWord = (ip[8]! << 8) | ip[9]!;
  ip[8] = ttl - 1;
  const updated = updateChecksum16(checksum, oldWord, (ip[8]! << 8) | ip[9]!);
  ip[10] = updated >>> 8;
  ip[11] = updated & 0xff;
  // The redirect quotes the datagram as it is now, its TTL already one less (ip_forward(): ip_rt_send_redirect()
  // after ip_decrease_ttl()).
  if (redirect) sendRedirect(ns, ip, inDevice, nexthop);
  if (recorded) {
    // ip_forward_options(): the slot gets the source of the way out (ip_rt_get_source()); the checksum is redone.
    const out = routeOutput(ns, readAddress(ip, 16));
    if (typeof out !== 'string') recordOnForward(ip, out.source);
  }
  const dontFragment = (ip[6]! & 0x40) !== 0;
  if (datagram.length > device.mtu && dontFragment) {
    ns.drop(inDevice, frame, 'malformed');
    sendIcmpError(ns, datagram, inDevice, 3, 4, device.mtu);
    return;
  }
  // ip_forward(): NF_INET_FORWARD, then ip_output(): NF_INET_POST_ROUTING (source NAT, MASQUERADE).
  const forwarded = nfHook(ns, 'FORWARD', copy, inDevice, device);
  if (!forwarded) return;
  const post = nfHook(ns, 'POSTROUTING', forwarded, inDevice, device);
  if (!post) return;
  finishOutput(ns, post, device, nexthop, 'unicast');
}

/** Fragment reassembly per namespace (net/ipv4/ip_fragment.c), created on first use. */
const reassemblies = new WeakMap<NetNamespace, Reassembly>();

/**
 * ip_local_deliver(): reassemble fragments, then raw sockets get a copy and the protocol handler the packet;
 * an unknown protocol with no raw socket earns ICMP protocol unreachable.
 */
function localDeliver(ns: NetNamespace, device: NetDevice, datagram: Uint8Array, pktType: 'host' | 'broadcast'): void {
  let packet = datagram;
  const flags = (datagram[6]! << 8) | datagram[7]!;
  if (flags & 0x3fff) {
    let reassembly = reassemblies.get(ns);
    if (!reassembly) {
      reassembly = new Reassembly(ns.scheduler, 30 * SECOND, (first) => sendIcmpError(ns, first, device, 11, 1, 0));
      reassemblies.set(ns, reassembly);
    }
    const whole = reassembly.add(datagram);
    if (!whole) return;
    packet = whole;
  }
  // ip_local_deliver(): NF_INET_LOCAL_IN.
  if (ns.netfilter) {
    const frame = new Uint8Array(ETHERNET_HEADER_LEN + packet.length);
    frame.set(packet, ETHERNET_HEADER_LEN);
    const hooked = nfHook(ns, 'INPUT', frame, device, undefined);
    if (!hooked) return;
    packet = hooked.subarray(ETHERNET_HEADER_LEN);
  }
  const protocol = packet[9]!;
  const raw = ns.sockets.rawFor(protocol, device);
  for (const socket of raw) socket.deliver({ datagram: packet, device });
  switch (protocol) {
    case IpProtocol.Icmp:
      icmpReceive(ns, device, packet, pktType);
      return;
    case IpProtocol.Igmp:
      return;
    default:
      // UDP and TCP always have a handler (installed on first use, l3/transport.ts): it answers closed ports itself
      // (port unreachable, RST), so only other protocols reach the protocol-unreachable path below.
      if (transportOf(ns).deliver(device, packet, pktType)) return;
      if (raw.length === 0) {
        ns.drop(device, packet, 'no socket');
        // ip_local_deliver_finish(): no handler and no raw socket: ICMP protocol unreachable.
        if (pktType === 'host') sendIcmpError(ns, packet, device, 3, 2, 0);
      }
  }
}
