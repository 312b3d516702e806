import type { Ipv4Address } from '../../core/ipv4.ts';
import type { Command, RouteChange } from '../../core/scenario/index.ts';
import type { NetDevice } from '../../l2/device.ts';
import { scopeValue, TABLE_MAIN, type Route, type RouteScope } from '../../l3/fib.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { fibLookup } from '../../l3/route.ts';
import { done, fail, noDevice, type ExecContext, type Outcome } from './context.ts';

/**
 * `ip route add|append|replace|del PREFIX [via GW] [dev DEV] [src A] [metric N] [table T]` (inet_rtm_newroute()
 * → fib_create_info() → fib_table_insert()). iproute2 gives a route without a gateway scope link and one with a
 * gateway scope universe, protocol boot.
 */
export function routeChange({ ns, io, command }: ExecContext<Command & RouteChange>): Outcome {
  let device: NetDevice | undefined;
  if (command.device !== undefined) {
    device = ns.device(command.device);
    if (!device) return noDevice(io, command.device);
  }
  const table = command.table ?? TABLE_MAIN;
  const destination = (command.destination.address & (command.destination.prefixLength === 0 ? 0 : (0xffffffff << (32 - command.destination.prefixLength)) >>> 0)) >>> 0;
  if (destination !== command.destination.address) return fail(io, 'Error: Invalid prefix for given prefix length.', 2);
  if (command.kind === 'route.del') {
    const removed = ns.table(table).delete(
      (r) =>
        (command.via === undefined || r.gateway === command.via) &&
        (device === undefined || r.device === device) &&
        (command.metric === undefined || r.metric === command.metric) &&
        (command.source === undefined || r.prefsrc === command.source) &&
        (command.protocol === undefined || r.protocol === command.protocol) &&
        (command.scope === undefined || r.scope === command.scope),
      destination,
      command.destination.prefixLength,
    );
    if (typeof removed === 'string') return fail(io, `RTNETLINK answers: ${removed}`, 2);
    return done();
  }
  const scope: RouteScope = command.scope ?? (command.via === undefined ? 'link' : 'global');
  const nexthop = resolveNexthop(ns, command.via, device, scope);
  if (typeof nexthop === 'string') return fail(io, nexthop, 2);
  if (command.source !== undefined && !ns.isLocalAddress(command.source)) return fail(io, 'Error: Invalid prefsrc address.', 2);
  const route: Route = {
    table,
    type: 'unicast',
    destination,
    prefixLength: command.destination.prefixLength,
    tos: 0,
    metric: command.metric ?? 0,
    protocol: command.protocol ?? 'boot',
    scope,
    gateway: command.via,
    device: nexthop.device,
    prefsrc: command.source,
    onlink: false,
    linkdown: !nexthop.device.carrier,
    dead: false,
    nexthopScope: nexthop.scope,
  };
  const mode = command.kind === 'route.add' ? 'add' : command.kind === 'route.append' ? 'append' : 'replace';
  const error = ns.table(table).insert(route, mode);
  if (error) return fail(io, `RTNETLINK answers: ${error}`, 2);
  return done();
}

/**
 * fib_check_nh(): a gateway must be reachable through a link- or host-scope route (a connected subnet), on the
 * given device when one is named; a device route needs its device up.
 */
function resolveNexthop(ns: NetNamespace, via: Ipv4Address | undefined, device: NetDevice | undefined, scope: RouteScope): { device: NetDevice; scope: RouteScope } | string {
  if (via === undefined) {
    if (!device) return 'Error: Device for nexthop is not up.';
    if (!device.adminUp) return 'Error: Device for nexthop is not up.';
    return { device, scope: 'host' };
  }
  const lookupScope: RouteScope = scopeValue(scope) + 1 < scopeValue('link') ? 'link' : 'host';
  const hit = fibLookup(ns, via, { scope: lookupScope, oif: device });
  if (!hit || (hit.route.type !== 'unicast' && hit.route.type !== 'local') || !hit.route.device) return 'Error: Nexthop has invalid gateway.';
  if (!hit.route.device.adminUp) return 'RTNETLINK answers: Network is down';
  return { device: hit.route.device, scope: hit.route.scope };
}
