/**
 * The TTL property (issue 6), from the frames on every device: a namespace that forwards a datagram sends it on
 * with its TTL one less (ip_forward(): ip_decrease_ttl()); one that arrives with TTL 1 or less is never forwarded,
 * and earns its sender an ICMP time exceeded (11/0) quoting it (ip_forward() → icmp_send()), where the namespace
 * forwards, has a route to the destination, reaches the sender directly on the link it came by, no OUTPUT rule or
 * SNAT may change the error, and the per-peer limit has tokens left (only the first errors to each sender).
 */
import { formatIpv4 } from '../ipv4.ts';
import type { Scenario } from '../scenario/index.ts';
import { finalModel } from './config.ts';
import { capturesEveryDevice } from './frames.ts';
import { forwardedDatagrams } from './forwarding.ts';
import type { Observation } from './observation.ts';
import type { PropertyResult } from './result.ts';

const ICMP = 1;
const ICMP_ERROR_TYPES = new Set([3, 4, 5, 11, 12]);
/** Errors to one sender the per-peer bucket always lets through (XRLIM_BURST_FACTOR 6, with room to spare). */
const SURE_ERRORS = 3;

/** Judges TTLs of forwarded datagrams and the time exceeded errors for those that ran out. */
export function checkTtl(scenario: Scenario, obs: Observation): PropertyResult {
  const name = 'TTL';
  if (scenario.form !== 'script') return { name, checked: 0, unjudged: 0, violations: [], notes: ['documents are not judged'] };
  if (!capturesEveryDevice(obs)) return { name, checked: 0, unjudged: 0, violations: [], notes: ['not every device was captured'] };
  const { model } = finalModel(scenario.statements);
  const until = obs.transcript.at(-1)?.endedAt ?? Number.POSITIVE_INFINITY;
  const { forwarded, sent } = forwardedDatagrams(obs, until);
  const violations: string[] = [];
  let checked = 0;
  let unjudged = 0;
  const errorsTo = new Map<string, number>();
  const what = (d: { source: number; destination: number; protocol: number; id: number }): string => `${formatIpv4(d.source)} > ${formatIpv4(d.destination)} proto ${d.protocol} id ${d.id}`;
  for (const f of forwarded) {
    const where = f.namespace === '' ? 'global' : f.namespace;
    const r = f.received;
    if (f.sent) {
      checked++;
      if (r.ttl <= 1) violations.push(`${where} forwarded ${what(r)} that came in with TTL ${r.ttl}`);
      else if (f.sent.ttl !== r.ttl - 1) violations.push(`${where} forwarded ${what(r)} with TTL ${f.sent.ttl}, not ${r.ttl} - 1`);
      continue;
    }
    if (r.ttl > 1) continue;
    const ns = model.ns(f.namespace);
    const fragment = ((r.bytes[6]! << 8) | r.bytes[7]!) & 0x1fff;
    const isError = r.protocol === ICMP && ICMP_ERROR_TYPES.has(r.bytes[r.headerLength] ?? 0);
    if (!ns || model.unmodelled || !ns.forwarding || !model.lookup(ns, r.destination) || fragment !== 0 || isError || r.source === 0 || r.source >>> 28 === 0xe) {
      unjudged++;
      continue;
    }
    const peer = `${f.namespace}|${r.source}`;
    const before = sent.filter((s) => s.namespace === f.namespace && s.at < f.at && s.datagram.protocol === ICMP && s.datagram.destination === r.source && ICMP_ERROR_TYPES.has(s.datagram.bytes[s.datagram.headerLength] ?? 0)).length;
    const count = (errorsTo.get(peer) ?? 0) + 1;
    errorsTo.set(peer, count);
    const filtered = ns.filter.OUTPUT.length > 0 || ns.policy.OUTPUT !== 'ACCEPT' || ns.nat.POSTROUTING.length > 0;
    // The error is sure to reach the wire when the sender is on the link the datagram came by: it resolved us, so
    // we hold its address (neigh_event_ns()); a way back through a gateway may not resolve.
    const back = model.lookup(ns, r.source);
    const direct = back !== undefined && back.gateway === undefined && back.device.name === f.inDevice.name;
    if (count > SURE_ERRORS || before >= SURE_ERRORS || filtered || model.isLocal(ns, r.source) || !direct) {
      unjudged++;
      continue;
    }
    checked++;
    const error = sent.find((s) => {
      const d = s.datagram;
      if (s.namespace !== f.namespace || d.protocol !== ICMP || d.bytes[d.headerLength] !== 11 || d.bytes[d.headerLength + 1] !== 0) return false;
      const q = d.headerLength + 8;
      const quotedId = (d.bytes[q + 4]! << 8) | d.bytes[q + 5]!;
      return quotedId === r.id && d.bytes[q + 9] === r.protocol;
    });
    if (!error) violations.push(`${where} dropped ${what(r)} (TTL ${r.ttl}) without sending a time exceeded to ${formatIpv4(r.source)}`);
  }
  return { name, checked, unjudged, violations, notes: [] };
}
