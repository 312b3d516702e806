import { isLoopbackIpv4, isMulticastIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { isGroupMember } from './igmp.ts';
import { redirectedGateway } from './redirect.ts';
import type { NetDevice } from '../l2/device.ts';
import { scopeValue, TABLE_LOCAL, TABLE_MAIN, type FibResult, type Route, type RouteScope } from './fib.ts';
import type { NetNamespace } from './namespace.ts';

/** The outcome of an output route lookup (a struct rtable for a locally sent packet). */
export interface OutputRoute {
  readonly device: NetDevice;
  /** The next hop: the gateway, or the destination itself when it is on-link. */
  readonly nexthop: Ipv4Address;
  readonly source: Ipv4Address;
  /** 'local' when the destination is one of ours (sent through lo), 'broadcast', 'multicast', else 'unicast'. */
  readonly kind: 'unicast' | 'local' | 'broadcast' | 'multicast';
  readonly route: Route | undefined;
}

/** Errors of an output lookup, as errno text (connect(2) and sendmsg(2) print these). */
export type RouteError = 'Network is unreachable' | 'No route to host' | 'Invalid argument' | 'Permission denied' | 'No such device';

/** fib_lookup() with the default rules: table local, then main (then default). */
export function fibLookup(ns: NetNamespace, destination: Ipv4Address, options: { scope?: RouteScope; oif?: NetDevice } = NO_OPTIONS): FibResult | undefined {
  for (let i = 0; i < RULE_TABLES.length; i++) {
    const table = ns.tables.get(RULE_TABLES[i]!);
    const hit = table?.lookup(destination, options);
    if (hit && hit.route.type !== 'throw') return hit;
  }
  return undefined;
}

/** The tables of the default rules, in rule order: local, main, default. */
const RULE_TABLES: readonly number[] = [TABLE_LOCAL, TABLE_MAIN, 253];
const NO_OPTIONS: { scope?: RouteScope; oif?: NetDevice } = {};

/**
 * inet_select_addr(): a primary address of `device` with scope at most `scope`, preferring one whose subnet holds
 * `destination`; else the first suitable address of any device, in device order (net/ipv4/devinet.c).
 */
export function selectSourceAddress(ns: NetNamespace, device: NetDevice, destination: Ipv4Address, scope: RouteScope): Ipv4Address {
  const limit = scopeValue(scope);
  const localnetScope = ns.conf(device, 'route_localnet') ? scopeValue('link') : scopeValue('host');
  let chosen = 0;
  for (const a of ns.addressesOf(device)) {
    if (a.secondary) continue;
    if (Math.min(scopeValue(a.scope), localnetScope) > limit) continue;
    const mask = a.prefixLength === 0 ? 0 : (0xffffffff << (32 - a.prefixLength)) >>> 0;
    if (destination === 0 || ((a.local ^ destination) & mask) >>> 0 === 0) return a.local;
    if (chosen === 0) chosen = a.local;
  }
  if (chosen !== 0) return chosen;
  for (const other of ns.devices) {
    for (const a of ns.addressesOf(other)) {
      if (a.secondary) continue;
      if (a.scope !== 'link' && scopeValue(a.scope) <= limit) return a.local;
    }
  }
  return 0;
}

/** fib_result_prefsrc(): the route's prefsrc, else an address of the nexthop device chosen for the gateway. */
export function routePrefsrc(ns: NetNamespace, route: Route): Ipv4Address {
  if (route.prefsrc !== undefined) return route.prefsrc;
  if (!route.device) return 0;
  return selectSourceAddress(ns, route.device, route.gateway ?? 0, route.scope);
}

/**
 * ip_route_output_key_hash_rcu(): the device, next hop and source for a locally sent packet to `destination`,
 * optionally bound to a device (SO_BINDTODEVICE, `ping -I DEV`) or a source address.
 */
export function routeOutput(
  ns: NetNamespace,
  destination: Ipv4Address,
  options: { source?: Ipv4Address; oif?: NetDevice } = {},
): OutputRoute | RouteError {
  const { oif } = options;
  let source = options.source ?? 0;
  // __ip_dev_find() finds no device holding the source: ENETUNREACH (measured with `ip route get … from`).
  if (source !== 0 && !ns.isLocalAddress(source)) return 'Network is unreachable';
  if (oif && !oif.adminUp) return 'Network is unreachable';
  if (destination === 0xffffffff || isMulticastIpv4(destination)) {
    if (!oif) {
      if (destination === 0xffffffff) return 'Network is unreachable';
    } else {
      if (source === 0) source = selectSourceAddress(ns, oif, 0, 'link');
      return { device: oif, nexthop: destination, source, kind: destination === 0xffffffff ? 'broadcast' : 'multicast', route: undefined };
    }
  }
  const hit = fibLookup(ns, destination, { oif });
  if (!hit) {
    if (oif) {
      // "Apparently, routing tables are wrong. Assume, that the destination is on link."
      if (source === 0) source = selectSourceAddress(ns, oif, 0, 'link');
      return { device: oif, nexthop: destination, source, kind: 'unicast', route: undefined };
    }
    return 'Network is unreachable';
  }
  const route = hit.route;
  switch (route.type) {
    case 'unreachable':
      return 'No route to host';
    case 'blackhole':
      return 'Invalid argument';
    case 'prohibit':
      return 'Permission denied';
    case 'local': {
      if (source === 0) source = route.prefsrc ?? destination;
      return { device: ns.loopback, nexthop: destination, source, kind: 'local', route };
    }
    case 'broadcast': {
      const device = route.device!;
      if (source === 0) source = routePrefsrc(ns, route);
      return { device, nexthop: destination, source, kind: 'broadcast', route };
    }
    default: {
      const device = route.device!;
      if (source === 0) source = routePrefsrc(ns, route);
      return { device, nexthop: redirectedGateway(ns, destination, route) ?? route.gateway ?? destination, source, kind: 'unicast', route };
    }
  }
}

/** How a received packet is to be handled (ip_route_input_slow()). */
export type InputRoute =
  | { readonly kind: 'local' | 'broadcast'; readonly route: Route | undefined }
  | { readonly kind: 'forward'; readonly route: Route; readonly redirect: boolean }
  | { readonly kind: 'unreachable'; readonly error: 'net' | 'host' | 'prohibited'; readonly silent: boolean }
  | { readonly kind: 'martian' }
  | { readonly kind: 'drop'; readonly reason?: 'not for us' };

/** ip_route_input_slow(): classify a received packet by destination, with martian and reverse-path checks. */
export function routeInput(ns: NetNamespace, device: NetDevice, source: Ipv4Address, destination: Ipv4Address): InputRoute {
  if (isMulticastIpv4(source) || source === 0xffffffff) return { kind: 'martian' };
  if (destination === 0xffffffff || (source === 0 && destination === 0)) return { kind: 'broadcast', route: undefined };
  if (source === 0) return { kind: 'martian' };
  if (destination >>> 24 === 0) return { kind: 'martian' };
  const localnet = ns.conf(device, 'route_localnet') === 1;
  if (!localnet && device.kind !== 'loopback' && (isLoopbackIpv4(destination) || isLoopbackIpv4(source))) return { kind: 'martian' };
  // ip_route_input_rcu(): a multicast group the device has not joined is not ours (ip_check_mc_rcu()): dropped
  // before the INPUT hook (no multicast forwarding).
  if (isMulticastIpv4(destination)) return isGroupMember(device, destination) ? { kind: 'local', route: undefined } : { kind: 'drop', reason: 'not for us' };
  const hit = fibLookup(ns, destination);
  const forwarding = ns.conf(device, 'forwarding') === 1;
  if (!hit) return { kind: 'unreachable', error: 'net', silent: !forwarding };
  const route = hit.route;
  if (route.type === 'broadcast') return validSource(ns, device, source) ? { kind: 'broadcast', route } : { kind: 'martian' };
  if (route.type === 'local') return validSource(ns, device, source) ? { kind: 'local', route } : { kind: 'martian' };
  if (!forwarding) return { kind: 'unreachable', error: 'host', silent: true };
  if (route.type === 'unreachable') return { kind: 'unreachable', error: 'host', silent: false };
  if (route.type === 'prohibit') return { kind: 'unreachable', error: 'prohibited', silent: false };
  if (route.type === 'blackhole') return { kind: 'drop' };
  if (!validSource(ns, device, source)) return { kind: 'martian' };
  const out = route.device!;
  const redirect =
    out === device &&
    ns.conf(device, 'send_redirects') === 1 &&
    ns.isOnLink(out, source, route.gateway);
  return { kind: 'forward', route, redirect };
}

/**
 * fib_validate_source(): with rp_filter off, only a source that is one of our own addresses is refused; with
 * rp_filter 1 the route back must leave by the arrival device, with 2 by any device.
 */
export function validSource(ns: NetNamespace, device: NetDevice, source: Ipv4Address): boolean {
  const rpFilter = ns.conf(device, 'rp_filter');
  if (rpFilter === 0) return ns.conf(device, 'accept_local') === 1 || !ns.findAddress(source);
  const back = fibLookup(ns, source);
  if (!back) return false;
  if (back.route.type === 'local') return ns.conf(device, 'accept_local') === 1;
  if (back.route.type !== 'unicast') return false;
  return rpFilter === 2 || back.route.device === device;
}
