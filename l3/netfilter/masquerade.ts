import type { Ipv4Address } from '../../core/ipv4.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { NetNamespace } from '../namespace.ts';
import { fibLookup, selectSourceAddress } from '../route.ts';
import type { NfConn } from './conntrack.ts';
import type { NatRangeSpec } from './nat.ts';

/**
 * The source MASQUERADE maps to (nf_nat_masquerade_ipv4()): inet_select_addr(out, nexthop, RT_SCOPE_UNIVERSE),
 * the out-interface's address best suited to the route's next hop; 0 when it has none ("ate my IP address").
 */
export function masqueradeSource(ns: NetNamespace, out: NetDevice, destination: Ipv4Address): Ipv4Address {
  const route = fibLookup(ns, destination)?.route;
  const nexthop = route?.gateway ?? destination;
  return selectSourceAddress(ns, out, nexthop, 'global');
}

/** The MASQUERADE range handed to nf_nat_setup_info(): that one address, the rule's ports and `--random`. */
export function masqueradeRange(source: Ipv4Address, toPorts: { first: number; last: number } | undefined, random: boolean): NatRangeSpec {
  return { minAddress: source, maxAddress: source, minPart: toPorts?.first, maxPart: toPorts?.last, random };
}

/**
 * masq_device_event() (NETDEV_DOWN, NETDEV_UNREGISTER): connections masqueraded out of the device are removed.
 */
export function masqueradeDeviceGone(conn: NfConn, device: NetDevice): boolean {
  return conn.masqIndex !== 0 && conn.masqIndex === device.ifindex;
}

/**
 * masq_inet_event() → inet_cmp(): when an address leaves a device, the connections masqueraded out of that
 * device to that address are removed.
 */
export function masqueradeAddressGone(conn: NfConn, device: NetDevice, address: Ipv4Address): boolean {
  return masqueradeDeviceGone(conn, device) && conn.tuples[1].destination === address;
}
