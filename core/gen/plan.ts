/**
 * A generated scenario resolved (issue 6): the raw model of core/gen/model.ts turned into namespaces, devices,
 * addresses, and the command lines of a plain scenario script that `twinnet run`, `twinnet replay` and
 * `twinnet compare` accept unchanged. Only what this machine's kernel has is used (veth pairs and bridges; no
 * dummy, no netem), and only private addresses (10.0.0.0/8) inside the scenario's own namespaces, plus
 * documentation addresses (RFC 5737) as destinations nobody owns.
 */
import { formatIpv4, networkOf, type Ipv4Address } from '../ipv4.ts';
import type { GenEvent, GenPairLink, GenPortLink, GenScenario } from './model.ts';

/** The first port of probe listeners: the probe of event `i` listens on `PROBE_PORT + i`. */
export const PROBE_PORT = 5000;
/** A port nothing listens on (discard). */
export const CLOSED_PORT = 9;
/** Destinations no namespace owns (RFC 5737 documentation ranges). */
export const DOCUMENTATION_TARGETS: readonly Ipv4Address[] = [0xc0000201, 0xc6336407, 0xcb007105];

/** An L3 interface of the plan: a veth end that is not a bridge port, or a bridge. */
export interface PlanInterface {
  /** Namespace index (0 = global). */
  readonly ns: number;
  readonly name: string;
  readonly kind: 'veth' | 'bridge';
  readonly address: { readonly address: Ipv4Address; readonly prefixLength: number } | undefined;
}

/** A link's two ends: the device in each namespace (a port link's first end is the bridge port). */
export interface PlanLink {
  readonly ends: readonly [{ readonly ns: number; readonly name: string }, { readonly ns: number; readonly name: string }];
}

/** A resolved scenario: its parts and its text. */
export interface Plan {
  /** Scenario names of the namespaces ('' for the global one). */
  readonly namespaces: readonly string[];
  readonly interfaces: readonly PlanInterface[];
  readonly links: readonly PlanLink[];
  /** Destinations traffic may go to: every address, an unused host of each subnet, documentation addresses. */
  readonly targets: readonly Ipv4Address[];
  /** The scenario's command lines, in order. */
  readonly lines: readonly string[];
  /** The real time the scenario waits at most on the kernel, in seconds (failed probes, sleeps, ping intervals). */
  readonly seconds: number;
}

/** The namespace name of index `i`: '' (global) for 0, `nI` otherwise. */
export function namespaceName(i: number): string {
  return i === 0 ? '' : `n${i}`;
}

/** `ip netns exec nI ` before a command in namespace `i`, nothing in the global one. */
function inNs(i: number, command: string): string {
  return i === 0 ? command : `ip netns exec n${i} ${command}`;
}

/** The first address of subnet `s`: 10.(1 + s mod 254).(s div 254).0, so that a /16 of it covers only its own index's subnets. */
function subnetBase(s: number): Ipv4Address {
  return (0x0a000000 | ((1 + (s % 254)) << 16) | ((Math.floor(s / 254) % 256) << 8)) >>> 0;
}

const WIDTHS = [24, 30, 16] as const;

/** Resolves a raw scenario (see core/gen/model.ts) into its plan and text. */
export function resolvePlan(g: GenScenario, options: { readonly maxSeconds?: number; readonly portlessBridges?: boolean; readonly quietEnd?: boolean } = {}): Plan {
  const n = Math.max(1, g.namespaces);
  // A bridge never given a port keeps the random MAC it was created with, which the kernel adapter does not set
  // (DESIGN.md §4 "MACs"): for the kernel, such bridges are left out.
  const ported = new Set(g.links.flatMap((l) => (l.kind === 'port' && g.bridges.length > 0 ? [l.bridge % g.bridges.length] : [])));
  const bridgeKept = g.bridges.map((_, j) => options.portlessBridges !== false || ported.has(j));
  const nsOf = (raw: number): number => raw % n;
  const overlapping = g.overlapping;
  const namespaces = Array.from({ length: n }, (_, i) => namespaceName(i));
  const lines: string[] = [];
  for (let i = 1; i < n; i++) lines.push(`ip netns add n${i}`);
  for (const i of unique(g.loUp.map(nsOf))) lines.push(inNs(i, 'ip link set lo up'));
  for (const i of unique(g.forwarding.map(nsOf))) lines.push(inNs(i, 'sysctl -qw net.ipv4.ip_forward=1'));

  // Subnets: a disjoint plan gives each link and bridge its own; an overlapping one takes the drawn index modulo a few.
  const subnetPool = Math.max(2, Math.ceil((g.links.length + g.bridges.length) / 2));
  const subnetOf = (drawn: number, own: number): number => (overlapping ? drawn % subnetPool : own);

  const interfaces: PlanInterface[] = [];
  const links: PlanLink[] = [];
  const create: string[] = [];
  const addresses: string[] = [];
  const ups: string[] = [];
  const rulesAt = lines.length;
  const backboneRoutes: string[] = [];
  if (g.backbone && n > 1) {
    if (!g.forwarding.map(nsOf).includes(0)) lines.push(inNs(0, 'sysctl -qw net.ipv4.ip_forward=1'));
    for (let i = 1; i < n; i++) {
      const base = (0x0a000000 | ((200 + (i % 50)) << 16) | ((Math.floor(i / 50) % 256) << 8)) >>> 0;
      const [hub, leaf] = [`s${i}a`, `s${i}b`];
      create.push(`ip link add ${hub} type veth peer name ${leaf} netns n${i}`);
      addresses.push(`ip addr add ${formatIpv4(base + 1)}/24 dev ${hub}`, inNs(i, `ip addr add ${formatIpv4(base + 2)}/24 dev ${leaf}`));
      ups.push(`ip link set ${hub} up`, inNs(i, `ip link set ${leaf} up`));
      interfaces.push({ ns: 0, name: hub, kind: 'veth', address: { address: base + 1, prefixLength: 24 } });
      interfaces.push({ ns: i, name: leaf, kind: 'veth', address: { address: base + 2, prefixLength: 24 } });
      links.push({ ends: [{ ns: 0, name: hub }, { ns: i, name: leaf }] });
      backboneRoutes.push(inNs(i, `ip route add default via ${formatIpv4(base + 1)}`));
    }
  }
  g.bridges.forEach((b, j) => {
    if (bridgeKept[j]) create.push(inNs(nsOf(b.home), `ip link add br${j} type bridge`));
  });
  const bridgeSubnet = g.bridges.map((b, j) => subnetOf(b.subnet, g.links.length + j));
  let portOrdinal = 0;
  g.links.forEach((link, i) => {
    if (link.kind === 'pair') {
      resolvePair(link, i);
      return;
    }
    if (g.bridges.length === 0) return;
    resolvePort(link, i);
  });
  function veth(i: number, nameA: string, nsA: number, nameB: string, nsB: number): void {
    // Created from the lower-indexed namespace: the global one cannot be named from inside another.
    const [first, firstNs, second, secondNs] = nsA <= nsB ? [nameA, nsA, nameB, nsB] : [nameB, nsB, nameA, nsA];
    create.push(inNs(firstNs, `ip link add ${first} type veth peer name ${second}${secondNs !== firstNs ? ` netns n${secondNs}` : ''}`));
    void i;
  }
  function resolvePair(link: GenPairLink, i: number): void {
    const a = nsOf(link.a);
    const b = nsOf(link.b);
    const [nameA, nameB] = [`v${i}a`, `v${i}b`];
    veth(i, nameA, a, nameB, b);
    const s = subnetOf(link.subnet, i);
    const len = WIDTHS[link.width];
    const base = subnetBase(s);
    const ends = [
      { ns: a, name: nameA, on: link.addrA, up: link.upA, host: 1 },
      { ns: b, name: nameB, on: link.addrB, up: link.upB, host: 2 },
    ];
    for (const e of ends) {
      const address = e.on ? { address: base + e.host, prefixLength: len } : undefined;
      interfaces.push({ ns: e.ns, name: e.name, kind: 'veth', address });
      if (address) addresses.push(inNs(e.ns, `ip addr add ${formatIpv4(address.address)}/${len} dev ${e.name}`));
      if (e.up) ups.push(inNs(e.ns, `ip link set ${e.name} up`));
    }
    links.push({ ends: [{ ns: a, name: nameA }, { ns: b, name: nameB }] });
  }
  function resolvePort(link: GenPortLink, i: number): void {
    const j = link.bridge % g.bridges.length;
    const home = nsOf(g.bridges[j]!.home);
    const member = nsOf(link.member);
    const [port, inner] = [`q${i}`, `m${i}`];
    veth(i, port, home, inner, member);
    create.push(inNs(home, `ip link set ${port} master br${j}`));
    const base = subnetBase(bridgeSubnet[j]!);
    const address = link.addr ? { address: base + 10 + (portOrdinal++ % 240), prefixLength: 24 } : undefined;
    interfaces.push({ ns: member, name: inner, kind: 'veth', address });
    if (address) addresses.push(inNs(member, `ip addr add ${formatIpv4(address.address)}/24 dev ${inner}`));
    if (link.portUp) ups.push(inNs(home, `ip link set ${port} up`));
    if (link.memberUp) ups.push(inNs(member, `ip link set ${inner} up`));
    links.push({ ends: [{ ns: home, name: port }, { ns: member, name: inner }] });
  }
  g.bridges.forEach((b, j) => {
    if (!bridgeKept[j]) return;
    const home = nsOf(b.home);
    const address = b.addressed ? { address: subnetBase(bridgeSubnet[j]!) + 1, prefixLength: 24 } : undefined;
    interfaces.push({ ns: home, name: `br${j}`, kind: 'bridge', address });
    if (address) addresses.push(inNs(home, `ip addr add ${formatIpv4(address.address)}/24 dev br${j}`));
    if (b.up) ups.push(inNs(home, `ip link set br${j} up`));
  });
  lines.push(...create, ...addresses, ...ups);

  // Destinations: every address, an unused host (.99) of each subnet, documentation addresses.
  const assigned = interfaces.flatMap((f) => (f.address ? [f.address] : []));
  const subnets = unique(assigned.map((a) => networkOf({ address: a.address, prefixLength: Math.min(a.prefixLength, 24) })));
  const targets = unique([...assigned.map((a) => a.address), ...subnets.map((s) => s + 99), ...DOCUMENTATION_TARGETS]);
  const addressTargets = unique(assigned.map((a) => a.address));
  const own = (ns: number): PlanInterface[] => interfaces.filter((f) => f.ns === ns);
  const ownAddresses = (ns: number): Ipv4Address[] => own(ns).flatMap((f) => (f.address ? [f.address.address] : []));

  lines.push(...backboneRoutes);
  for (const r of g.routes) {
    const ns = nsOf(r.ns);
    let dest: string;
    if (r.dest.kind === 'default') dest = 'default';
    else if (r.dest.kind === 'subnet') {
      if (subnets.length === 0) continue;
      dest = `${formatIpv4(subnets[r.dest.subnet % subnets.length]!)}/24`;
    } else dest = `${formatIpv4(targets[r.dest.target % targets.length]!)}/32`;
    const mine = own(ns).flatMap((f) => (f.address ? [f.address] : []));
    const near = targets.filter((t) => !ownAddresses(ns).includes(t) && mine.some((a) => networkOf({ address: t, prefixLength: a.prefixLength }) === networkOf(a)));
    const candidates = r.far ? targets.filter((t) => !ownAddresses(ns).includes(t)) : near;
    if (candidates.length === 0) continue;
    const via = candidates[r.via % candidates.length]!;
    lines.push(inNs(ns, `ip route add ${dest} via ${formatIpv4(via)}${r.metric ? ` metric ${r.metric}` : ''}`));
  }

  // Filter and nat rules go in before the links exist (they name devices, which need not exist yet), so that
  // conntrack follows every packet from the start: a bridge's first IGMP report, sent when it comes up, then gets
  // its entry on both engines alike whatever the random delay of its second.
  const rules: string[] = [];
  for (const p of g.policies) rules.push(inNs(nsOf(p.ns), `iptables -P ${p.chain} DROP`));
  const cidr = (ref: { target: number; host: boolean }): string => {
    const t = targets[ref.target % targets.length]!;
    return ref.host ? `${formatIpv4(t)}/32` : `${formatIpv4(networkOf({ address: t, prefixLength: 24 }))}/24`;
  };
  for (const rule of g.filter) {
    const ns = nsOf(rule.ns);
    const ifaces = own(ns);
    const parts = [`iptables -A ${rule.chain}`];
    if (rule.proto) parts.push(`-p ${rule.proto}`);
    if (rule.src) parts.push(`-s ${cidr(rule.src)}`);
    if (rule.dst) parts.push(`-d ${cidr(rule.dst)}`);
    if (rule.inIface !== undefined && rule.chain !== 'OUTPUT' && ifaces.length > 0) parts.push(`-i ${ifaces[rule.inIface % ifaces.length]!.name}`);
    if (rule.outIface !== undefined && rule.chain !== 'INPUT' && ifaces.length > 0) parts.push(`-o ${ifaces[rule.outIface % ifaces.length]!.name}`);
    if (rule.dport !== undefined && (rule.proto === 'udp' || rule.proto === 'tcp')) parts.push(`--dport ${PROBE_PORT + (rule.dport % Math.max(1, g.events.length))}`);
    if (rule.state) parts.push(`-m conntrack --ctstate ${rule.state}`);
    parts.push(`-j ${rule.target}`);
    rules.push(inNs(ns, parts.join(' ')));
  }
  for (const rule of g.nat) {
    const ns = nsOf(rule.ns);
    const ifaces = own(ns);
    if (ifaces.length === 0) continue;
    if (rule.kind === 'masquerade') {
      const out = ifaces[rule.outIface % ifaces.length]!;
      const src = rule.src === undefined ? '' : ` -s ${cidr({ target: rule.src, host: false })}`;
      rules.push(inNs(ns, `iptables -t nat -A POSTROUTING${src} -o ${out.name} -j MASQUERADE`));
    } else if (rule.kind === 'snat') {
      const out = ifaces[rule.outIface % ifaces.length]!;
      if (!out.address) continue;
      rules.push(inNs(ns, `iptables -t nat -A POSTROUTING -o ${out.name} -j SNAT --to-source ${formatIpv4(out.address.address)}`));
    } else {
      const locals = ownAddresses(ns);
      if (locals.length === 0) continue;
      const port = PROBE_PORT + (rule.dport % Math.max(1, g.events.length));
      const to = targets[rule.to % targets.length]!;
      rules.push(inNs(ns, `iptables -t nat -A PREROUTING -d ${formatIpv4(locals[rule.local % locals.length]!)} -p ${rule.proto} --dport ${port} -j DNAT --to-destination ${formatIpv4(to)}`));
    }
  }

  lines.splice(rulesAt, 0, ...rules);
  const { traffic, seconds } = resolveTraffic(g, { n, quietEnd: options.quietEnd ?? false, targets, addressTargets, interfaces, links, maxSeconds: options.maxSeconds ?? Infinity });
  lines.push(...traffic);
  return { namespaces, interfaces, links, targets, lines, seconds };
}

/** The traffic lines: listeners for the probes first (and a moment for them to start), then the events in order. */
function resolveTraffic(
  g: GenScenario,
  p: { n: number; quietEnd: boolean; targets: readonly Ipv4Address[]; addressTargets: readonly Ipv4Address[]; interfaces: readonly PlanInterface[]; links: readonly PlanLink[]; maxSeconds: number },
): { traffic: string[]; seconds: number } {
  const listeners: string[] = [];
  const events: string[] = [];
  let seconds = 0;
  let background = false;
  const target = (raw: number): Ipv4Address => p.targets[raw % p.targets.length]!;
  const owners = (a: Ipv4Address): number[] => unique(p.interfaces.filter((f) => f.address?.address === a).map((f) => f.ns));
  g.events.forEach((e: GenEvent, i) => {
    const cost = eventSeconds(e);
    if (seconds + cost + (background ? 1 : 0) > p.maxSeconds) return;
    switch (e.kind) {
      case 'probe': {
        const from = e.from % p.n;
        const dst = e.anywhere || p.addressTargets.length === 0 ? target(e.to) : p.addressTargets[e.to % p.addressTargets.length]!;
        const to = formatIpv4(dst);
        const port = PROBE_PORT + i;
        if (e.proto === 'icmp') events.push(inNs(from, `ping -c 1 -W 1 ${to}`));
        else {
          for (const ns of owners(dst)) listeners.push(inNs(ns, `nc ${e.proto === 'udp' ? '-u ' : ''}-l -p ${port} &`));
          events.push(inNs(from, e.proto === 'udp' ? `nc -u -w 1 -q 0 ${to} ${port} <<< u${i}` : `nc -z -w 1 ${to} ${port}`));
        }
        break;
      }
      case 'ping':
        events.push(inNs(e.from % p.n, `ping -c ${e.count} -i 0.2 -W 1 ${formatIpv4(target(e.to))}${e.background ? ' &' : ''}`));
        if (e.background) background = true;
        break;
      case 'send': {
        const parts = [`send ${e.proto} dst ${formatIpv4(target(e.to))}`];
        if (e.proto !== 'icmp') parts.push(`dport ${CLOSED_PORT}`);
        if (e.proto === 'tcp' && e.flags !== '') parts.push(`flags ${e.flags}`);
        if (e.ttl !== 64) parts.push(`ttl ${e.ttl}`);
        if (e.option) parts.push(`option ${e.option}`);
        events.push(inNs(e.from % p.n, parts.join(' ')));
        break;
      }
      case 'sleep':
        events.push(`sleep ${e.tenths / 10}`);
        break;
      case 'flap': {
        if (p.links.length === 0) return;
        const end = p.links[e.link % p.links.length]!.ends[e.end];
        // The kernel handles the peer's carrier change in linkwatch, at most once a second for a veth whose index
        // equals its peer's (linkwatch_urgent_event(), linkwatch_schedule_work()): until then operstate, the
        // routes' linkdown flag, the neighbour flush (neigh_carrier_down()) and the qdisc lag behind. A second
        // later they have settled, as the simulator's; so the way back up waits a second too, or the kernel may
        // see the down and up as one event and flush nothing (found by twinnet fuzz --seed 4242 --kernel).
        events.push(inNs(end.ns, `ip link set ${end.name} down`));
        events.push('sleep 1');
        if (e.back) {
          events.push(inNs(end.ns, `ip link set ${end.name} up`));
          events.push('sleep 1');
        }
        break;
      }
      case 'show': {
        const ns = e.ns % p.n;
        const command = { neigh: 'ip neigh', route: 'ip route', addr: 'ip -br addr', iptables: 'iptables -S', conntrack: 'conntrack -L', fdb: 'bridge fdb show' }[e.what];
        events.push(inNs(ns, command));
        break;
      }
    }
    seconds += cost;
  });
  const traffic = [...listeners];
  if (listeners.length > 0) {
    traffic.push('sleep 0.2');
    seconds += 0.2;
  }
  traffic.push(...events);
  // A quiet end: a background ping still running would be cut at a point that depends on real time, and the
  // frames of the last moments fall on either side of the kernel's capture end (cli/fuzz.ts CAPTURE_END_MARGIN).
  const tail = background ? 1 : p.quietEnd && events.length > 0 ? 0.5 : 0;
  if (tail > 0) traffic.push(`sleep ${tail}`);
  seconds += tail;
  return { traffic, seconds };
}

/** The real time an event waits at most, in seconds. */
function eventSeconds(e: GenEvent): number {
  switch (e.kind) {
    case 'probe':
      return e.proto === 'udp' ? 0.1 : 1;
    case 'ping':
      return e.background ? 0 : (e.count - 1) * 0.2 + 1;
    case 'sleep':
      return e.tenths / 10;
    case 'flap':
      return 1;
    default:
      return 0;
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The scenario text of a plan: its lines, one per line. */
export function planText(plan: Plan): string {
  return `${plan.lines.join('\n')}\n`;
}
