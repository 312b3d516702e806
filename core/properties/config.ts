/**
 * The graph-level model the reachability oracle reads (issue 6): namespaces, devices and how they are wired,
 * addresses, the main routing table with the kernel's insertion order, forwarding, iptables filter and nat rules,
 * and listening sockets, built by interpreting a scenario's configuration commands one by one. It is written from
 * the kernel's rules, not from the simulator's code, so that it can judge the simulator:
 * - `ip addr add` adds a local route at once, up or not (fib_add_ifaddr()); while the device is up, a prefix route
 *   in main, appended after routes of the same prefix and metric (fib_magic() with NLM_F_APPEND);
 * - `ip link set X down` removes every main route through X and keeps its local routes (fib_disable_ip():
 *   measured, local routes of a down device stay); `up` adds the prefix routes again;
 * - `ip route add` fails with "File exists" when a route of that prefix and metric exists (fib_table_insert());
 *   a gateway must be a local address or on a link-scope route (fib_check_nh_v4_gw()), its device up.
 * Commands it does not model make every later judgement "unknown" instead of a guess.
 */
import { cidrContains, networkOf, prefixMask, type Ipv4Address, type Ipv4Cidr } from '../ipv4.ts';
import type { Command, IptablesRule } from '../scenario/index.ts';

/** A device of the model. */
export interface ModelDevice {
  readonly ns: string;
  readonly name: string;
  readonly kind: 'veth' | 'bridge' | 'loopback';
  up: boolean;
  /** The other end of a veth: namespace and name (kept up to date when it moves). */
  peer: ModelDevice | undefined;
  /** The bridge it is a port of (same namespace). */
  master: ModelDevice | undefined;
  /** A bridge: its ports; whether a port was ever added (a bridge never given one keeps its carrier). */
  readonly ports: ModelDevice[];
  everHadPort: boolean;
  /** Addresses in the order added (the first of a subnet is primary, later ones of the same subnet secondary). */
  readonly addresses: { readonly address: Ipv4Address; readonly prefixLength: number; readonly secondary: boolean }[];
}

/** A main-table route. */
export interface ModelRoute {
  readonly destination: Ipv4Address;
  readonly prefixLength: number;
  readonly metric: number;
  readonly device: ModelDevice;
  readonly gateway: Ipv4Address | undefined;
  /** The connected route's source (`src A`), for prefix routes. */
  readonly prefsrc: Ipv4Address | undefined;
  /** scope link (prefix routes) or universe. */
  readonly scope: 'link' | 'universe';
}

/** One namespace of the model. */
export interface ModelNamespace {
  readonly name: string;
  /** Devices in registration order. */
  readonly devices: ModelDevice[];
  /** Main table, in the kernel's order per prefix (aliases by metric, then insertion). */
  readonly routes: ModelRoute[];
  forwarding: boolean;
  readonly filter: Record<'INPUT' | 'FORWARD' | 'OUTPUT', IptablesRule[]>;
  readonly policy: Record<'INPUT' | 'FORWARD' | 'OUTPUT', 'ACCEPT' | 'DROP'>;
  readonly nat: Record<'PREROUTING' | 'POSTROUTING', IptablesRule[]>;
  /** Whether connection tracking runs here (a nat rule or a state match was loaded). */
  conntrack: boolean;
  /** Listening sockets: `udp:5000`, `tcp:5000`, and whether each has taken its one peer already. */
  readonly listeners: Map<string, { used: boolean }>;
}

/** What applying one command did in the model: the exit status the kernel gives it, where the model knows. */
export interface Applied {
  readonly status: number | undefined;
}

/** A scenario's network as the oracle sees it. */
export class NetModel {
  readonly namespaces = new Map<string, ModelNamespace>();
  /** Why the model stopped being trustworthy (a command it does not model), or undefined. */
  unmodelled: string | undefined;
  /** `SRC>DST` pairs an ICMP redirect may have rerouted (core/properties/walk.ts): later probes on them are not judged. */
  readonly redirected = new Set<string>();

  constructor() {
    this.namespaces.set('', newNamespace(''));
  }

  ns(name: string | undefined): ModelNamespace | undefined {
    return this.namespaces.get(name ?? '');
  }

  device(ns: ModelNamespace, name: string): ModelDevice | undefined {
    return ns.devices.find((d) => d.name === name);
  }

  /** Whether `address` is local in `ns`: an address of any of its devices (its local route stays while down). */
  isLocal(ns: ModelNamespace, address: Ipv4Address): boolean {
    if (address >>> 24 === 127) return this.device(ns, 'lo')?.up ?? false;
    return ns.devices.some((d) => d.addresses.some((a) => a.address === address));
  }

  /** The device that holds a local address. */
  localDevice(ns: ModelNamespace, address: Ipv4Address): ModelDevice | undefined {
    return ns.devices.find((d) => d.addresses.some((a) => a.address === address));
  }

  /** Applies one command; returns the status the kernel would give it where the model knows. */
  apply(c: Command): Applied {
    const ns = this.ns(c.namespace);
    const unknown = (why: string): Applied => {
      this.unmodelled ??= `${c.text}: ${why}`;
      return { status: undefined };
    };
    switch (c.kind) {
      case 'netns.add':
        if (this.namespaces.has(c.name)) return { status: 1 };
        this.namespaces.set(c.name, newNamespace(c.name));
        return { status: 0 };
      case 'link.add': {
        if (!ns) return { status: undefined };
        if (c.linkType === 'bridge') {
          if (this.device(ns, c.name)) return { status: 2 };
          ns.devices.push(newDevice(ns.name, c.name, 'bridge'));
          return { status: 0 };
        }
        if (c.linkType !== 'veth' || !c.peer?.name) return unknown('not a veth or bridge');
        const peerNs = c.peer.netns !== undefined ? this.ns(c.peer.netns) : ns;
        if (!peerNs) return { status: undefined };
        if (this.device(ns, c.name) || this.device(peerNs, c.peer.name)) return { status: 2 };
        const dev = newDevice(ns.name, c.name, 'veth');
        const peer = newDevice(peerNs.name, c.peer.name, 'veth');
        dev.peer = peer;
        peer.peer = dev;
        peerNs.devices.push(peer);
        ns.devices.push(dev);
        return { status: 0 };
      }
      case 'link.set': {
        if (!ns) return { status: undefined };
        const dev = this.device(ns, c.device);
        if (!dev) return { status: 1 };
        if (c.netns !== undefined || c.address !== undefined || c.mtu !== undefined || c.name !== undefined) return unknown('moves or renames a device');
        if (c.master !== undefined) {
          if (c.master === null) return unknown('nomaster');
          const bridge = this.device(ns, c.master);
          if (!bridge || bridge.kind !== 'bridge' || dev.kind !== 'veth') return unknown('master of something else');
          dev.master = bridge;
          bridge.ports.push(dev);
          bridge.everHadPort = true;
          // A port's prefix routes go: its addresses no longer see traffic (not generated; judged unknown).
          if (dev.addresses.length > 0) return unknown('a bridge port with addresses');
        }
        if (c.up === true && !dev.up) {
          dev.up = true;
          for (const a of dev.addresses) if (!a.secondary) this.addPrefixRoute(ns, dev, a);
        } else if (c.up === false && dev.up) {
          dev.up = false;
          for (let i = ns.routes.length - 1; i >= 0; i--) if (ns.routes[i]!.device === dev) ns.routes.splice(i, 1);
        }
        return { status: 0 };
      }
      case 'addr.add': {
        if (!ns) return { status: undefined };
        const dev = this.device(ns, c.device);
        if (!dev) return { status: 1 };
        if (c.noPrefixRoute || c.metric !== undefined || (c.scope !== undefined && c.scope !== 'global')) return unknown('address options');
        if (dev.addresses.some((a) => a.address === c.address.address && a.prefixLength === c.address.prefixLength)) return { status: 2 };
        const secondary = dev.addresses.some((a) => a.prefixLength === c.address.prefixLength && networkOf(a) === networkOf(c.address));
        const added = { address: c.address.address, prefixLength: c.address.prefixLength, secondary };
        dev.addresses.push(added);
        if (dev.up && !secondary) this.addPrefixRoute(ns, dev, added);
        return { status: 0 };
      }
      case 'route.add': {
        if (!ns) return { status: undefined };
        if (c.table !== undefined && c.table !== 254) return unknown('another table');
        if (c.source !== undefined || c.protocol !== undefined || c.scope !== undefined) return unknown('route options');
        return { status: this.addRoute(ns, c.destination, c.via, c.device, c.metric ?? 0) };
      }
      case 'sysctl': {
        if (!ns) return { status: undefined };
        for (const s of c.settings) {
          if (s.value === undefined) continue;
          if (s.key === 'net.ipv4.ip_forward' || s.key === 'net.ipv4.conf.all.forwarding') ns.forwarding = s.value !== 0;
          else return unknown(`sysctl ${s.key}`);
        }
        return { status: 0 };
      }
      case 'iptables':
        return ns ? this.applyIptables(ns, c) : { status: undefined };
      case 'nc':
        if (c.listen && ns && c.background) {
          const port = c.sourcePort ?? c.port;
          if (port !== undefined && c.host === undefined) ns.listeners.set(`${c.udp ? 'udp' : 'tcp'}:${port}`, { used: false });
          else return unknown('a listener bound to an address');
        }
        return { status: undefined };
      case 'ping': case 'send': case 'sleep': case 'echo': case 'tcpdump': case 'curl':
      case 'link.show': case 'addr.show': case 'route.show': case 'route.get': case 'route.nettools': case 'neigh.show':
      case 'ntable.show': case 'arp': case 'bridge.link.show': case 'bridge.fdb.show': case 'iptables-save': case 'conntrack.list':
      case 'netns.list': case 'set': case 'shell.enter': case 'shell.leave':
        return { status: undefined };
      default:
        return unknown(`${c.kind} is not modelled`);
    }
  }

  /** fib_add_ifaddr(): the prefix route of a primary address (scope link, src the address), appended. */
  private addPrefixRoute(ns: ModelNamespace, dev: ModelDevice, a: { address: Ipv4Address; prefixLength: number }): void {
    if (a.prefixLength === 32) return;
    insertRoute(ns, { destination: networkOf(a), prefixLength: a.prefixLength, metric: 0, device: dev, gateway: undefined, prefsrc: a.address, scope: 'link' }, 'append');
  }

  /** `ip route add`: the gateway's checks (fib_check_nh_v4_gw()), then insertion; returns the exit status. */
  private addRoute(ns: ModelNamespace, dest: Ipv4Cidr, via: Ipv4Address | undefined, devName: string | undefined, metric: number): number {
    let device = devName !== undefined ? this.device(ns, devName) : undefined;
    if (devName !== undefined && !device) return 1;
    if (via === undefined) {
      if (!device) return 2;
      if (!device.up) return 2;
    } else {
      const local = this.localDevice(ns, via);
      if (local) {
        if (device && device !== local) return 2;
        if (!local.up) return 2;
        device = local;
        this.unmodelled ??= `a route via a local address (${via >>> 0}): its traffic is not modelled`;
      } else {
        const link = this.linkRoute(ns, via);
        if (!link || (device && link.device !== device)) return 2;
        device = link.device;
      }
    }
    const route: ModelRoute = { destination: networkOf(dest), prefixLength: dest.prefixLength, metric, device: device!, gateway: via, prefsrc: undefined, scope: via === undefined ? 'link' : 'universe' };
    return insertRoute(ns, route, 'add') ? 0 : 2;
  }

  /** The longest-prefix link-scope route covering `address` (a gateway's check looks up with scope link). */
  linkRoute(ns: ModelNamespace, address: Ipv4Address): ModelRoute | undefined {
    let best: ModelRoute | undefined;
    for (const r of ns.routes) {
      if (r.scope !== 'link' || !cidrContains({ address: r.destination, prefixLength: r.prefixLength }, address)) continue;
      if (!best || r.prefixLength > best.prefixLength) best = r;
    }
    return best;
  }

  /** fib_table_lookup() on main: the longest prefix, its first alias. */
  lookup(ns: ModelNamespace, address: Ipv4Address): ModelRoute | undefined {
    let best: ModelRoute | undefined;
    for (const r of ns.routes) {
      if (!cidrContains({ address: r.destination, prefixLength: r.prefixLength }, address)) continue;
      if (!best || r.prefixLength > best.prefixLength) best = r;
    }
    return best;
  }

  private applyIptables(ns: ModelNamespace, c: Extract<Command, { kind: 'iptables' }>): Applied {
    const op = c.command;
    const unknown = (why: string): Applied => {
      this.unmodelled ??= `${c.text}: ${why}`;
      return { status: undefined };
    };
    if (op.op === 'list' || op.op === 'list-rules' || op.op === 'zero') return { status: undefined };
    if (op.op === 'policy') {
      if (c.table !== 'filter' || !isFilterChain(op.chain)) return unknown('policy');
      ns.policy[op.chain] = op.policy;
      return { status: 0 };
    }
    if (op.op !== 'append') return unknown(`iptables ${op.op}`);
    const rule = op.rule;
    if (rule.sourcePort || rule.syn || rule.icmpType || (rule.protocol && typeof rule.protocol.value === 'number')) return unknown('a match the oracle does not model');
    if (rule.protocol?.negated || rule.source?.negated || rule.destination?.negated || rule.inInterface?.negated || rule.outInterface?.negated || rule.destinationPort?.negated || rule.states?.negated) return unknown('a negated match');
    if (rule.inInterface?.value.endsWith('+') || rule.outInterface?.value.endsWith('+')) return unknown('an interface wildcard');
    const target = rule.target?.kind;
    if (c.table === 'filter') {
      if (!isFilterChain(op.chain)) return unknown(`chain ${op.chain}`);
      if (target !== 'ACCEPT' && target !== 'DROP' && target !== 'REJECT') return unknown(`target ${target ?? 'none'}`);
      if (rule.states) {
        ns.conntrack = true;
        if (rule.states.value.some((s) => s !== 'NEW' && s !== 'ESTABLISHED' && s !== 'RELATED' && s !== 'INVALID')) return unknown('a state the oracle does not model');
      }
      ns.filter[op.chain].push(rule);
      return { status: 0 };
    }
    ns.conntrack = true;
    if (op.chain === 'POSTROUTING' && (target === 'MASQUERADE' || target === 'SNAT')) {
      if (rule.inInterface || rule.states) return unknown('a nat match');
      if (target === 'MASQUERADE' && rule.target?.kind === 'MASQUERADE' && rule.target.toPorts) return unknown('--to-ports');
      if (rule.target?.kind === 'SNAT' && (rule.target.toSource.ports || rule.target.toSource.firstAddress !== rule.target.toSource.lastAddress && rule.target.toSource.lastAddress !== undefined)) return unknown('an SNAT range');
      ns.nat.POSTROUTING.push(rule);
      return { status: 0 };
    }
    if (op.chain === 'PREROUTING' && target === 'DNAT') {
      if (rule.outInterface || rule.states) return unknown('a nat match');
      if (rule.target?.kind === 'DNAT' && (rule.target.toDestination.ports || rule.target.toDestination.firstAddress === undefined || (rule.target.toDestination.lastAddress !== undefined && rule.target.toDestination.lastAddress !== rule.target.toDestination.firstAddress))) return unknown('a DNAT range');
      ns.nat.PREROUTING.push(rule);
      return { status: 0 };
    }
    return unknown(`nat ${op.chain} ${target ?? ''}`);
  }
}

function isFilterChain(chain: string): chain is 'INPUT' | 'FORWARD' | 'OUTPUT' {
  return chain === 'INPUT' || chain === 'FORWARD' || chain === 'OUTPUT';
}

function newNamespace(name: string): ModelNamespace {
  const lo = newDevice(name, 'lo', 'loopback');
  lo.addresses.push({ address: 0x7f000001, prefixLength: 8, secondary: false });
  return {
    name,
    devices: [lo],
    routes: [],
    forwarding: false,
    filter: { INPUT: [], FORWARD: [], OUTPUT: [] },
    policy: { INPUT: 'ACCEPT', FORWARD: 'ACCEPT', OUTPUT: 'ACCEPT' },
    nat: { PREROUTING: [], POSTROUTING: [] },
    conntrack: false,
    listeners: new Map(),
  };
}

function newDevice(ns: string, name: string, kind: ModelDevice['kind']): ModelDevice {
  return { ns, name, kind, up: false, peer: undefined, master: undefined, ports: [], everHadPort: false, addresses: [] };
}

/**
 * fib_table_insert() on one prefix's aliases: before the first alias of a higher metric; an `add` of an existing
 * prefix and metric fails (EEXIST), an `append` goes after the aliases of the same metric. Returns false on EEXIST.
 */
function insertRoute(ns: ModelNamespace, route: ModelRoute, mode: 'add' | 'append'): boolean {
  const same = (r: ModelRoute): boolean => r.destination === route.destination && r.prefixLength === route.prefixLength;
  const aliases = ns.routes.map((r, i) => ({ r, i })).filter((x) => same(x.r));
  const equal = aliases.filter((x) => x.r.metric === route.metric);
  if (equal.length > 0 && mode === 'add') return false;
  if (equal.length > 0 && equal.some((x) => x.r.device === route.device && x.r.gateway === route.gateway && x.r.scope === route.scope)) return false;
  const after = equal.at(-1) ?? aliases.filter((x) => x.r.metric < route.metric).at(-1);
  const before = aliases.find((x) => x.r.metric > route.metric);
  const at = after ? after.i + 1 : before ? before.i : ns.routes.length;
  ns.routes.splice(at, 0, route);
  return true;
}

/** Whether `address` lies in `cidr` (a rule's `-s`/`-d`). */
export function matchesCidr(cidr: Ipv4Cidr, address: Ipv4Address): boolean {
  return ((address ^ cidr.address) & prefixMask(cidr.prefixLength)) >>> 0 === 0;
}

/** A device a scenario takes down at some point (its entries, its peer's carrier, its routes go). */
export interface DownEvent {
  readonly ns: string;
  readonly device: string;
}

/** Commands that make traffic (as the kernel adapter counts them: kernel-adapter/replay-exec.ts). */
const TRAFFIC = new Set<Command['kind']>(['ping', 'nc', 'send', 'curl', 'httpd', 'sleep']);

/**
 * The model of a script scenario's configuration at its end, the devices it ever took down, and the devices that
 * were up without carrier while traffic ran (their packets, ARP requests included, never reach the wire).
 */
export function finalModel(statements: readonly { readonly pipelines: readonly { readonly commands: readonly Command[] }[]; readonly background: boolean }[]): { model: NetModel; downs: DownEvent[]; carrierless: Set<string> } {
  const model = new NetModel();
  const downs: DownEvent[] = [];
  const carrierless = new Set<string>();
  const noteCarrierless = (): void => {
    for (const ns of model.namespaces.values()) for (const d of ns.devices) if (d.up && d.kind !== 'loopback' && !carrierOf(d)) carrierless.add(`${ns.name}:${d.name}`);
  };
  for (const s of statements) {
    for (const p of s.pipelines) {
      for (const c of p.commands) {
        if (TRAFFIC.has(c.kind) || s.background) noteCarrierless();
        if (c.kind === 'link.set' && c.up === false) downs.push({ ns: c.namespace ?? '', device: c.device });
        if (c.kind === 'link.del' || c.kind === 'netns.del' || (c.kind === 'link.set' && c.netns !== undefined)) downs.push({ ns: c.namespace ?? '', device: c.kind === 'netns.del' ? '*' : c.device });
        model.apply({ ...c, background: s.background });
      }
    }
  }
  noteCarrierless();
  return { model, downs, carrierless };
}

/** Carrier as core/properties/walk.ts computes it (a veth with both ends up; a bridge with a port that has it). */
function carrierOf(dev: ModelDevice): boolean {
  if (dev.kind === 'bridge') return dev.up && (!dev.everHadPort || dev.ports.some((p) => p.up && carrierOf(p)));
  return dev.up && (dev.peer?.up ?? false);
}
