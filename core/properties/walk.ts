/**
 * The reachability oracle's packet walk (issue 6): a probe's packet followed hop by hop over the graph model of
 * core/properties/config.ts, and its answer back, as the kernel's IPv4 path would take them:
 * - output: route lookup (local addresses first, via lo), source selection (the prefix route's `src`, else
 *   inet_select_addr()), OUTPUT, POSTROUTING (SNAT, MASQUERADE);
 * - the link: the device up with carrier, the neighbour answered by every namespace on the segment (veth peer,
 *   bridge and its forwarding ports) that holds the address on any of its devices (arp_ignore 0);
 * - input: PREROUTING (DNAT, or the reply's un-SNAT), local delivery through INPUT (a listener for UDP and TCP),
 *   else forwarding (ip_forward, TTL, FORWARD, route, POSTROUTING).
 * Connection tracking is followed per namespace for the one flow: the first packet is NEW, the answer
 * ESTABLISHED where the flow was seen, and an ICMP echo reply or a TCP SYN-ACK that meets no entry INVALID.
 * Where the kernel's choice is not fixed by the configuration (two namespaces answer for one address, ICMP
 * redirects learnt earlier), the walk follows every branch; when they disagree the verdict is "unknown".
 */
import { formatIpv4, type Ipv4Address } from '../ipv4.ts';
import type { IptablesRule } from '../scenario/index.ts';
import { matchesCidr, type ModelDevice, type ModelNamespace, type NetModel } from './config.ts';

/** The probe's transport. */
export type Proto = 'icmp' | 'udp' | 'tcp';

/** A packet as the walk carries it. */
interface Packet {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly proto: Proto;
  readonly dport: number;
  /** The answer (echo reply, SYN-ACK) rather than the request. */
  readonly reply: boolean;
  readonly ttl: number;
}

/** The flow's conntrack entry in one namespace: the request's addresses before and after NAT there. */
interface FlowEntry {
  readonly origSrc: Ipv4Address;
  readonly origDst: Ipv4Address;
  readonly natSrc: Ipv4Address;
  readonly natDst: Ipv4Address;
}

/** Where one branch of a walk ended. */
interface Leg {
  readonly ok: boolean;
  /** Namespace the packet was delivered in (ok), and the packet as delivered. */
  readonly ns?: ModelNamespace;
  readonly packet?: Packet;
  readonly flows: ReadonlyMap<string, FlowEntry>;
  readonly path: readonly string[];
  /** Why the branch cannot be judged. */
  readonly unknown?: string;
}

/** The oracle's answer for one probe. */
export interface Verdict {
  readonly verdict: 'yes' | 'no' | 'unknown';
  /** The path taken (or where it stopped), for the report. */
  readonly why: string;
}

const MAX_HOPS = 64;
const MAX_BRANCHES = 64;
/** Transmissions one judgement may follow (branches multiply): past it the verdict is "unknown". */
const MAX_STEPS = 5000;
let steps = 0;

const nsLabel = (ns: ModelNamespace): string => (ns.name === '' ? 'global' : ns.name);

/**
 * Whether a probe of `proto` from namespace `from` to `dst` (port `dport`) gets through: the request delivered
 * (to a listener, for UDP and TCP), and, for ICMP and TCP, the answer back to the sender.
 */
export function judgeProbe(model: NetModel, from: ModelNamespace, dst: Ipv4Address, proto: Proto, dport: number): Verdict {
  if (model.unmodelled) return { verdict: 'unknown', why: `not modelled: ${model.unmodelled}` };
  steps = 0;
  const requests = originate(model, from, { src: 0, dst, proto, dport, reply: false, ttl: MAX_HOPS }, new Map());
  const outcomes: Leg[] = [];
  for (const leg of requests) {
    if (!leg.ok || leg.unknown) {
      outcomes.push(leg);
      continue;
    }
    const at = leg.ns!;
    if (proto !== 'icmp') {
      const listener = at.listeners.get(`${proto}:${leg.packet!.dport}`);
      if (!listener || listener.used) {
        outcomes.push({ ...leg, ok: false, path: [...leg.path, `no ${proto} listener on port ${leg.packet!.dport} in ${nsLabel(at)}`] });
        continue;
      }
      if (proto === 'udp') {
        // netcat's UDP listener connect()s to its first peer before it prints anything: that needs a route back.
        const back = leg.packet!.src;
        if (!model.isLocal(at, back) && !model.lookup(at, back)) {
          outcomes.push({ ...leg, ok: false, path: [...leg.path, `the listener in ${nsLabel(at)} cannot connect back to ${formatIpv4(back)}: no route`] });
          continue;
        }
        outcomes.push(leg);
        continue;
      }
    }
    const p = leg.packet!;
    const answers = originate(model, at, { src: p.dst, dst: p.src, proto, dport: p.dport, reply: true, ttl: MAX_HOPS }, leg.flows, from);
    for (const a of answers) outcomes.push({ ...a, path: [...leg.path, '⇒ answer:', ...a.path] });
  }
  return combine(outcomes);
}

/** Marks the listener a probe reached as used (a netcat listener takes one peer), when the verdict is sure. */
export function consumeListener(model: NetModel, from: ModelNamespace, dst: Ipv4Address, proto: Proto, dport: number): void {
  if (proto === 'icmp') return;
  steps = 0;
  const legs = originate(model, from, { src: 0, dst, proto, dport, reply: false, ttl: MAX_HOPS }, new Map());
  for (const leg of legs) if (leg.ok && !leg.unknown) leg.ns!.listeners.get(`${proto}:${leg.packet!.dport}`)!.used = true;
}

function combine(outcomes: readonly Leg[]): Verdict {
  const unknown = outcomes.find((o) => o.unknown);
  if (unknown) return { verdict: 'unknown', why: `${unknown.unknown} (${unknown.path.join(' ')})` };
  if (outcomes.length === 0) return { verdict: 'unknown', why: 'no branch' };
  const first = outcomes[0]!;
  if (outcomes.every((o) => o.ok === first.ok)) return { verdict: first.ok ? 'yes' : 'no', why: first.path.join(' ') };
  return { verdict: 'unknown', why: `branches disagree: ${outcomes.map((o) => `[${o.ok ? 'ok' : 'lost'}: ${o.path.join(' ')}]`).join(' ')}` };
}

/**
 * A packet sent by a local socket of `ns`: route, source, OUTPUT and POSTROUTING, then the link. `expect` is the
 * namespace an answer must come back to (the probe's sender).
 */
function originate(model: NetModel, ns: ModelNamespace, packet: Packet, flows: ReadonlyMap<string, FlowEntry>, expect?: ModelNamespace): Leg[] {
  const path = [`${nsLabel(ns)}:`];
  if (model.isLocal(ns, packet.dst)) {
    const lo = model.device(ns, 'lo');
    if (!lo?.up) return [{ ok: false, flows, path: [...path, 'lo down'] }];
    const src = packet.src || packet.dst;
    const p = { ...packet, src };
    const state = packetState(ns, p, flows);
    if (!filterAccepts(ns, 'OUTPUT', p, state.ct, undefined, lo)) return [{ ok: false, flows, path: [...path, 'OUTPUT drops'] }];
    const after = postrouting(ns, p, lo, p.dst, state.flows, undefined);
    if (after.dropped) return [{ ok: false, flows, path: [...path, after.dropped] }];
    // Looped back, the packet keeps the conntrack state it left with (nf_conntrack_in() skips a packet it has seen).
    if (!filterAccepts(ns, 'INPUT', after.packet, state.ct, lo, undefined)) return [{ ok: false, flows, path: [...path, 'via lo', 'INPUT drops'] }];
    if (packet.reply && ns !== expect) return [{ ok: false, flows, path: [...path, `answer delivered to ${nsLabel(ns)}, not the sender`] }];
    return [{ ok: true, ns, packet: after.packet, flows: after.flows, path: [...path, 'via lo', 'delivered'] }];
  }
  const route = model.lookup(ns, packet.dst);
  if (!route) return [{ ok: false, flows, path: [...path, `no route to ${formatIpv4(packet.dst)}`] }];
  const src = packet.src || route.prefsrc || selectAddress(ns, route.device, route.gateway ?? packet.dst);
  if (src === undefined) return [{ ok: false, flows, path: [...path, 'no source address'] }];
  if (model.redirected.has(`${src}>${packet.dst}`)) return [{ ok: true, flows, path, unknown: `an ICMP redirect may have changed ${nsLabel(ns)}'s way to ${formatIpv4(packet.dst)}` }];
  const p = { ...packet, src };
  const state = packetState(ns, p, flows);
  if (!filterAccepts(ns, 'OUTPUT', p, state.ct, undefined, route.device)) return [{ ok: false, flows, path: [...path, 'OUTPUT drops'] }];
  const nexthop = route.gateway ?? p.dst;
  const after = postrouting(ns, p, route.device, nexthop, state.flows, undefined);
  if (after.dropped) return [{ ok: false, flows, path: [...path, after.dropped] }];
  return transmit(model, ns, route.device, nexthop, after.packet, after.flows, path, expect);
}

/** inet_select_addr(dev, dst, RT_SCOPE_UNIVERSE): the device's primary address on dst's subnet, its first, else any. */
function selectAddress(ns: ModelNamespace, dev: ModelDevice, dst: Ipv4Address): Ipv4Address | undefined {
  const primaries = dev.addresses.filter((a) => !a.secondary);
  const onLink = primaries.find((a) => matchesCidr(a, dst));
  if (onLink) return onLink.address;
  if (primaries[0]) return primaries[0].address;
  for (const d of ns.devices) {
    if (d.kind === 'loopback') continue;
    const a = d.addresses.find((x) => !x.secondary);
    if (a) return a.address;
  }
  return undefined;
}

/** Out of `dev` to `nexthop`: carrier, then every namespace on the segment that answers ARP for it. */
function transmit(
  model: NetModel,
  ns: ModelNamespace,
  dev: ModelDevice,
  nexthop: Ipv4Address,
  packet: Packet,
  flows: ReadonlyMap<string, FlowEntry>,
  path: readonly string[],
  expect: ModelNamespace | undefined,
): Leg[] {
  const here = [...path, `out ${dev.name}`];
  if (++steps > MAX_STEPS) return [{ ok: true, flows, path: here, unknown: 'too many branches' }];
  if (!dev.up) return [{ ok: false, flows, path: [...here, '(down)'] }];
  if (!carrier(dev)) return [{ ok: false, flows, path: [...here, '(no carrier)'] }];
  const responders = segment(dev).filter((e) => e.up && model.isLocal(model.ns(e.ns)!, nexthop));
  if (responders.length === 0) return [{ ok: false, flows, path: [...here, `nobody answers ARP for ${formatIpv4(nexthop)}`] }];
  if (responders.length > MAX_BRANCHES) return [{ ok: true, flows, path: here, unknown: 'too many branches' }];
  // arp_solicit(): the request's sender address; a namespace that holds it too takes the request for a conflict.
  const arpSender = model.isLocal(ns, packet.src) ? packet.src : selectAddress(ns, dev, nexthop);
  const legs: Leg[] = [];
  for (const r of responders) {
    const rns = model.ns(r.ns)!;
    if (arpSender !== undefined && model.isLocal(rns, arpSender)) {
      legs.push({ ok: true, flows, path: here, unknown: `${nsLabel(rns)} holds the ARP sender address ${formatIpv4(arpSender)} too` });
      continue;
    }
    if (rns === ns) {
      legs.push({ ok: true, flows, path: here, unknown: `${nsLabel(ns)} answers its own ARP` });
      continue;
    }
    legs.push(...receive(model, rns, r, packet, flows, [...here, `→ ${nsLabel(rns)}:${r.name}`], expect));
  }
  return legs;
}

/** Whether a device has carrier: a veth when both ends are up (a bridge port's far end counts), a bridge when a port has. */
export function carrier(dev: ModelDevice): boolean {
  if (dev.kind === 'loopback') return dev.up;
  if (dev.kind === 'bridge') return dev.up && (!dev.everHadPort || dev.ports.some((p) => p.up && carrier(p)));
  return dev.up && (dev.peer?.up ?? false);
}

/** The L3 devices a frame out of `dev` can reach: the veth peer, or through a bridge its device and other ports' peers. */
function segment(dev: ModelDevice): ModelDevice[] {
  const out: ModelDevice[] = [];
  const seen = new Set<ModelDevice>(dev.kind === 'bridge' ? [] : [dev]);
  const visitBridge = (bridge: ModelDevice, ingress: ModelDevice | undefined): void => {
    if (seen.has(bridge)) return;
    seen.add(bridge);
    if (!bridge.up) return;
    if (ingress) out.push(bridge);
    for (const port of bridge.ports) {
      if (port === ingress || !port.up || !port.peer?.up) continue;
      arrive(port.peer);
    }
  };
  const arrive = (end: ModelDevice): void => {
    if (seen.has(end)) return;
    seen.add(end);
    if (end.master) {
      if (end.up) visitBridge(end.master, end);
      return;
    }
    out.push(end);
  };
  if (dev.kind === 'bridge') visitBridge(dev, undefined);
  else if (dev.peer) arrive(dev.peer);
  return out;
}

/** The conntrack state of a packet in `ns`, and the flow table after it is seen there. */
function packetState(ns: ModelNamespace, p: Packet, flows: ReadonlyMap<string, FlowEntry>): { ct: string; flows: ReadonlyMap<string, FlowEntry>; entry: FlowEntry | undefined } {
  const entry = flows.get(ns.name);
  if (!p.reply) return { ct: entry ? 'ESTABLISHED' : 'NEW', flows, entry };
  if (entry) return { ct: 'ESTABLISHED', flows, entry };
  // An echo reply or a SYN-ACK that meets no entry: icmp_new() and tcp_new() refuse it.
  return { ct: 'INVALID', flows, entry: undefined };
}

/**
 * POSTROUTING: the flow's first packet here gets SNAT or MASQUERADE (the address `inet_select_addr(out, nexthop)`
 * gives), an answer its un-DNAT; where conntrack runs, the flow's entry is recorded.
 */
function postrouting(
  ns: ModelNamespace,
  p: Packet,
  out: ModelDevice,
  nexthop: Ipv4Address,
  flows: ReadonlyMap<string, FlowEntry>,
  pre: FlowEntry | undefined,
): { packet: Packet; flows: ReadonlyMap<string, FlowEntry>; dropped?: string } {
  if (p.reply) {
    const entry = flows.get(ns.name);
    return { packet: entry ? { ...p, src: entry.origDst } : p, flows };
  }
  if (!ns.conntrack) return { packet: p, flows };
  const seen = flows.get(ns.name);
  if (seen) return { packet: { ...p, src: seen.natSrc, dst: seen.natDst }, flows };
  let packet = p;
  for (const rule of ns.nat.POSTROUTING) {
    if (!ruleMatches(rule, packet, 'NEW', undefined, out)) continue;
    const t = rule.target!;
    if (t.kind === 'MASQUERADE') {
      const src = out.addresses.some((a) => !a.secondary) ? selectAddress(ns, out, nexthop) : undefined;
      if (src === undefined) return { packet, flows, dropped: `MASQUERADE: no address on ${out.name}` };
      packet = { ...packet, src };
    } else if (t.kind === 'SNAT' && t.toSource.firstAddress !== undefined) {
      packet = { ...packet, src: t.toSource.firstAddress };
    }
    break;
  }
  const next = new Map(flows);
  const orig = pre ?? { origSrc: p.src, origDst: p.dst };
  next.set(ns.name, { origSrc: orig.origSrc, origDst: orig.origDst, natSrc: packet.src, natDst: packet.dst });
  return { packet, flows: next };
}

/** A packet arriving at `dev` of `ns`: PREROUTING, then local delivery or forwarding. */
function receive(
  model: NetModel,
  ns: ModelNamespace,
  dev: ModelDevice,
  packet: Packet,
  flows: ReadonlyMap<string, FlowEntry>,
  path: readonly string[],
  expect: ModelNamespace | undefined,
): Leg[] {
  let p = packet;
  const entry = flows.get(ns.name);
  let pre: FlowEntry | undefined;
  if (dev.kind !== 'loopback' && model.isLocal(ns, p.src)) return [{ ok: true, flows, path, unknown: `martian source ${formatIpv4(p.src)} in ${nsLabel(ns)}` }];
  if (p.reply) {
    // The answer's un-SNAT happens before routing (nf_nat_ipv4_in()).
    if (entry) p = { ...p, dst: entry.origSrc };
  } else if (entry) {
    p = { ...p, dst: entry.natDst };
  } else if (ns.conntrack && dev.kind !== 'loopback') {
    for (const rule of ns.nat.PREROUTING) {
      if (!ruleMatches(rule, p, 'NEW', dev, undefined)) continue;
      const t = rule.target!;
      if (t.kind === 'DNAT' && t.toDestination.firstAddress !== undefined) p = { ...p, dst: t.toDestination.firstAddress };
      break;
    }
    pre = { origSrc: packet.src, origDst: packet.dst, natSrc: packet.src, natDst: p.dst };
  }
  const ct = p.reply ? (flows.get(ns.name) ? 'ESTABLISHED' : 'INVALID') : flows.get(ns.name) ? 'ESTABLISHED' : 'NEW';
  if (model.isLocal(ns, p.dst)) {
    if (!filterAccepts(ns, 'INPUT', p, ct, dev, undefined)) return [{ ok: false, flows, path: [...path, 'INPUT drops'] }];
    if (p.reply && ns !== expect) return [{ ok: false, flows, path: [...path, `answer delivered to ${nsLabel(ns)}, not the sender`] }];
    let delivered = flows;
    if (pre) {
      delivered = new Map(flows);
      (delivered as Map<string, FlowEntry>).set(ns.name, pre);
    }
    return [{ ok: true, ns, packet: p, flows: delivered, path: [...path, 'delivered'] }];
  }
  if (!ns.forwarding) return [{ ok: false, flows, path: [...path, 'forwarding off'] }];
  if (p.ttl <= 1) return [{ ok: false, flows, path: [...path, 'TTL exceeded'] }];
  const route = model.lookup(ns, p.dst);
  if (!route) return [{ ok: false, flows, path: [...path, `no route to ${formatIpv4(p.dst)}`] }];
  // __mkroute_input(): out by the way it came, source (and gateway) on that link: an ICMP redirect goes to the
  // sender, whose later packets to this destination may take the shorter way (rt_exception): they are not judged.
  if (route.device === dev && dev.addresses.some((a) => matchesCidr(a, p.src) && (route.gateway === undefined || matchesCidr(a, route.gateway)))) {
    model.redirected.add(`${p.src}>${p.dst}`);
  }
  if (!filterAccepts(ns, 'FORWARD', p, ct, dev, route.device)) return [{ ok: false, flows, path: [...path, 'FORWARD drops'] }];
  const nexthop = route.gateway ?? p.dst;
  const after = postrouting(ns, { ...p, ttl: p.ttl - 1 }, route.device, nexthop, flows, pre);
  if (after.dropped) return [{ ok: false, flows, path: [...path, after.dropped] }];
  return transmit(model, ns, route.device, nexthop, after.packet, after.flows, [...path, 'fwd'], expect);
}

/** A filter chain's verdict: the first matching rule's ACCEPT (true) or DROP/REJECT (false), else the policy. */
function filterAccepts(ns: ModelNamespace, chain: 'INPUT' | 'FORWARD' | 'OUTPUT', p: Packet, ct: string, inDev: ModelDevice | undefined, outDev: ModelDevice | undefined): boolean {
  for (const rule of ns.filter[chain]) {
    if (!ruleMatches(rule, p, ct, inDev, outDev)) continue;
    return rule.target?.kind === 'ACCEPT';
  }
  return ns.policy[chain] === 'ACCEPT';
}

/** Whether a rule's matches hold for the packet (protocol, addresses, interfaces, destination port, conntrack state). */
function ruleMatches(rule: IptablesRule, p: Packet, ct: string, inDev: ModelDevice | undefined, outDev: ModelDevice | undefined): boolean {
  const proto = rule.protocol?.value;
  if (proto !== undefined && proto !== 'all' && proto !== p.proto) return false;
  if (rule.source && !matchesCidr(rule.source.value, p.src)) return false;
  if (rule.destination && !matchesCidr(rule.destination.value, p.dst)) return false;
  if (rule.inInterface && rule.inInterface.value !== inDev?.name) return false;
  if (rule.outInterface && rule.outInterface.value !== outDev?.name) return false;
  if (rule.destinationPort) {
    // The answer goes to the requester's (ephemeral) port: a --dport of the probe's port never matches it.
    if (p.reply || p.proto === 'icmp') return false;
    if (p.dport < rule.destinationPort.value.first || p.dport > rule.destinationPort.value.last) return false;
  }
  if (rule.states) {
    const states = rule.states.value;
    if (!states.includes(ct as never)) return false;
  }
  return true;
}
