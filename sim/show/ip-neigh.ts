import { MILLISECOND } from '../../core/clock.ts';
import { formatIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import { formatMac } from '../../core/mac.ts';
import type { NetDevice } from '../../l2/device.ts';
import { nudValid, type NeighParms, type NeighbourEntry } from '../../l2/neighbour.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { formatJson, type JsonObject } from './json.ts';
import { failed, printed, type ShowResult } from './result.ts';

/** The options of `ip [-j [-p]] neigh [show] [ADDR] [dev DEV]`. */
export interface NeighShowOptions {
  readonly device?: string;
  readonly address?: Ipv4Address;
  readonly json?: boolean;
  readonly pretty?: boolean;
}

/** The ARP entries `ip neigh` lists (NUD_NOARP entries are hidden, as /proc/net/arp hides them too). */
export function listedNeighbours(ns: NetNamespace): NeighbourEntry<unknown>[] {
  return [...ns.arp.entries()].filter((e) => e.state !== 'NOARP' && e.state !== 'NONE');
}

/**
 * ip/ipneigh.c print_neigh(): `ADDR [dev D ][lladdr MAC ][router ]STATE ` — lladdr only in NUD_VALID states;
 * `dev` left out when filtering by device. The kernel lists entries in its hash order, which depends on a random
 * per-table seed; twinnet lists them per device, oldest first.
 */
export function showNeighbours(_net: Network, ns: NetNamespace, options: NeighShowOptions = {}): ShowResult {
  let device: NetDevice | undefined;
  if (options.device !== undefined) {
    device = ns.device(options.device);
    if (!device) return failed(`Cannot find device "${options.device}"`, 1);
  }
  const entries = listedNeighbours(ns).filter((e) => (!device || e.device === device) && (options.address === undefined || e.address === options.address));
  const records = entries.map((e) => {
    const json: JsonObject = { dst: formatIpv4(e.address) };
    let text = `${formatIpv4(e.address)} `;
    if (!device) {
      json['dev'] = e.device.name;
      text += `dev ${e.device.name} `;
    }
    if (nudValid(e.state) && e.lladdr !== undefined) {
      json['lladdr'] = formatMac(e.lladdr);
      text += `lladdr ${formatMac(e.lladdr)} `;
    }
    if (e.isRouter) {
      json['router'] = null;
      text += 'router ';
    }
    json['state'] = [e.state];
    text += `${e.state} `;
    return { text, json };
  });
  if (options.json) return printed(formatJson(records.map((r) => r.json), options.pretty ?? false));
  return printed(records.map((r) => `${r.text}\n`).join(''));
}

/** The parameter lines of one `ip ntable` block (ip/ipntable.c print_ntable()), times in milliseconds. */
function parmsLines(parms: NeighParms, refcnt: number): string[] {
  const ms = (ns: number): number => Math.round(ns / MILLISECOND);
  return [
    `    refcnt ${refcnt} reachable ${ms(parms.reachableTime)} base_reachable ${ms(parms.baseReachableTime)} retrans ${ms(parms.retransTime)} `,
    `    gc_stale ${ms(parms.gcStaleTime)} delay_probe ${ms(parms.delayProbeTime)} queue ${Math.floor(parms.queueLenBytes / 2090)} `,
    `    app_probes ${parms.appProbes} ucast_probes ${parms.ucastProbes} mcast_probes ${parms.mcastProbes} `,
    `    anycast_delay 1000 proxy_delay 800 proxy_queue 64 locktime ${ms(parms.locktime)} `,
  ];
}

/**
 * `ip ntable show [dev DEV]`: the arp_cache table's defaults (without `dev`) and each device's parameters, with
 * the reachable_time drawn for it. Only the inet (ARP) blocks are printed: IPv6's ndisc_cache is not modelled.
 * `refcnt` is modelled as 1 plus the device's neighbour entries (each holds a reference to its parms).
 */
export function showNtable(_net: Network, ns: NetNamespace, options: { device?: string } = {}): ShowResult {
  // The kernel keeps per-device parms newest first (neigh_parms_alloc() adds at the head; a device moved to another
  // namespace gets new parms there): the reverse of registration order.
  let devices = [...ns.devices].reverse();
  const blocks: string[][] = [];
  if (options.device !== undefined) {
    const device = ns.device(options.device);
    if (!device) return failed(`Cannot find device "${options.device}"`, 1);
    devices = [device];
  } else {
    blocks.push([
      'inet arp_cache ',
      `    thresh1 ${ns.arp.gcThresh1} thresh2 ${ns.arp.gcThresh2} thresh3 ${ns.arp.gcThresh3} gc_int 30000 `,
      ...parmsLines(ns.neighDefault, 1),
    ]);
  }
  for (const device of devices) {
    const refcnt = 1 + [...ns.arp.entries()].filter((e) => e.device === device).length;
    blocks.push(['inet arp_cache ', `    dev ${device.name} `, ...parmsLines(ns.neighParmsOf(device), refcnt)]);
  }
  return printed(blocks.map((b) => `${b.join('\n')}\n\n`).join(''));
}
