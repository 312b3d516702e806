import { formatMac } from '../../core/mac.ts';
import { Bridge } from '../../l2/bridge.ts';
import type { NetDevice } from '../../l2/device.ts';
import { Veth } from '../../l2/veth.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';

/**
 * What a device's peer or lower device looks like from the namespace being shown (IFLA_LINK, IFLA_LINK_NETNSID):
 * none, a device in the same namespace (printed by name), or one in another namespace (printed as `if<index>`).
 */
export type LinkPeer =
  | { readonly kind: 'none' }
  | { readonly kind: 'local'; readonly device: NetDevice }
  | { readonly kind: 'remote'; readonly ifindex: number; readonly nsid: number; readonly namespace: NetNamespace };

/**
 * The peer of a veth as rtnl_fill_ifinfo() reports it. Like the kernel (rtnl_fill_link_netnsid() →
 * peernet2id_alloc()), reporting a peer in another namespace allocates that namespace an id here.
 */
export function linkPeer(net: Network, ns: NetNamespace, device: NetDevice): LinkPeer {
  if (!(device instanceof Veth)) return { kind: 'none' };
  const peer = device.peer;
  const peerNs = net.namespaceOf(peer);
  if (peerNs === ns) return { kind: 'local', device: peer };
  return { kind: 'remote', ifindex: peer.ifindex, nsid: ns.nsidFor(peerNs), namespace: peerNs };
}

/** The `@…` suffix of `ip link` (print_linkinfo()): the peer's name in this namespace, else `if<index>`. */
export function peerSuffix(peer: LinkPeer): string {
  if (peer.kind === 'local') return `@${peer.device.name}`;
  if (peer.kind === 'remote') return `@if${peer.ifindex}`;
  return '';
}

/** iproute2's M-DOWN: the peer is in this namespace and is not up (print_linkinfo(), ll_index_to_flags()). */
export function peerDown(peer: LinkPeer): boolean {
  return peer.kind === 'local' && !peer.device.adminUp;
}

/**
 * The IFF_* flags dev_get_flags() reports, in print_link_flags() order, with NO-CARRIER first (up without
 * IFF_RUNNING) and M-DOWN last: LOOPBACK, BROADCAST, POINTOPOINT, MULTICAST, NOARP, …, UP, LOWER_UP.
 */
export function linkFlags(device: NetDevice, mdown: boolean): string[] {
  const flags: string[] = [];
  const running = device.adminUp && device.carrier;
  if (device.adminUp && !running) flags.push('NO-CARRIER');
  if (device.kind === 'loopback') flags.push('LOOPBACK');
  else flags.push('BROADCAST');
  // dummy_setup() clears IFF_MULTICAST and sets IFF_NOARP.
  if (device.kind === 'dummy') flags.push('NOARP');
  else if (device.kind !== 'loopback') flags.push('MULTICAST');
  if (device.adminUp) flags.push('UP');
  if (running) flags.push('LOWER_UP');
  if (mdown) flags.push('M-DOWN');
  return flags;
}

/**
 * The qdisc iproute2 prints: a root qdisc attached with tc (`netem`, l2/netem.ts), else `noop` until the device is
 * first opened (dev_activate() attaches noqueue).
 */
export function qdiscOf(device: NetDevice): string {
  return device.qdisc?.kind ?? (device.everUp ? 'noqueue' : 'noop');
}

/** `link/ether` or `link/loopback` (ll_type_n2a(ARPHRD_*)). */
export function linkType(device: NetDevice): string {
  return device.kind === 'loopback' ? 'loopback' : 'ether';
}

/** The device's MAC and hardware broadcast address as iproute2 formats them. */
export function linkAddresses(device: NetDevice): { address: string; broadcast: string } {
  return { address: formatMac(device.mac), broadcast: formatMac(device.broadcast) };
}

/** The bridge a device is a port of, if any. */
export function masterOf(device: NetDevice): Bridge | undefined {
  return device.master instanceof Bridge ? device.master : undefined;
}

/** The name a namespace id stands for in `link-netns NAME` (iproute2 maps ids of named namespaces to names). */
export function peerNamespaceText(peer: LinkPeer): string {
  if (peer.kind !== 'remote') return '';
  return peer.namespace.name === '' ? ` link-netnsid ${peer.nsid}` : ` link-netns ${peer.namespace.name}`;
}
