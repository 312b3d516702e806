import { broadcastOf, cidrContains, isLoopbackIpv4, prefixMask, type Ipv4Address } from '../core/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';
import type { RouteScope } from './fib.ts';

/** One IPv4 address on a device (struct in_ifaddr), as `ip addr` shows it. */
export interface InetAddress {
  readonly device: NetDevice;
  readonly local: Ipv4Address;
  readonly prefixLength: number;
  /** The explicit broadcast address (`brd`), or undefined when none was given. */
  readonly broadcast: Ipv4Address | undefined;
  readonly scope: RouteScope;
  readonly label: string;
  /** IFA_F_SECONDARY: another address on the device already covers this subnet. */
  secondary: boolean;
  readonly noPrefixRoute: boolean;
  /** ifa_rt_priority: the metric of the prefix route (`ip addr add … metric N`). */
  readonly metric: number;
}

/** Why an address could not be added or removed, in RTNETLINK's words. */
export type AddressError = 'File exists' | 'Invalid argument' | 'Cannot assign requested address';

/** The mask of an address. */
export function addressMask(a: InetAddress): number {
  return prefixMask(a.prefixLength);
}

/** The subnet of an address (ifa_address & mask). */
export function addressPrefix(a: InetAddress): Ipv4Address {
  return (a.local & addressMask(a)) >>> 0;
}

/** iproute2's default scope: host for 127.0.0.0/8, else global (ip/ipaddress.c: default_scope()). */
export function defaultAddressScope(local: Ipv4Address): RouteScope {
  return isLoopbackIpv4(local) ? 'host' : 'global';
}

/** The network broadcast address that gets a route when the prefix is shorter than /31. */
export function networkBroadcast(a: InetAddress): Ipv4Address | undefined {
  return a.prefixLength < 31 ? broadcastOf({ address: a.local, prefixLength: a.prefixLength }) : undefined;
}

/**
 * A device's address list (in_device->ifa_list): primaries first in scope order, secondaries after
 * (net/ipv4/devinet.c: __inet_insert_ifa()).
 */
export class AddressList {
  readonly list: InetAddress[] = [];

  /** __inet_insert_ifa(): the same local address and mask is EEXIST; another in the same subnet becomes secondary. */
  insert(candidate: Omit<InetAddress, 'secondary'>): InetAddress | AddressError {
    let secondary = false;
    let lastPrimary = 0;
    for (let i = 0; i < this.list.length; i++) {
      const existing = this.list[i]!;
      if (!existing.secondary && scopeRank(candidate.scope) <= scopeRank(existing.scope)) lastPrimary = i + 1;
      if (
        existing.prefixLength === candidate.prefixLength &&
        cidrContains({ address: existing.local, prefixLength: existing.prefixLength }, candidate.local)
      ) {
        if (existing.local === candidate.local) return 'File exists';
        if (existing.scope !== candidate.scope) return 'Invalid argument';
        secondary = true;
      }
    }
    const address: InetAddress = { ...candidate, secondary };
    if (secondary) this.list.push(address);
    else this.list.splice(lastPrimary, 0, address);
    return address;
  }

  /** inet_ifa_byprefix(): the primary address of a subnet. */
  primaryFor(prefix: Ipv4Address, prefixLength: number): InetAddress | undefined {
    return this.list.find((a) => !a.secondary && a.prefixLength === prefixLength && addressPrefix(a) === prefix);
  }

  /**
   * __inet_del_ifa(): removes one address; removing a primary removes its secondaries too (promote_secondaries
   * off) unless `promote`, which makes the first secondary primary. Returns every address removed.
   */
  remove(address: InetAddress, promote: boolean): InetAddress[] {
    const index = this.list.indexOf(address);
    if (index < 0) return [];
    this.list.splice(index, 1);
    const removed = [address];
    if (address.secondary) return removed;
    const sameSubnet = (a: InetAddress): boolean =>
      a.secondary && a.prefixLength === address.prefixLength && cidrContains({ address: address.local, prefixLength: address.prefixLength }, a.local);
    if (promote) {
      const next = this.list.find(sameSubnet);
      if (next) next.secondary = false;
      return removed;
    }
    for (let i = this.list.length - 1; i >= 0; i--) if (sameSubnet(this.list[i]!)) removed.push(...this.list.splice(i, 1));
    return removed;
  }
}

/** Scope as a number, so lower is wider: global 0 … host 254 (RT_SCOPE_*). */
function scopeRank(scope: RouteScope): number {
  return { global: 0, site: 200, link: 253, host: 254, nowhere: 255 }[scope];
}
