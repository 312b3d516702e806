/**
 * The neighbour property (issue 6): at the end of a run, a device has a neighbour entry for an address if and
 * only if the run gave it a reason to: it sent an ARP request for that address (the kernel makes the entry, then
 * solicits: a packet was routed to that next hop), or it received an ARP request for one of its namespace's
 * addresses from that address (arp_process() → neigh_event_ns(): STALE). Unsolicited replies make none
 * (arp_accept 0). Entries stay in every state, FAILED included, while the table holds fewer than gc_thresh1 (128)
 * entries (neigh_periodic_work() does nothing below it). Both directions are judged from the captures and the
 * final `ip -j neigh`, so the property judges the kernel's runs as well as the simulator's:
 * - every entry has a reason (always);
 * - every reason has its entry, on devices the scenario never took down, nor their peers, nor (for a bridge) its
 *   ports: going down or losing carrier flushes a device's entries (neigh_ifdown(), neigh_carrier_down()).
 */
import { formatIpv4 } from '../ipv4.ts';
import type { Scenario } from '../scenario/index.ts';
import { finalModel, type DownEvent, type NetModel } from './config.ts';
import { capturesEveryDevice, l3DeviceFrames } from './frames.ts';
import { observedDevices, observedNeighbours, type Observation } from './observation.ts';
import type { PropertyResult } from './result.ts';

/** gc_thresh1: below it the periodic GC leaves every entry alone. */
const GC_THRESH1 = 128;

/** Whether a down event can have flushed a device's entries (see the file comment). */
function touched(model: NetModel, downs: readonly DownEvent[], ns: string, device: string): boolean {
  if (downs.some((d) => d.device === '*')) return true;
  const hit = (n: string, d: string): boolean => downs.some((e) => e.ns === n && e.device === d);
  if (hit(ns, device)) return true;
  const mns = model.ns(ns);
  const dev = mns ? model.device(mns, device) : undefined;
  if (!dev) return true;
  if (dev.peer && hit(dev.peer.ns, dev.peer.name)) return true;
  if (dev.kind === 'bridge') return dev.ports.some((p) => hit(p.ns, p.name) || (p.peer !== undefined && hit(p.peer.ns, p.peer.name)));
  return false;
}

/** Judges the neighbour tables at the end of a run against what the run's frames gave reason for. */
export function checkNeighbours(scenario: Scenario, obs: Observation): PropertyResult {
  const name = 'neighbours';
  if (scenario.form !== 'script') return { name, checked: 0, unjudged: 0, violations: [], notes: ['documents are not judged'] };
  if (!capturesEveryDevice(obs)) return { name, checked: 0, unjudged: 0, violations: [], notes: ['not every device was captured'] };
  const { model, downs, carrierless } = finalModel(scenario.statements);
  const until = obs.transcript.at(-1)?.endedAt ?? Number.POSITIVE_INFINITY;
  const devices = observedDevices(obs.state);
  const localIn = (ns: string): Set<number> => new Set(devices.filter((d) => d.namespace === ns).flatMap((d) => d.addresses.map((a) => a.address)));
  const neighbours = observedNeighbours(obs.state);
  const violations: string[] = [];
  const notes: string[] = [];
  let checked = 0;
  let unjudged = 0;
  for (const { device, frames } of l3DeviceFrames(obs, until)) {
    const where = `${device.namespace === '' ? '' : `${device.namespace}:`}${device.name}`;
    const local = localIn(device.namespace);
    const reasons = new Map<number, string>();
    for (const f of frames) {
      if (!f.arp || !f.arp.request) continue;
      if (f.direction === 'out') reasons.set(f.arp.targetIp, 'it asked for it');
      else if (f.arp.senderIp !== 0 && local.has(f.arp.targetIp) && !local.has(f.arp.senderIp)) reasons.set(f.arp.senderIp, `it asked for ${formatIpv4(f.arp.targetIp)}`);
    }
    const entries = neighbours.filter((n) => n.namespace === device.namespace && n.device === device.name);
    // Up without carrier, a device makes entries whose requests never reach the wire (the qdisc drops them).
    const silent = carrierless.has(`${device.namespace}:${device.name}`);
    for (const e of entries) {
      if (silent && !reasons.has(e.address)) {
        unjudged++;
        continue;
      }
      checked++;
      if (!reasons.has(e.address)) violations.push(`${where}: an entry for ${formatIpv4(e.address)} (${e.state}) that no ARP request on ${device.name} explains`);
    }
    const tableSize = neighbours.filter((n) => n.namespace === device.namespace).length;
    if (touched(model, downs, device.namespace, device.name) || tableSize >= GC_THRESH1) {
      unjudged += reasons.size;
      continue;
    }
    for (const [address, why] of reasons) {
      checked++;
      if (!entries.some((e) => e.address === address)) violations.push(`${where}: no entry for ${formatIpv4(address)}, though ${why} and ${device.name} was never taken down`);
    }
  }
  if (model.unmodelled) notes.push(`completeness judged on a partial model: ${model.unmodelled}`);
  return { name, checked, unjudged, violations, notes };
}
