import { formatIpv4, prefixMask } from '../../core/ipv4.ts';
import { formatMac } from '../../core/mac.ts';
import { nudValid } from '../../l2/neighbour.ts';
import { TABLE_MAIN } from '../../l3/fib.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { listedNeighbours } from './ip-neigh.ts';
import { failed, printed, type ShowResult } from './result.ts';

/** The options of net-tools `arp`: `-a` (BSD style), `-n` (numeric), `-i IFACE`. */
export interface ArpOptions {
  /** `-a`: `? (A) at MAC [ether] on DEV` lines instead of the table. */
  readonly all?: boolean;
  readonly device?: string;
}

/**
 * net-tools 2.10 `arp` (arp.c arp_show() over /proc/net/arp): the table with `Address HWtype HWaddress Flags Mask
 * Iface`, or with -a the BSD style. Flags: C for a complete entry (NUD_VALID), M for PERMANENT; incomplete and
 * failed entries print `(incomplete)` / `<incomplete>`. Host names are never resolved: `-a` prints `?` as
 * `arp -an` does (a resolver query would itself be network traffic).
 */
export function showArp(_net: Network, ns: NetNamespace, options: ArpOptions = {}): ShowResult {
  let entries = listedNeighbours(ns);
  if (options.device !== undefined) {
    const device = ns.device(options.device);
    if (!device) return failed(`SIOCGIFINDEX: No such device`, 255);
    entries = entries.filter((e) => e.device === device);
  }
  let out = '';
  let title = false;
  for (const e of entries) {
    const complete = nudValid(e.state) && e.lladdr !== undefined;
    const permanent = e.state === 'PERMANENT';
    const ip = formatIpv4(e.address);
    if (options.all) {
      out += complete
        ? `? (${ip}) at ${formatMac(e.lladdr!)} [ether] ${permanent ? 'PERM ' : ''}on ${e.device.name}\n`
        : `? (${ip}) at <incomplete> on ${e.device.name}\n`;
      continue;
    }
    if (!title) {
      out += 'Address                  HWtype  HWaddress           Flags Mask            Iface\n';
      title = true;
    }
    const flags = `${complete ? 'C' : ''}${permanent ? 'M' : ''}`;
    const hw = complete ? `${'ether'.padEnd(8)}${formatMac(e.lladdr!).padEnd(20)}` : `${''.padEnd(8)}${'(incomplete)'.padEnd(20)}`;
    out += `${ip.padEnd(23)}  ${hw}${flags.padEnd(6)}${''.padEnd(15)} ${e.device.name}\n`;
  }
  return printed(out);
}

/**
 * net-tools `route -n` (lib/inet_gr.c rprint_fib() over /proc/net/route, which walks the main table only and skips
 * broadcast and multicast routes): U, G for a gateway, H for a host route; unreachable and prohibit routes show
 * `!` with `-` for gateway, Ref and Iface; a blackhole shows Iface `*`. Without -n, 0.0.0.0 shows as `default`.
 */
export function showRouteTable(_net: Network, ns: NetNamespace, options: { numeric?: boolean } = {}): ShowResult {
  let out = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  for (const r of ns.tables.get(TABLE_MAIN)?.routes() ?? []) {
    if (r.type === 'broadcast' || r.type === 'local' || r.type === 'throw') continue;
    const destination = r.prefixLength === 0 && !options.numeric ? 'default' : formatIpv4(r.destination);
    const mask = formatIpv4(prefixMask(r.prefixLength));
    const reject = r.type === 'unreachable' || r.type === 'prohibit';
    let flags = reject ? '!' : 'U';
    if (r.gateway !== undefined) flags += 'G';
    if (r.prefixLength === 32) flags += 'H';
    const gateway = reject ? '-' : formatIpv4(r.gateway ?? 0);
    const iface = reject ? '-' : (r.device?.name ?? '*');
    const ref = reject ? '-' : '0';
    out += `${destination.padEnd(15)} ${gateway.padEnd(15)} ${mask.padEnd(15)} ${flags.padEnd(5)} ${String(r.metric).padEnd(6)} ${ref.padEnd(2)} ${'0'.padStart(7)} ${iface}\n`;
  }
  return printed(out);
}
