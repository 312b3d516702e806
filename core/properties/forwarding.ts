/**
 * What a namespace did with the datagrams it forwarded, read from the frames on its devices (issue 6): each
 * unicast IPv4 frame that came in for another address, paired with the copy that left (matched by IP ID,
 * protocol, length and the bytes past the transport header's first eight, which neither forwarding nor NAT
 * touches), for the TTL and NAT properties.
 */
import type { Ipv4Address } from '../ipv4.ts';
import { l3DeviceFrames, type Ipv4Seen } from './frames.ts';
import type { Observation, ObservedDevice } from './observation.ts';

/** A datagram a namespace received for another address, and the copy it sent on (if any). */
export interface Forwarded {
  readonly namespace: string;
  readonly inDevice: ObservedDevice;
  readonly received: Ipv4Seen;
  readonly at: number;
  readonly outDevice: ObservedDevice | undefined;
  readonly sent: Ipv4Seen | undefined;
}

/** A datagram sent by a namespace, with the device it left by. */
export interface Sent {
  readonly namespace: string;
  readonly device: ObservedDevice;
  readonly datagram: Ipv4Seen;
  readonly at: number;
}

/** The key that identifies a datagram on both sides of a router: ID, protocol, length, the bytes past the ports. */
export function datagramKey(d: Ipv4Seen): string {
  const tail = d.bytes.subarray(Math.min(d.bytes.length, d.headerLength + 8), Math.min(d.bytes.length, d.totalLength));
  let h = 0x811c9dc5;
  for (let i = 0; i < tail.length; i++) h = Math.imul(h ^ tail[i]!, 0x01000193);
  return `${d.id}/${d.protocol}/${d.totalLength - d.headerLength}/${tail.length}/${h >>> 0}`;
}

/** Every datagram each namespace received for an address not its own, paired with the copy it sent; and all it sent. */
export function forwardedDatagrams(obs: Observation, until = Number.POSITIVE_INFINITY): { forwarded: Forwarded[]; sent: Sent[] } {
  const perDevice = l3DeviceFrames(obs, until);
  const locals = new Map<string, Set<Ipv4Address>>();
  for (const { device } of perDevice) {
    const set = locals.get(device.namespace) ?? new Set<Ipv4Address>();
    for (const a of device.addresses) set.add(a.address);
    locals.set(device.namespace, set);
  }
  const sent: Sent[] = [];
  const received: { namespace: string; device: ObservedDevice; datagram: Ipv4Seen; at: number }[] = [];
  for (const { device, frames } of perDevice) {
    for (const f of frames) {
      if (!f.ipv4) continue;
      if (f.direction === 'out') {
        sent.push({ namespace: device.namespace, device, datagram: f.ipv4, at: f.at });
        continue;
      }
      // Unicast to this device, for an address that is not the namespace's own: a datagram to forward.
      if (f.destinationMac !== device.mac) continue;
      if (locals.get(device.namespace)?.has(f.ipv4.destination)) continue;
      if (f.ipv4.destination >>> 28 === 0xe || f.ipv4.destination === 0xffffffff) continue;
      received.push({ namespace: device.namespace, device, datagram: f.ipv4, at: f.at });
    }
  }
  const byKey = new Map<string, Sent[]>();
  for (const s of sent) {
    const k = `${s.namespace}|${datagramKey(s.datagram)}`;
    const list = byKey.get(k) ?? [];
    list.push(s);
    byKey.set(k, list);
  }
  const forwarded: Forwarded[] = received.map((r) => {
    // The copy sent nearest in time (a kernel's captures are stamped by one helper per device: not in order), and
    // never one with a higher TTL: that is the datagram as its sender first sent it, come back (a hairpin, DNAT).
    const list = byKey.get(`${r.namespace}|${datagramKey(r.datagram)}`) ?? [];
    let best = -1;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.datagram.ttl > r.datagram.ttl) continue;
      if (best < 0 || Math.abs(list[i]!.at - r.at) < Math.abs(list[best]!.at - r.at)) best = i;
    }
    const out = best >= 0 && Math.abs(list[best]!.at - r.at) < 1e9 ? list.splice(best, 1)[0] : undefined;
    return { namespace: r.namespace, inDevice: r.device, received: r.datagram, at: r.at, outDevice: out?.device, sent: out?.datagram };
  });
  return { forwarded, sent };
}
