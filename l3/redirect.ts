/**
 * ICMP redirects received (net/ipv4/route.c: ip_rt_redirect() → __ip_do_redirect()): a host told by its gateway
 * that a destination is better reached through another gateway on the same link first makes sure it can reach
 * that one (its neighbour entry must be valid: if not, resolution starts and nothing else changes), then keeps a
 * route exception for the destination (fib_nh_exception, ip_rt_gc_timeout 300 s) that later lookups through the
 * old gateway's nexthop take (find_exception()). Simplification: the exception is matched by gateway and device,
 * so a route deleted and added again through the same gateway keeps it, where the kernel's goes with the old
 * nexthop. Measured (fixtures/regressions/redirect-accept): the first
 * redirect, naming a gateway the host has no entry for, only starts its resolution; the second is taken. A gateway
 * that NATs the flow sends none (netfilter.ts icmpReplyTranslation(); fixtures/regressions/redirect-nat).
 */
import { SECOND, type Instant } from '../core/clock.ts';
import { isMulticastIpv4, type Ipv4Address } from '../core/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';
import { nudValid } from '../l2/neighbour.ts';
import { TABLE_LOCAL, type Route } from './fib.ts';
import type { NetNamespace } from './namespace.ts';
import { fibLookup } from './route.ts';

/** ip_rt_gc_timeout: how long a redirect's exception lasts. */
const EXCEPTION_LIFETIME = 300 * SECOND;

interface Exception {
  readonly oldGateway: Ipv4Address;
  readonly device: NetDevice;
  readonly gateway: Ipv4Address;
  readonly expires: Instant;
}

const exceptions = new WeakMap<NetNamespace, Map<Ipv4Address, Exception>>();

/** find_exception(): the exception a redirect put in place for `destination` through `route`'s nexthop, if any. */
export function redirectException(ns: NetNamespace, destination: Ipv4Address, route: Route | undefined): { readonly gateway: Ipv4Address; readonly expires: Instant } | undefined {
  const e = exceptions.get(ns)?.get(destination);
  if (!e || !route || e.expires <= ns.now || route.gateway !== e.oldGateway || route.device !== e.device) return undefined;
  return e;
}

/** The gateway a redirect put in place for `destination` through `route`'s nexthop, if any. */
export function redirectedGateway(ns: NetNamespace, destination: Ipv4Address, route: Route): Ipv4Address | undefined {
  return redirectException(ns, destination, route)?.gateway;
}

/** IN_DEV_RX_REDIRECTS(): a forwarding device needs accept_redirects on both all and itself, another either. */
function acceptsRedirects(ns: NetNamespace, device: NetDevice): boolean {
  const all = ns.confAll.get('accept_redirects') !== 0;
  const own = ns.conf(device, 'accept_redirects') !== 0;
  return ns.conf(device, 'forwarding') !== 0 ? all && own : all || own;
}

/**
 * __ip_do_redirect(): a redirect (code 0–3) from `from` about `quotedDestination`, naming `newGateway`; taken when
 * the route to the destination goes through `from`, the device accepts redirects, and the new gateway is a unicast
 * address (shared_media, the default, asks no more).
 */
export function receiveRedirect(ns: NetNamespace, device: NetDevice, from: Ipv4Address, code: number, newGateway: Ipv4Address, quotedDestination: Ipv4Address): void {
  if (code > 3) return;
  const hit = fibLookup(ns, quotedDestination);
  const route = hit?.route;
  if (!route || route.type !== 'unicast' || route.gateway !== from || !route.device) return;
  // The receiving device's accept_redirects decides (in_dev of skb->dev); the neighbour is the route's device's.
  if (newGateway === from || !acceptsRedirects(ns, device)) return;
  if (isMulticastIpv4(newGateway) || newGateway === 0xffffffff || newGateway >>> 24 === 0) return;
  // inet_addr_type(): the local table's type for the address (a local or broadcast one), else unicast.
  const type = ns.tables.get(TABLE_LOCAL)?.lookup(newGateway)?.route.type ?? 'unicast';
  if (type !== 'unicast') return;
  const entry = ns.arp.lookup(route.device, newGateway) ?? ns.arp.create(route.device, newGateway);
  if (!nudValid(entry.state)) {
    ns.arp.startResolution(entry);
    return;
  }
  let table = exceptions.get(ns);
  if (!table) exceptions.set(ns, (table = new Map()));
  table.set(quotedDestination, { oldGateway: from, device: route.device, gateway: newGateway, expires: ns.now + EXCEPTION_LIFETIME });
}
