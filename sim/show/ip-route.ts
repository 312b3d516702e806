import { SECOND } from '../../core/clock.ts';
import { formatIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import type { NetDevice } from '../../l2/device.ts';
import { TABLE_DEFAULT, TABLE_LOCAL, TABLE_MAIN, type Route } from '../../l3/fib.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { redirectException } from '../../l3/redirect.ts';
import { routeOutput } from '../../l3/route.ts';
import type { Network } from '../network.ts';
import { formatJson, type JsonObject, type JsonValue } from './json.ts';
import { failed, printed, type ShowResult } from './result.ts';

/** The options of `ip [-j [-p]] route [show|list] [table T] [dev D]`. */
export interface RouteShowOptions {
  /** A table name (`main`, `local`, `default`, `all`) or number, as typed. Default main. */
  readonly table?: string;
  readonly device?: string;
  readonly json?: boolean;
  readonly pretty?: boolean;
}

/** iproute2's table names (rt_tables). */
const TABLE_NAMES = new Map<number, string>([
  [TABLE_LOCAL, 'local'],
  [TABLE_MAIN, 'main'],
  [TABLE_DEFAULT, 'default'],
]);

/** rtnl_rttable_n2a(). */
export function tableName(id: number): string {
  return TABLE_NAMES.get(id) ?? String(id);
}

/** rtnl_rttable_a2n(): a name or a number; `all` and `0` mean every table (undefined). */
function parseTable(text: string): number | 'all' | undefined {
  if (text === 'all') return 'all';
  for (const [id, name] of TABLE_NAMES) if (name === text) return id;
  if (/^\d+$/.test(text) && Number(text) <= 0xffffffff) return Number(text) === 0 ? 'all' : Number(text);
  return undefined;
}

/** `default`, a bare address for /32, else A/LEN. */
function destinationText(route: Route): string {
  if (route.prefixLength === 0 && route.destination === 0) return 'default';
  return route.prefixLength === 32 ? formatIpv4(route.destination) : `${formatIpv4(route.destination)}/${route.prefixLength}`;
}

/** Route flags in print_rt_flags() order. */
function routeFlags(route: Route): string[] {
  const flags: string[] = [];
  if (route.dead) flags.push('dead');
  if (route.onlink) flags.push('onlink');
  if (route.linkdown) flags.push('linkdown');
  return flags;
}

/**
 * ip/iproute.c print_route(): `[TYPE ]DST [via GW ][dev D ][table T ][proto P ][scope S ][src A ][metric N ]
 * [FLAGS ]` — every field followed by a space; `dev` is left out when filtering by device and `table` when one
 * table was asked for. JSON has the same fields, with "flags" always present.
 */
function routeRecord(route: Route, showTable: boolean, showDevice: boolean): { text: string; json: JsonObject } {
  const json: JsonObject = {};
  let text = '';
  if (route.type !== 'unicast') {
    json['type'] = route.type;
    text += `${route.type} `;
  }
  json['dst'] = destinationText(route);
  text += `${destinationText(route)} `;
  if (route.gateway !== undefined) {
    json['gateway'] = formatIpv4(route.gateway);
    text += `via ${formatIpv4(route.gateway)} `;
  }
  if (route.device && showDevice) {
    json['dev'] = route.device.name;
    text += `dev ${route.device.name} `;
  }
  if (showTable && route.table !== TABLE_MAIN) {
    json['table'] = tableName(route.table);
    text += `table ${tableName(route.table)} `;
  }
  if (route.protocol !== 'boot') {
    json['protocol'] = route.protocol;
    text += `proto ${route.protocol} `;
  }
  if (route.scope !== 'global') {
    json['scope'] = route.scope;
    text += `scope ${route.scope} `;
  }
  if (route.prefsrc !== undefined) {
    json['prefsrc'] = formatIpv4(route.prefsrc);
    text += `src ${formatIpv4(route.prefsrc)} `;
  }
  if (route.metric !== 0) {
    json['metric'] = route.metric;
    text += `metric ${route.metric} `;
  }
  const flags = routeFlags(route);
  json['flags'] = flags;
  for (const f of flags) text += `${f} `;
  return { text, json };
}

/** The routes of one table in `ip route` order (the trie walk: address ascending, longer prefixes first). */
export function tableRoutes(ns: NetNamespace, id: number): Route[] {
  return ns.tables.get(id)?.routes() ?? [];
}

/** `ip route show [table T] [dev D]`: the main table by default; `table all` walks tables by id modulo 256. */
export function showRoutes(_net: Network, ns: NetNamespace, options: RouteShowOptions = {}): ShowResult {
  const wanted = parseTable(options.table ?? 'main');
  if (wanted === undefined) return failed(`Error: argument "${options.table}" is wrong: table id value is invalid\n\n`, 255);
  let device: NetDevice | undefined;
  if (options.device !== undefined) {
    device = ns.device(options.device);
    if (!device) return failed(`Cannot find device "${options.device}"`, 1);
  }
  let ids: number[];
  if (wanted === 'all') {
    ids = [...ns.tables.keys()].sort((a, b) => (a & 0xff) - (b & 0xff) || a - b);
  } else {
    if (!ns.tables.has(wanted)) return failed('Error: ipv4: FIB table does not exist.\nDump terminated', 2);
    ids = [wanted];
  }
  const routes = ids.flatMap((id) => tableRoutes(ns, id)).filter((r) => !device || r.device === device);
  const records = routes.map((r) => routeRecord(r, wanted === 'all', !device));
  if (options.json) return printed(formatJson(records.map((r) => r.json), options.pretty ?? false));
  return printed(records.map((r) => `${r.text}\n`).join(''));
}

/** The options of `ip route get ADDR [from A] [oif DEV]`. */
export interface RouteGetOptions {
  readonly from?: Ipv4Address;
  readonly oif?: string;
  readonly json?: boolean;
  readonly pretty?: boolean;
}

/**
 * `ip route get`: the output route for a locally sent packet (inet_rtm_getroute() → ip_route_output_key(), then
 * rt_fill_info()): `[TYPE ]DST [from A ][via GW ]dev D [src S ]uid 0 ` and `    cache [<local>] `. The source is
 * printed only when it differs from the one asked for. Errors read `RTNETLINK answers: …` (exit 2).
 */
export function getRoute(_net: Network, ns: NetNamespace, destination: Ipv4Address, options: RouteGetOptions = {}): ShowResult {
  let oif: NetDevice | undefined;
  if (options.oif !== undefined) {
    oif = ns.device(options.oif);
    if (!oif) return failed(`Cannot find device "${options.oif}"`, 1);
  }
  const out = routeOutput(ns, destination, { source: options.from, oif });
  if (typeof out === 'string') return failed(`RTNETLINK answers: ${out}`, 2);
  const json: JsonObject = {};
  let text = '';
  const type = out.kind === 'unicast' ? undefined : out.kind;
  if (type) {
    json['type'] = type;
    text += `${type} `;
  }
  json['dst'] = formatIpv4(destination);
  text += `${formatIpv4(destination)} `;
  if (options.from !== undefined) {
    json['from'] = formatIpv4(options.from);
    text += `from ${formatIpv4(options.from)} `;
  }
  if (out.nexthop !== destination) {
    json['gateway'] = formatIpv4(out.nexthop);
    text += `via ${formatIpv4(out.nexthop)} `;
  }
  json['dev'] = out.device.name;
  text += `dev ${out.device.name} `;
  if (out.source !== options.from) {
    json['prefsrc'] = formatIpv4(out.source);
    text += `src ${formatIpv4(out.source)} `;
  }
  json['flags'] = [];
  json['uid'] = 0;
  text += 'uid 0 ';
  // rt_fill_info(): RTCF_LOCAL and RTCF_BROADCAST show as <local> and <local,brd>; a redirect's exception as
  // <redirected>, with the seconds it has left (rta_expires; iproute2 print_cache_flags(), print_rta_cacheinfo()).
  const exception = out.kind === 'unicast' ? redirectException(ns, destination, out.route) : undefined;
  const cache = out.kind === 'local' ? ['local'] : out.kind === 'broadcast' ? ['local', 'brd'] : exception ? ['redirected'] : [];
  json['cache'] = cache;
  text += `\n    cache ${cache.length ? `<${cache.join(',')}> ` : ''}`;
  if (exception) {
    const left = Math.floor((exception.expires - ns.now) / SECOND);
    json['expires'] = left;
    text += `expires ${left}sec `;
  }
  if (options.json) return printed(formatJson([json] as JsonValue, options.pretty ?? false));
  return printed(`${text}\n`);
}
