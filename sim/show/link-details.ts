import { MILLISECOND } from '../../core/clock.ts';
import { MAC_ZERO, type MacAddress } from '../../core/mac.ts';
import { Bridge, type BridgePort } from '../../l2/bridge.ts';
import type { NetDevice } from '../../l2/device.ts';
import { JsonNumberText, type JsonObject } from './json.ts';
import { masterOf } from './link-facts.ts';

/** A `-d` field: its text (`name value`, or just the value when name is empty), its JSON key and value. */
interface Field {
  readonly text: string;
  readonly key: string | undefined;
  readonly value: JsonObject[string];
}

/** A field printed as `name value`; `key` is its JSON name, null when iproute2 prints it in text only. */
function field(name: string, value: number | string | boolean, key: string | null = name): Field {
  const shown = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
  return { text: `${name} ${shown}`, key: key ?? undefined, value };
}

/** A bridge timer as iproute2 prints it ("%4i.%.2i", json "%.2f"); twinnet does not model the STP timers, so 0. */
function timer(name: string, key: string = name): Field {
  return { text: `${name}    0.00`, key, value: new JsonNumberText('0.00') };
}

/** br_print_bridge_id / ip/iplink_bridge.c: "8000.2:0:0:0:b:0" (priority, then bytes in %x). */
function bridgeId(mac: MacAddress): string {
  const bytes: string[] = [];
  for (let shift = 40; shift >= 0; shift -= 8) bytes.push((Math.floor(mac / 2 ** shift) % 256).toString(16));
  return `8000.${bytes.join(':')}`;
}

/**
 * The bridge id's address (br->bridge_id.addr): set by hand or by the lowest port; a bridge that never had either
 * shows 0:0:0:0:0:0 although its device MAC is random (measured: `bridge_id 8000.0:0:0:0:0:0`).
 */
function bridgeIdAddress(bridge: Bridge): MacAddress {
  return bridge.macSetByHand || bridge.ports.length > 0 ? bridge.mac : MAC_ZERO;
}

/** ip/iplink_bridge.c bridge_print_opt() for a bridge with STP off and the kernel's defaults (kernel 6.18). */
function bridgeFields(bridge: Bridge): Field[] {
  const id = bridgeId(bridgeIdAddress(bridge));
  return [
    field('forward_delay', 1500),
    field('hello_time', 200),
    field('max_age', 2000),
    field('ageing_time', Math.round(bridge.ageingTime / (10 * MILLISECOND))),
    field('stp_state', 0),
    field('priority', 32768),
    field('vlan_filtering', 0),
    field('bridge_id', id),
    field('designated_root', id, 'root_id'),
    field('root_port', 0),
    field('root_path_cost', 0),
    field('topology_change', 0),
    field('topology_change_detected', 0),
    timer('hello_timer'),
    timer('tcn_timer'),
    timer('topology_change_timer'),
    timer('gc_timer'),
    field('group_fwd_mask', '0'),
    field('group_address', '01:80:c2:00:00:00', 'group_addr'),
    field('mcast_snooping', 1),
    field('no_linklocal_learn', 0),
    field('mcast_vlan_snooping', 0),
    field('mcast_router', 1),
    field('mcast_query_use_ifaddr', 0),
    field('mcast_querier', 0),
    field('mcast_hash_elasticity', 16),
    field('mcast_hash_max', 4096),
    field('mcast_last_member_count', 2, 'mcast_last_member_cnt'),
    field('mcast_startup_query_count', 2, 'mcast_startup_query_cnt'),
    field('mcast_last_member_interval', 100, 'mcast_last_member_intvl'),
    field('mcast_membership_interval', 26000, 'mcast_membership_intvl'),
    field('mcast_querier_interval', 25500, 'mcast_querier_intvl'),
    field('mcast_query_interval', 12500, 'mcast_query_intvl'),
    field('mcast_query_response_interval', 1000, 'mcast_query_response_intvl'),
    field('mcast_startup_query_interval', 3124, 'mcast_startup_query_intvl'),
    field('mcast_stats_enabled', 0),
    field('mcast_igmp_version', 2),
    field('mcast_mld_version', 1),
    field('nf_call_iptables', 0),
    field('nf_call_ip6tables', 0),
    field('nf_call_arptables', 0),
  ];
}

/** ip/iplink_bridge_slave.c bridge_slave_print_opt() for a port with the kernel's default flags. */
function bridgePortFields(bridge: Bridge, port: BridgePort): Field[] {
  const id = bridgeId(bridgeIdAddress(bridge));
  const portId = 0x8000 | port.portNo;
  return [
    field('state', port.state),
    field('priority', 32),
    field('cost', portCost(port.device)),
    field('hairpin', port.hairpin),
    field('guard', false),
    field('root_block', false),
    field('fastleave', false),
    field('learning', port.learning),
    field('flood', port.flood),
    field('port_id', `0x${portId.toString(16)}`, 'id'),
    field('port_no', `0x${port.portNo.toString(16)}`, 'no'),
    field('designated_port', portId),
    field('designated_cost', 0),
    field('designated_bridge', id, 'bridge_id'),
    field('designated_root', id, 'root_id'),
    timer('hold_timer'),
    timer('message_age_timer'),
    timer('forward_delay_timer'),
    field('topology_change_ack', 0),
    field('config_pending', 0),
    field('proxy_arp', false),
    field('proxy_arp_wifi', false),
    field('mcast_router', 1, 'multicast_router'),
    field('mcast_fast_leave', false, null),
    field('mcast_flood', true),
    field('bcast_flood', true),
    field('mcast_to_unicast', false),
    field('neigh_suppress', false),
    field('group_fwd_mask', '0'),
    field('group_fwd_mask_str', '0x0'),
    field('vlan_tunnel', false),
    field('isolated', false),
    field('locked', false),
  ];
}

/** The STP path cost of a port (br_get_path_cost()): veth reports 10 Gb/s, which costs 2; no speed costs 100. */
export function portCost(device: NetDevice): number {
  return device.kind === 'veth' ? 2 : 100;
}

function fieldsJson(fields: readonly Field[]): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) if (f.key !== undefined) out[f.key] = f.value;
  return out;
}

function fieldsText(fields: readonly Field[]): string {
  return fields.map((f) => `${f.text} `).join('');
}

/** The `-d` part of a link record: text lines after `link/ether …` and the JSON keys, in print_linkinfo() order. */
export interface LinkDetails {
  /** Appended to the `link/…` line. */
  readonly tail: string;
  /** Further lines (each starts with four spaces), the last ending with the generic fields. */
  readonly lines: string[];
  readonly json: JsonObject;
}

/**
 * print_linkinfo() with show_details: promiscuity, MTU limits, the kind (veth, bridge) and its options, the port's
 * bridge_slave options, then the generic queue and GSO fields as kernel 6.18 reports them for these drivers.
 */
export function linkDetails(device: NetDevice): LinkDetails {
  const master = masterOf(device);
  const port = master?.portOf(device);
  // A bridge port is promiscuous (br_add_if()); each capturing packet socket adds one.
  const promiscuity = (port ? 1 : 0) + device.promiscuity;
  const [minMtu, maxMtu] = device.kind === 'loopback' ? [0, 0] : [68, 65535];
  const tail = ` promiscuity ${promiscuity}  allmulti ${promiscuity} minmtu ${minMtu} maxmtu ${maxMtu} `;
  const json: JsonObject = { promiscuity, allmulti: promiscuity, min_mtu: minMtu, max_mtu: maxMtu };
  const lines: string[] = [];
  const linkinfo: JsonObject = {};
  if (device.kind !== 'loopback') {
    linkinfo['info_kind'] = device.kind;
    let line = `    ${device.kind} `;
    if (device instanceof Bridge) {
      const fields = bridgeFields(device);
      linkinfo['info_data'] = fieldsJson(fields);
      line += fieldsText(fields);
    }
    lines.push(line);
    if (master && port) {
      const fields = bridgePortFields(master, port);
      linkinfo['info_slave_kind'] = 'bridge';
      linkinfo['info_slave_data'] = fieldsJson(fields);
      lines.push(`    bridge_slave ${fieldsText(fields)}`);
    }
    json['linkinfo'] = linkinfo;
  }
  const queues = device.kind === 'veth' ? 2 : 1;
  // A bridge takes the smallest TSO limit of its ports (br_set_gso_limits()); without ports it keeps 65536.
  const tsoMax = device instanceof Bridge && device.ports.length === 0 ? 65536 : 524280;
  const generic: [string, string, number | string][] = [
    ['addrgenmode', 'inet6_addr_gen_mode', 'eui64'],
    ['numtxqueues', 'num_tx_queues', queues],
    ['numrxqueues', 'num_rx_queues', queues],
    ['gso_max_size', 'gso_max_size', 65536],
    ['gso_max_segs', 'gso_max_segs', 65535],
    ['tso_max_size', 'tso_max_size', tsoMax],
    ['tso_max_segs', 'tso_max_segs', 65535],
    ['gro_max_size', 'gro_max_size', 65536],
  ];
  const genericText = generic.map(([name, , value]) => `${name} ${value} `).join('');
  for (const [, key, value] of generic) json[key] = value;
  if (lines.length === 0) return { tail: tail + genericText, lines, json };
  lines[lines.length - 1] += genericText;
  return { tail, lines, json };
}
