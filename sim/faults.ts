/**
 * TEST ONLY: planted faults (issue 6). The differential campaign must find a simulator that is wrong in a known
 * way and shrink the scenario that shows it; these switches make it wrong without editing code. They are off
 * unless a `Network` is built with `faults`, and nothing but tests and `twinnet fuzz --fault` builds one so.
 */
import type { NetNamespace } from '../l3/namespace.ts';

/** The planted faults a `Network` can be built with (default: none). */
export interface Faults {
  /** Route lookup takes the last of equally good aliases instead of the first (fib_table_lookup()'s order flipped). */
  readonly routeTieOrder?: 'first' | 'last';
  /** A neighbour entry in PROBE sends no re-probe (neigh_timer_handler()'s unicast probes dropped). */
  readonly dropArpReprobe?: boolean;
}

/** The fault names `twinnet fuzz --fault NAME` takes. */
export const FAULT_NAMES = { 'route-tie-last': { routeTieOrder: 'last' }, 'drop-arp-reprobe': { dropArpReprobe: true } } as const satisfies Record<string, Faults>;

/** Puts the faults into a namespace's routing tables and neighbour table. */
export function applyFaults(ns: NetNamespace, faults: Faults | undefined): void {
  if (!faults) return;
  if (faults.routeTieOrder) for (const table of ns.tables.values()) table.tieOrder = faults.routeTieOrder;
  if (faults.dropArpReprobe) ns.arp.dropReprobe = true;
}
