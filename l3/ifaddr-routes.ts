import type { NetDevice } from '../l2/device.ts';
import { addressPrefix, networkBroadcast, type InetAddress } from './address.ts';
import { TABLE_LOCAL, TABLE_MAIN, type Route, type RouteType } from './fib.ts';
import type { NetNamespace } from './namespace.ts';

/** A kernel route for an address (net/ipv4/fib_frontend.c: fib_magic()): local and broadcast in table local, the prefix in main. */
function kernelRoute(address: InetAddress, primary: InetAddress, type: RouteType, destination: number, prefixLength: number, metric: number): Route {
  const local = type === 'local';
  const device = address.device;
  return {
    table: type === 'unicast' ? TABLE_MAIN : TABLE_LOCAL,
    type,
    destination,
    prefixLength,
    tos: 0,
    metric,
    protocol: 'kernel',
    scope: local ? 'host' : 'link',
    gateway: undefined,
    device,
    prefsrc: primary.local,
    onlink: false,
    linkdown: !local && !device.carrier,
    dead: false,
    nexthopScope: local ? 'nowhere' : 'host',
  };
}

/**
 * fib_add_ifaddr(): the local route always; while the device is up, an explicit broadcast route, the prefix route
 * (unless noprefixroute or secondary) and the network broadcast route for prefixes shorter than /31.
 */
export function addIfaddrRoutes(ns: NetNamespace, address: InetAddress): void {
  const device = address.device;
  const prefix = addressPrefix(address);
  const primary = address.secondary ? (ns.addresses.get(device)?.primaryFor(prefix, address.prefixLength) ?? address) : address;
  const local = ns.table(TABLE_LOCAL);
  const main = ns.table(TABLE_MAIN);
  local.insert(kernelRoute(address, primary, 'local', address.local, 32, 0), 'append');
  if (!device.adminUp) return;
  if (address.broadcast !== undefined && address.broadcast !== 0 && address.broadcast !== 0xffffffff) {
    local.insert(kernelRoute(address, primary, 'broadcast', address.broadcast, 32, 0), 'append');
  }
  if (prefix !== 0 && !address.secondary && (prefix !== address.local || address.prefixLength < 32)) {
    if (!address.noPrefixRoute) {
      const type: RouteType = device.kind === 'loopback' ? 'local' : 'unicast';
      const route = kernelRoute(address, primary, type, prefix, address.prefixLength, address.metric);
      (type === 'local' ? local : main).insert(type === 'local' ? { ...route, table: TABLE_LOCAL } : route, 'append');
    }
    const broadcast = networkBroadcast(address);
    if (broadcast !== undefined) local.insert(kernelRoute(address, primary, 'broadcast', broadcast, 32, 0), 'append');
  }
}

/**
 * fib_del_ifaddr(): removes the routes an address brought, keeping a local or broadcast route that another
 * address still needs.
 */
export function removeIfaddrRoutes(ns: NetNamespace, address: InetAddress): void {
  const device = address.device;
  const prefix = addressPrefix(address);
  const others = ns.allAddresses().filter((a) => a !== address);
  const sameDevice = others.filter((a) => a.device === device);
  const isKernel = (r: Route): boolean => r.protocol === 'kernel' && r.device === device;
  if (!address.secondary && !address.noPrefixRoute) {
    ns.table(TABLE_MAIN).removeWhere((r) => isKernel(r) && r.type === 'unicast' && r.destination === prefix && r.prefixLength === address.prefixLength && r.prefsrc === address.local);
    ns.table(TABLE_LOCAL).removeWhere((r) => isKernel(r) && r.type === 'local' && r.destination === prefix && r.prefixLength === address.prefixLength && r.prefsrc === address.local);
  }
  const broadcasts = new Set<number>();
  if (address.broadcast !== undefined) broadcasts.add(address.broadcast);
  const network = networkBroadcast(address);
  if (network !== undefined) broadcasts.add(network);
  for (const b of broadcasts) {
    const stillNeeded = sameDevice.some((a) => a.broadcast === b || networkBroadcast(a) === b);
    if (!stillNeeded) ns.table(TABLE_LOCAL).removeWhere((r) => isKernel(r) && r.type === 'broadcast' && r.destination === b);
  }
  if (!others.some((a) => a.local === address.local)) {
    ns.table(TABLE_LOCAL).removeWhere((r) => r.type === 'local' && r.prefixLength === 32 && r.destination === address.local && r.device === device);
  }
}

/**
 * NETDEV_DOWN (fib_disable_ip() → fib_sync_down_dev()): every route whose nexthop leaves by the device dies,
 * except the host-scope local routes; the device's neighbours are flushed (arp_ifdown()).
 */
export function deviceDown(ns: NetNamespace, device: NetDevice): void {
  ns.flushRoutes((r) => r.device === device && r.nexthopScope !== 'nowhere');
  ns.arp.flushDevice(device);
}

/**
 * NETDEV_CHANGE: routes through a device without carrier get RTNH_F_LINKDOWN (fib_sync_down_dev()), and lose it
 * when carrier returns (fib_sync_up()); losing carrier flushes non-permanent neighbours (neigh_carrier_down()).
 */
export function deviceCarrierChanged(ns: NetNamespace, device: NetDevice): void {
  const linkdown = !device.carrier;
  for (const table of ns.tables.values()) {
    table.forEach((r) => {
      if (r.device === device && r.nexthopScope !== 'nowhere') r.linkdown = linkdown;
    });
  }
  if (linkdown) {
    for (const entry of [...ns.arp.entries()]) if (entry.device === device && entry.state !== 'PERMANENT') ns.arp.remove(entry);
  }
}
