/**
 * The frames of a run, per L3 device, as the frame-level properties read them (issue 6): each parsed once
 * (Ethernet, ARP, IPv4) and given a direction. A kernel capture has no direction, so it is taken from the
 * addresses, for either engine alike: a frame whose source MAC is the device's own left through it, any other
 * came in. Loopback and bridge ports are left out (their frames are not a namespace's own traffic).
 */
import type { DiffFrame } from '../diff/frame.ts';
import type { Ipv4Address } from '../ipv4.ts';
import type { MacAddress } from '../mac.ts';
import { parseArp } from '../wire/arp.ts';
import { parseEthernet } from '../wire/ethernet.ts';
import { ipv4HeaderLen, parseIpv4Header } from '../wire/ipv4.ts';
import { capturePoint, observedDevices, type Observation, type ObservedDevice } from './observation.ts';

/** An ARP packet as the properties read it. */
export interface ArpSeen {
  readonly request: boolean;
  readonly senderMac: MacAddress;
  readonly senderIp: Ipv4Address;
  readonly targetIp: Ipv4Address;
}

/** An IPv4 datagram as the properties read it. */
export interface Ipv4Seen {
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly protocol: number;
  readonly ttl: number;
  readonly id: number;
  readonly totalLength: number;
  /** The datagram's bytes (header on), as captured. */
  readonly bytes: Uint8Array;
  readonly headerLength: number;
}

/** One frame seen on a device. */
export interface SeenFrame {
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly destinationMac: MacAddress;
  readonly arp?: ArpSeen;
  readonly ipv4?: Ipv4Seen;
}

/** A device and its frames. */
export interface DeviceFrames {
  readonly device: ObservedDevice;
  readonly frames: readonly SeenFrame[];
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;

/** Parses one captured frame on a device whose MAC is `own`. */
export function seeFrame(f: DiffFrame, own: MacAddress | undefined): SeenFrame | undefined {
  if ((f.linkType ?? 1) !== 1) return undefined;
  const eth = parseEthernet(f.data);
  if (!eth.ok || eth.value.vlan) return undefined;
  const direction = own !== undefined && eth.value.source === own ? 'out' : 'in';
  const payload = f.data.subarray(14);
  if (eth.value.etherType === ETHERTYPE_ARP) {
    const arp = parseArp(payload);
    if (!arp.ok || arp.value.kind !== 'ethernetIpv4' || (arp.value.operation !== 1 && arp.value.operation !== 2)) return undefined;
    const a = arp.value;
    return { at: f.at, direction, destinationMac: eth.value.destination, arp: { request: a.operation === 1, senderMac: a.senderHardwareAddress, senderIp: a.senderProtocolAddress, targetIp: a.targetProtocolAddress } };
  }
  if (eth.value.etherType === ETHERTYPE_IPV4) {
    const ip = parseIpv4Header(payload);
    if (!ip.ok) return undefined;
    const r = ip.value;
    return {
      at: f.at,
      direction,
      destinationMac: eth.value.destination,
      ipv4: { source: r.source, destination: r.destination, protocol: r.protocol, ttl: r.ttl, id: r.identification, totalLength: r.totalLength, bytes: payload, headerLength: ipv4HeaderLen(r) },
    };
  }
  return { at: f.at, direction, destinationMac: eth.value.destination };
}

/**
 * The frames of every L3 device of the final state (not lo, not a bridge port), up to `until` (ns; the end of the
 * run's last command, so that frames the kernel captured after its state dump are left out).
 */
export function l3DeviceFrames(obs: Observation, until = Number.POSITIVE_INFINITY): DeviceFrames[] {
  const out: DeviceFrames[] = [];
  for (const device of observedDevices(obs.state)) {
    if (device.name === 'lo' || device.master !== undefined) continue;
    const captured = obs.captures.get(capturePoint(device.namespace, device.name)) ?? [];
    const frames: SeenFrame[] = [];
    for (const f of captured) {
      if (f.at > until) continue;
      const seen = seeFrame(f, device.mac);
      if (seen) frames.push(seen);
    }
    out.push({ device, frames });
  }
  return out;
}

/** Whether a run captured every device (a property that needs every frame cannot judge other runs). */
export function capturesEveryDevice(obs: Observation): boolean {
  return observedDevices(obs.state).every((d) => d.name === 'lo' || !d.up || obs.captures.has(capturePoint(d.namespace, d.name)));
}
