/**
 * What the properties read of a run (issue 6), from either engine: the transcript, the frames seen on every
 * device, and each namespace's state at the end in iproute2's JSON shapes. `simulate()` with every device
 * captured (sim/properties/observe.ts) and `replay(…, { captureAll: true })` both give it, so every property can
 * judge the kernel as well as the simulator.
 */
import type { DiffFrame } from '../diff/frame.ts';
import type { StateDump } from '../diff/state-diff.ts';
import { parseIpv4, type Ipv4Address } from '../ipv4.ts';
import { parseMac, type MacAddress } from '../mac.ts';
import type { OutputChunk, TranscriptEntry } from '../transcript.ts';

/** A run as the properties read it. */
export interface Observation {
  readonly transcript: readonly TranscriptEntry[];
  /** What background programs printed when they were stopped at the end. */
  readonly epilogue: readonly OutputChunk[];
  /** Frames per device (`NS:DEV`, `DEV` in the global namespace), in capture order. */
  readonly captures: ReadonlyMap<string, readonly DiffFrame[]>;
  /** Each namespace's state at the end. */
  readonly state: readonly StateDump[];
}

/** One device of the final state, as `ip -j addr` shows it. */
export interface ObservedDevice {
  /** '' for the global namespace. */
  readonly namespace: string;
  readonly name: string;
  readonly mac: MacAddress | undefined;
  /** The bridge it is a port of. */
  readonly master: string | undefined;
  readonly up: boolean;
  readonly addresses: readonly { readonly address: Ipv4Address; readonly prefixLength: number }[];
}

/** One neighbour entry of the final state, as `ip -j neigh` shows it. */
export interface ObservedNeighbour {
  readonly namespace: string;
  readonly device: string;
  readonly address: Ipv4Address;
  readonly state: string;
}

type Json = unknown;
const asArray = (v: Json): Record<string, Json>[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Record<string, Json>[]) : []);

/** The capture point of a device: `NS:DEV`, or `DEV` in the global namespace. */
export function capturePoint(namespace: string, device: string): string {
  return namespace === '' ? device : `${namespace}:${device}`;
}

/** Every device of the final state, from the `ip -j addr` (or `ip -j link`) dumps. */
export function observedDevices(state: readonly StateDump[]): ObservedDevice[] {
  const out: ObservedDevice[] = [];
  for (const dump of state) {
    const namespace = dump.namespace ?? '';
    const source = asArray(dump.addresses).length > 0 ? dump.addresses : dump.links;
    for (const link of asArray(source)) {
      const mac = typeof link.address === 'string' ? parseMac(link.address) : undefined;
      const flags = Array.isArray(link.flags) ? (link.flags as string[]) : [];
      const addresses = asArray(link.addr_info).flatMap((a) => {
        if (a.family !== 'inet' || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') return [];
        const address = parseIpv4(a.local);
        return address.ok ? [{ address: address.value, prefixLength: a.prefixlen }] : [];
      });
      out.push({
        namespace,
        name: String(link.ifname),
        mac: mac?.ok ? mac.value : undefined,
        master: typeof link.master === 'string' ? link.master : undefined,
        up: flags.includes('UP'),
        addresses,
      });
    }
  }
  return out;
}

/** Every neighbour entry of the final state (`ip -j neigh`). */
export function observedNeighbours(state: readonly StateDump[]): ObservedNeighbour[] {
  const out: ObservedNeighbour[] = [];
  for (const dump of state) {
    for (const n of asArray(dump.neighbours)) {
      const address = typeof n.dst === 'string' ? parseIpv4(n.dst) : undefined;
      if (!address?.ok) continue;
      const state = Array.isArray(n.state) ? String(n.state[0]) : '';
      out.push({ namespace: dump.namespace ?? '', device: String(n.dev), address: address.value, state });
    }
  }
  return out;
}

/** Everything a run printed, in one string: entries' output, then the epilogue. */
export function allOutput(o: Observation): string {
  return [...o.transcript.flatMap((e) => e.output.map((c) => c.text)), ...o.epilogue.map((c) => c.text)].join('');
}
