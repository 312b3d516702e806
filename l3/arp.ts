import { cidrContains, isLoopbackIpv4, isMulticastIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { MAC_BROADCAST, MAC_ZERO, readMac, type MacAddress } from '../core/mac.ts';
import { ArpOperation, emitArp, parseArp, ARP_ETHERNET_IPV4_LEN } from '../core/wire/arp.ts';
import { emitEthernet, EtherType, ETHERNET_HEADER_LEN } from '../core/wire/ethernet.ts';
import type { NetDevice } from '../l2/device.ts';
import type { NeighbourEntry, NeighbourOps } from '../l2/neighbour.ts';
import { sendIcmpError } from './icmp.ts';
import type { OutPacket } from './ipv4.ts';
import { transmitResolved } from './ipv4.ts';
import type { NetNamespace } from './namespace.ts';
import { fibLookup, routeInput, selectSourceAddress } from './route.ts';

/** Builds and sends one ARP packet (net/ipv4/arp.c: arp_create() + arp_xmit()): 42 bytes, no padding, as veth sends them. */
export function sendArp(
  device: NetDevice,
  operation: number,
  targetIp: Ipv4Address,
  senderIp: Ipv4Address,
  destinationMac: MacAddress,
  targetMac: MacAddress,
): void {
  const frame = new Uint8Array(ETHERNET_HEADER_LEN + ARP_ETHERNET_IPV4_LEN);
  emitEthernet({ destination: destinationMac, source: device.mac, etherType: EtherType.Arp }, frame);
  emitArp(
    {
      kind: 'ethernetIpv4',
      operation,
      senderHardwareAddress: device.mac,
      senderProtocolAddress: senderIp,
      targetHardwareAddress: targetMac,
      targetProtocolAddress: targetIp,
    },
    frame,
    ETHERNET_HEADER_LEN,
  );
  device.transmit(frame);
}

/** The neighbour operations for ARP (arp_hh_ops). */
export function arpNeighbourOps(ns: NetNamespace): NeighbourOps<OutPacket> {
  return {
    solicit(entry, unicast, tail) {
      arpSolicit(ns, entry, unicast, tail);
    },
    errorReport(entry, packet) {
      // arp_error_report() → ipv4_link_failure() → icmp_send(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH).
      ns.drop(entry.device, packet.frame, 'arp failed');
      sendIcmpError(ns, packet.frame.subarray(ETHERNET_HEADER_LEN), undefined, 3, 1, 0);
    },
    output(entry, packet) {
      transmitResolved(ns, entry, packet);
    },
    discard(entry, packet, why) {
      ns.drop(entry.device, packet.frame, why);
    },
  };
}

/**
 * arp_solicit(): the sender IP is the queued packet's source when it is local (arp_announce 0), else chosen for
 * the target; the request is unicast to the cached address while re-probing, broadcast otherwise, and the target
 * hardware address is always zero.
 */
function arpSolicit(ns: NetNamespace, entry: NeighbourEntry<OutPacket>, unicast: boolean, tail: OutPacket | undefined): void {
  const device = entry.device;
  const target = entry.address;
  const announce = ns.conf(device, 'arp_announce');
  let sender = 0;
  if (tail && announce === 0 && ns.isLocalAddress(tail.source)) sender = tail.source;
  if (sender === 0 && tail && announce === 1) {
    if (ns.isLocalAddress(tail.source) && ns.addressesOf(device).some((a) => cidrContains({ address: a.local, prefixLength: a.prefixLength }, target) && cidrContains({ address: a.local, prefixLength: a.prefixLength }, tail.source))) sender = tail.source;
  }
  if (sender === 0) sender = selectSourceAddress(ns, device, target, 'link');
  const destination = unicast && entry.lladdr !== undefined ? entry.lladdr : MAC_BROADCAST;
  sendArp(device, ArpOperation.Request, target, sender, destination, MAC_ZERO);
}

/**
 * arp_ignore (net/ipv4/arp.c: arp_ignore()): 0 answers for any local address, 1 only for addresses on the
 * receiving device, 2 also requires the sender in the same subnet; 8 never answers.
 */
function arpIgnores(ns: NetNamespace, device: NetDevice, senderIp: Ipv4Address, targetIp: Ipv4Address): boolean {
  const mode = ns.conf(device, 'arp_ignore');
  const onDevice = ns.addressesOf(device);
  switch (mode) {
    case 0:
      return false;
    case 1:
      return !onDevice.some((a) => a.local === targetIp);
    case 2:
      return !onDevice.some((a) => a.local === targetIp && cidrContains({ address: a.local, prefixLength: a.prefixLength }, senderIp));
    case 3:
      return !onDevice.some((a) => a.local === targetIp && (a.scope === 'global' || a.scope === 'site'));
    case 8:
      return true;
    default:
      return false;
  }
}

/** arp_filter: answer only when the route back to the sender leaves by the receiving device. */
function arpFilters(ns: NetNamespace, device: NetDevice, senderIp: Ipv4Address): boolean {
  const back = fibLookup(ns, senderIp);
  return !back || back.route.device !== device;
}

/**
 * arp_rcv() → arp_process(): answer requests for local addresses (creating the sender's entry as STALE), and
 * update an existing entry from any ARP packet: REACHABLE for a unicast reply, STALE otherwise.
 */
export function arpReceive(ns: NetNamespace, device: NetDevice, frame: Uint8Array): void {
  const parsed = parseArp(frame.subarray(ETHERNET_HEADER_LEN));
  if (!parsed.ok || parsed.value.kind !== 'ethernetIpv4') {
    ns.drop(device, frame, 'malformed');
    return;
  }
  const arp = parsed.value;
  if (arp.operation !== ArpOperation.Request && arp.operation !== ArpOperation.Reply) {
    ns.drop(device, frame, 'not for us');
    return;
  }
  const destinationMac = readMac(frame, 0);
  const forUs = destinationMac === device.mac;
  if (!forUs && destinationMac !== MAC_BROADCAST && (frame[0]! & 1) === 0) {
    // PACKET_OTHERHOST: arp_rcv() drops it.
    ns.drop(device, frame, 'not for us');
    return;
  }
  const sip = arp.senderProtocolAddress;
  const tip = arp.targetProtocolAddress;
  const sha = arp.senderHardwareAddress;
  if (isMulticastIpv4(tip) || (ns.conf(device, 'route_localnet') === 0 && isLoopbackIpv4(tip))) {
    ns.drop(device, frame, 'martian');
    return;
  }
  if (sip === 0) {
    // Duplicate address detection probe (RFC 2131/5227): answer if the address is ours, learn nothing.
    if (arp.operation === ArpOperation.Request && ns.isLocalAddress(tip) && !arpIgnores(ns, device, sip, tip)) {
      sendArp(device, ArpOperation.Reply, sip, tip, sha, sha);
    }
    return;
  }
  if (arp.operation === ArpOperation.Request) {
    // ip_route_input_noref(skb, tip, sip, 0, dev): the full input route, martian checks included.
    const input = routeInput(ns, device, sip, tip);
    if (input.kind === 'local' && input.route?.type === 'local') {
      let dontSend = arpIgnores(ns, device, sip, tip);
      if (!dontSend && ns.conf(device, 'arp_filter') === 1) dontSend = arpFilters(ns, device, sip);
      if (!dontSend) {
        ns.arp.eventNs(device, sip, sha);
        sendArp(device, ArpOperation.Reply, sip, tip, sha, sha);
      }
      return;
    }
  }
  const entry = ns.arp.lookup(device, sip);
  if (!entry) return;
  const parms = ns.neighParmsOf(device);
  const override = ns.now > entry.updated + parms.locktime;
  const state = arp.operation !== ArpOperation.Reply || !forUs ? 'STALE' : 'REACHABLE';
  ns.arp.update(entry, sha, state, override ? { override: true } : {});
}
