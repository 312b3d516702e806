import type { NetDevice } from '../../l2/device.ts';
import type { JsonObject } from './json.ts';

/**
 * `ip -s`: the rtnl_link_stats64 block (ip/ipaddress.c print_stats64() in iproute2 6.1): columns sized to the
 * header words or the widest value, numbers right-aligned, each followed by a space. twinnet counts packets,
 * bytes, drops and received multicast; errors, overruns, carrier errors and collisions are always 0.
 */
export function statsLines(device: NetDevice): string[] {
  const s = device.stats;
  const rx = [s.rxBytes, s.rxPackets, 0, s.rxDropped, 0, s.multicast];
  const tx = [s.txBytes, s.txPackets, 0, s.txDropped, 0, 0];
  // cols[] = strlen("*X errors:"), "packets", "errors", "dropped", "heartbt", "overrun", "compressed".
  const cols = [10, 7, 6, 7, 7, 7, 10];
  for (const values of [rx, tx]) values.forEach((v, i) => (cols[i] = Math.max(cols[i]!, String(v).length)));
  const header = (label: string, names: string[]): string =>
    `    ${label}: ${names.map((n, i) => n.padStart(i === 0 ? cols[0]! - 4 : cols[i]!)).join(' ')} ${''.padStart(cols[6]!)}`;
  const row = (values: number[]): string => `    ${values.map((v, i) => `${String(v).padStart(cols[i]!)} `).join('')}`;
  return [
    header('RX', ['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast']),
    row(rx),
    header('TX', ['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns']),
    row(tx),
  ];
}

/** `ip -j -s`: the "stats64" object. */
export function statsJson(device: NetDevice): JsonObject {
  const s = device.stats;
  return {
    rx: { bytes: s.rxBytes, packets: s.rxPackets, errors: 0, dropped: s.rxDropped, over_errors: 0, multicast: s.multicast },
    tx: { bytes: s.txBytes, packets: s.txPackets, errors: 0, dropped: s.txDropped, carrier_errors: 0, collisions: 0 },
  };
}
