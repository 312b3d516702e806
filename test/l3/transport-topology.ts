import { parseCidr } from '../../core/ipv4.ts';
import { parseMac } from '../../core/mac.ts';
import type { NetDevice } from '../../l2/device.ts';
import { defaultAddressScope } from '../../l3/address.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { Network } from '../../sim/network.ts';

/** A frame seen on a device, as a capture on it records it. */
export interface Captured {
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly data: Uint8Array;
}

/** Adds `cidr` to a device (`ip addr add CIDR dev DEV`). */
export function addAddress(ns: NetNamespace, device: NetDevice, cidr: string): void {
  const c = parseCidr(cidr);
  if (!c.ok) throw new Error(cidr);
  const added = ns.addAddress({ device, local: c.value.address, prefixLength: c.value.prefixLength, broadcast: undefined, scope: defaultAddressScope(c.value.address), label: device.name, noPrefixRoute: false, metric: 0 });
  if (typeof added === 'string') throw new Error(added);
}

/** Records every frame crossing `device`. */
export function capture(device: NetDevice): Captured[] {
  const frames: Captured[] = [];
  device.taps.add({ frame: (_d, data, direction, at) => frames.push({ at, direction, data: data.slice() }) });
  return frames;
}

/**
 * fixtures/pcap's topology "two": namespaces a (10.0.0.1/24, eth0 02:00:00:00:00:01) and b (10.0.0.2/24, eth0
 * 02:00:00:00:00:02) on one veth pair, lo up in both.
 */
export function twoHosts(seed = 1): { net: Network; a: NetNamespace; b: NetNamespace; aEth: NetDevice; bEth: NetDevice } {
  const net = new Network({ seed });
  const a = net.addNamespace('a');
  const b = net.addNamespace('b');
  if (typeof a === 'string' || typeof b === 'string') throw new Error('namespace');
  const pair = net.addVeth(a, 'eth0', 'eth0', b, { mac: mac('02:00:00:00:00:01'), peerMac: mac('02:00:00:00:00:02') });
  if (typeof pair === 'string') throw new Error(pair);
  const [aEth, bEth] = pair;
  a.loopback.open();
  b.loopback.open();
  aEth.open();
  bEth.open();
  addAddress(a, aEth, '10.0.0.1/24');
  addAddress(b, bEth, '10.0.0.2/24');
  return { net, a, b, aEth, bEth };
}

function mac(text: string): number {
  const m = parseMac(text);
  if (!m.ok) throw new Error(text);
  return m.value;
}
