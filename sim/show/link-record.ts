import type { NetDevice } from '../../l2/device.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import type { JsonObject } from './json.ts';
import { linkDetails } from './link-details.ts';
import { linkAddresses, linkFlags, linkPeer, linkType, masterOf, peerDown, peerNamespaceText, peerSuffix, qdiscOf } from './link-facts.ts';
import { statsJson, statsLines } from './link-stats.ts';

/** How a link record is printed: by `ip link` (with `mode DEFAULT`) or `ip addr`; with -d and -s. */
export interface LinkRecordOptions {
  readonly forLink: boolean;
  readonly details?: boolean;
  readonly stats?: boolean;
}

/** One device as print_linkinfo() prints it: text lines (without newlines) and the JSON object, keys in order. */
export interface LinkRecord {
  readonly lines: string[];
  /** The stats lines, printed after the addresses by `ip -s addr`. */
  readonly statsLines: string[];
  readonly json: JsonObject;
}

/**
 * ip/ipaddress.c print_linkinfo(): `N: NAME[@PEER]: <FLAGS> mtu M qdisc Q [master BR] state S [mode DEFAULT] group
 * default qlen L`, then `    link/ether MAC brd BRD [link-netns NS | link-netnsid N]`.
 */
export function linkRecord(net: Network, ns: NetNamespace, device: NetDevice, options: LinkRecordOptions): LinkRecord {
  const peer = linkPeer(net, ns, device);
  const flags = linkFlags(device, peerDown(peer));
  const master = masterOf(device);
  const { address, broadcast } = linkAddresses(device);
  const json: JsonObject = { ifindex: device.ifindex };
  if (peer.kind === 'local') json['link'] = peer.device.name;
  if (peer.kind === 'remote') json['link_index'] = peer.ifindex;
  json['ifname'] = device.name;
  json['flags'] = flags;
  json['mtu'] = device.mtu;
  json['qdisc'] = qdiscOf(device);
  if (master) json['master'] = master.name;
  json['operstate'] = device.operState;
  if (options.forLink) json['linkmode'] = 'DEFAULT';
  json['group'] = 'default';
  json['txqlen'] = device.txqlen;
  json['link_type'] = linkType(device);
  json['address'] = address;
  json['broadcast'] = broadcast;
  if (peer.kind === 'remote') json['link_netnsid'] = peer.nsid;
  const first =
    `${device.ifindex}: ${device.name}${peerSuffix(peer)}: <${flags.join(',')}> mtu ${device.mtu} qdisc ${qdiscOf(device)} ` +
    `${master ? `master ${master.name} ` : ''}state ${device.operState} ${options.forLink ? 'mode DEFAULT ' : ''}group default qlen ${device.txqlen}`;
  let second = `    link/${linkType(device)} ${address} brd ${broadcast}${peerNamespaceText(peer)}`;
  const lines = [first];
  if (options.details) {
    const details = linkDetails(device);
    second += details.tail;
    lines.push(second, ...details.lines);
    Object.assign(json, details.json);
  } else {
    lines.push(second);
  }
  const stats = options.stats ? statsLines(device) : [];
  if (options.stats) json['stats64'] = statsJson(device);
  return { lines, statsLines: stats, json };
}

/** The brief (`-br`) name column: NAME@PEER (print_linkinfo_brief()). */
export function briefName(net: Network, ns: NetNamespace, device: NetDevice): string {
  return `${device.name}${peerSuffix(linkPeer(net, ns, device))}`;
}

/** The brief JSON head: link or link_index, ifname, operstate. */
export function briefJson(net: Network, ns: NetNamespace, device: NetDevice): JsonObject {
  const peer = linkPeer(net, ns, device);
  const json: JsonObject = {};
  if (peer.kind === 'local') json['link'] = peer.device.name;
  if (peer.kind === 'remote') json['link_index'] = peer.ifindex;
  json['ifname'] = device.name;
  json['operstate'] = device.operState;
  return json;
}

/** `%-16s %-14s `: the brief name and state columns. */
export function briefColumns(net: Network, ns: NetNamespace, device: NetDevice): string {
  return `${briefName(net, ns, device).padEnd(16)} ${device.operState.padEnd(14)} `;
}
