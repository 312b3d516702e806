/**
 * The NAT property (issue 6), from the frames of the namespaces that have nat rules: what a namespace forwards
 * is translated as a function of the flow (a flow's datagrams all leave with one translated tuple), the
 * translation is one-to-one (no two flows share a translated tuple: get_unique_tuple()), and the answers coming
 * back to a translated tuple leave un-translated, to the flow's original tuple (nf_nat_packet() on the reply).
 */
import { formatIpv4 } from '../ipv4.ts';
import type { Scenario } from '../scenario/index.ts';
import { finalModel } from './config.ts';
import { capturesEveryDevice, type Ipv4Seen } from './frames.ts';
import { forwardedDatagrams } from './forwarding.ts';
import type { Observation } from './observation.ts';
import type { PropertyResult } from './result.ts';

/** A datagram's conntrack-style tuple (ICMP echo: the identifier on both sides), or undefined for other kinds. */
function tupleOf(d: Ipv4Seen): { text: string; reverse: string } | undefined {
  const at = d.headerLength;
  const b = d.bytes;
  const src = formatIpv4(d.source);
  const dst = formatIpv4(d.destination);
  if (d.protocol === 6 || d.protocol === 17) {
    if (b.length < at + 4) return undefined;
    const sport = (b[at]! << 8) | b[at + 1]!;
    const dport = (b[at + 2]! << 8) | b[at + 3]!;
    return { text: `${d.protocol} ${src}:${sport} > ${dst}:${dport}`, reverse: `${d.protocol} ${dst}:${dport} > ${src}:${sport}` };
  }
  if (d.protocol === 1) {
    if (b.length < at + 6) return undefined;
    const type = b[at]!;
    if (type !== 8 && type !== 0) return undefined;
    const id = (b[at + 4]! << 8) | b[at + 5]!;
    return { text: `icmp ${src} > ${dst} id ${id}`, reverse: `icmp ${dst} > ${src} id ${id}` };
  }
  return undefined;
}

/** Judges the translations of every namespace with nat rules. */
export function checkNat(scenario: Scenario, obs: Observation): PropertyResult {
  const name = 'NAT';
  if (scenario.form !== 'script') return { name, checked: 0, unjudged: 0, violations: [], notes: ['documents are not judged'] };
  if (!capturesEveryDevice(obs)) return { name, checked: 0, unjudged: 0, violations: [], notes: ['not every device was captured'] };
  const { model } = finalModel(scenario.statements);
  const natted = new Set([...model.namespaces.values()].filter((n) => n.nat.PREROUTING.length + n.nat.POSTROUTING.length > 0).map((n) => n.name));
  if (natted.size === 0) return { name, checked: 0, unjudged: 0, violations: [], notes: [] };
  const until = obs.transcript.at(-1)?.endedAt ?? Number.POSITIVE_INFINITY;
  const { forwarded } = forwardedDatagrams(obs, until);
  const violations: string[] = [];
  let checked = 0;
  for (const ns of natted) {
    const where = ns === '' ? 'global' : ns;
    const out = new Map<string, string>();
    const back = new Map<string, string>();
    const pairs = forwarded.flatMap((f) => {
      if (f.namespace !== ns || !f.sent) return [];
      const a = tupleOf(f.received);
      const b = tupleOf(f.sent);
      return a && b ? [{ a, b }] : [];
    });
    // Flows first seen in the original direction: a datagram whose tuple reverses no earlier translation.
    const replies: { a: { text: string; reverse: string }; b: { text: string; reverse: string } }[] = [];
    for (const p of pairs) {
      const original = back.get(p.a.reverse);
      if (original !== undefined) {
        replies.push(p);
        continue;
      }
      checked++;
      const seen = out.get(p.a.text);
      if (seen !== undefined && seen !== p.b.text) violations.push(`${where} translated ${p.a.text} to ${seen} and to ${p.b.text}`);
      const other = back.get(p.b.text);
      if (other !== undefined && other !== p.a.text) violations.push(`${where} translated both ${other} and ${p.a.text} to ${p.b.text}`);
      out.set(p.a.text, p.b.text);
      back.set(p.b.text, p.a.text);
    }
    for (const r of replies) {
      checked++;
      const original = back.get(r.a.reverse)!;
      const expected = reverseOf(original);
      if (r.b.text !== expected) violations.push(`${where} passed the answer ${r.a.text} on as ${r.b.text}, not ${expected} (the flow was ${original})`);
    }
  }
  return { name, checked, unjudged: 0, violations, notes: [] };
}

/** The tuple text of the other direction. */
function reverseOf(text: string): string {
  const icmp = /^icmp (\S+) > (\S+) id (\d+)$/.exec(text);
  if (icmp) return `icmp ${icmp[2]} > ${icmp[1]} id ${icmp[3]}`;
  const m = /^(\d+) (\S+) > (\S+)$/.exec(text)!;
  return `${m[1]} ${m[3]} > ${m[2]}`;
}
