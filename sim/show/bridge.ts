import { formatMac, type MacAddress } from '../../core/mac.ts';
import { Bridge } from '../../l2/bridge.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { FdbEntry } from '../../l2/fdb.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { formatJson, type JsonObject } from './json.ts';
import { portCost } from './link-details.ts';
import { linkFlags, masterOf } from './link-facts.ts';
import { failed, printed, type ShowResult } from './result.ts';

/** The options of `bridge [-j [-p]] link [show] [dev DEV]`. */
export interface BridgeLinkOptions {
  readonly device?: string;
  readonly json?: boolean;
  readonly pretty?: boolean;
}

/**
 * `bridge link show` (bridge/link.c print_linkinfo()): each bridge port as `N: NAME@PEER: <FLAGS> mtu M master BR
 * state S priority 32 cost C `. Unlike `ip link`, the peer index is resolved by name in the current namespace
 * whatever namespace the peer is in (ll_index_to_name()), so a peer elsewhere may print as a local device's name
 * (the seed's `veth2@enp0s3`), and a peer with the device's own index is not shown at all.
 */
export function showBridgeLinks(_net: Network, ns: NetNamespace, options: BridgeLinkOptions = {}): ShowResult {
  let devices = [...ns.devices].sort((a, b) => a.ifindex - b.ifindex);
  if (options.device !== undefined) {
    const device = ns.device(options.device);
    if (!device) return failed(`Cannot find device "${options.device}"`, 1);
    devices = [device];
  }
  const records: { text: string; json: JsonObject }[] = [];
  for (const device of devices) {
    const master = masterOf(device);
    const port = master?.portOf(device);
    if (!master || !port) continue;
    // br_fill_ifinfo() sends IFLA_LINK only when it differs from the index, and no IFLA_LINK_NETNSID: iproute2
    // then names it after whatever device has that index here (ll_index_to_name()), M-DOWN if that one is down.
    const iflink = device.iflink;
    const local = iflink !== device.ifindex ? ns.deviceByIndex(iflink) : undefined;
    const flags = linkFlags(device, local !== undefined && !local.adminUp);
    const json: JsonObject = { ifindex: device.ifindex };
    let name = device.name;
    if (iflink !== device.ifindex) {
      const linkName = local?.name ?? `if${iflink}`;
      json['link'] = linkName;
      name += `@${linkName}`;
    }
    json['ifname'] = device.name;
    json['flags'] = flags;
    json['mtu'] = device.mtu;
    json['master'] = master.name;
    json['state'] = port.state;
    json['priority'] = 32;
    json['cost'] = portCost(device);
    records.push({
      text: `${device.ifindex}: ${name}: <${flags.join(',')}> mtu ${device.mtu} master ${master.name} state ${port.state} priority 32 cost ${portCost(device)} \n`,
      json,
    });
  }
  if (options.json) return printed(formatJson(records.map((r) => r.json), options.pretty ?? false));
  return printed(records.map((r) => r.text).join(''));
}

/** The options of `bridge [-j [-p]] fdb [show] [br BR] [brport|dev DEV] [dynamic]`. */
export interface FdbShowOptions {
  readonly bridge?: string;
  readonly device?: string;
  readonly dynamic?: boolean;
  readonly json?: boolean;
  readonly pretty?: boolean;
}

/**
 * The hardware multicast list (dev->mc) that ndo_dflt_fdb_dump() shows as `self permanent`, with IPv6 disabled:
 * every Ethernet device has 33:33:00:00:00:01 (ipv6_add_dev() joins ff02::1 even then); while up it adds
 * 01:00:5e:00:00:01 (ip_mc_up(): 224.0.0.1), and an up bridge first joins the multicast router groups
 * 224.0.0.106 and ff02::6a (br_multicast_open()). Measured on kernel 6.18.
 */
export function multicastList(device: NetDevice): MacAddress[] {
  if (device.kind === 'loopback') return [];
  const list = [0x333300000001];
  if (!device.adminUp) return list;
  if (device.kind === 'bridge') list.push(0x01005e00006a, 0x33330000006a);
  list.push(0x01005e000001);
  return list;
}

interface FdbLine {
  readonly text: string;
  readonly json: JsonObject;
}

function selfLines(device: NetDevice, showDevice: boolean): FdbLine[] {
  return multicastList(device).map((mac) => ({
    text: `${formatMac(mac)} ${showDevice ? `dev ${device.name} ` : ''}self permanent\n`,
    json: { mac: formatMac(mac), ifname: device.name, flags: ['self'], state: 'permanent' },
  }));
}

/** fdb_fill_info() for a bridge entry: `MAC dev D master BR permanent|static`; a learned entry ends in `master BR `. */
function masterLine(bridge: Bridge, entry: FdbEntry, showDevice: boolean): FdbLine {
  const state = entry.local ? 'permanent' : entry.isStatic ? 'static' : '';
  const text = `${formatMac(entry.mac)} ${showDevice ? `dev ${entry.port.name} ` : ''}master ${bridge.name} ${state}`;
  return { text: `${text}\n`, json: { mac: formatMac(entry.mac), ifname: entry.port.name, flags: [], master: bridge.name, state } };
}

/** A bridge's entries for one device, newest first (fdb_create() adds at the head of fdb_list). */
function entriesFor(bridge: Bridge, device: NetDevice): FdbEntry[] {
  return [...bridge.fdb.all()].filter((e) => e.port === device).reverse();
}

/**
 * `bridge fdb show` (net/core/rtnetlink.c rtnl_fdb_dump()): for each device in order, a port's entries in its
 * bridge, then the device's own multicast list (`self`); a bridge lists its `self` entries, then the entries that
 * belong to the bridge itself.
 */
export function showFdb(_net: Network, ns: NetNamespace, options: FdbShowOptions = {}): ShowResult {
  let bridge: Bridge | undefined;
  if (options.bridge !== undefined) {
    const found = ns.device(options.bridge);
    if (!(found instanceof Bridge)) return failed(`Cannot find bridge device "${options.bridge}"`, 255);
    bridge = found;
  }
  let devices = [...ns.devices].sort((a, b) => a.ifindex - b.ifindex);
  if (options.device !== undefined) {
    const found = ns.device(options.device);
    if (!found) return failed(`Cannot find device "${options.device}"`, 255);
    devices = [found];
  }
  const showDevice = options.device === undefined;
  const lines: FdbLine[] = [];
  for (const device of devices) {
    const master = masterOf(device);
    if (bridge && device !== bridge && master !== bridge) continue;
    if (master) for (const e of entriesFor(master, device)) lines.push(masterLine(master, e, showDevice));
    if (device instanceof Bridge) {
      lines.push(...selfLines(device, showDevice));
      for (const e of entriesFor(device, device)) lines.push(masterLine(device, e, showDevice));
    } else {
      lines.push(...selfLines(device, showDevice));
    }
  }
  const shown = options.dynamic ? lines.filter((l) => l.json['state'] === '') : lines;
  if (options.json) return printed(formatJson(shown.map((l) => l.json), options.pretty ?? false));
  return printed(shown.map((l) => l.text).join(''));
}
