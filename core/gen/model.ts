/**
 * The raw model of a generated scenario (issue 6): what fast-check draws, before `resolvePlan()` (core/gen/plan.ts)
 * turns it into devices, addresses and command lines. References between parts are plain numbers taken modulo
 * the size of what they point into, so that every part shrinks on its own (fewer namespaces, fewer links, fewer
 * events) and the rest stays valid: the trick of fast-check's own `fc.commands` models.
 *
 * Namespace 0 is the scenario's global namespace (no `ip netns add`, no `ip netns exec` prefix); 1… are `n1`, ….
 */

/** A veth pair between two namespaces (possibly the same one), each end an L3 interface. */
export interface GenPairLink {
  readonly kind: 'pair';
  readonly a: number;
  readonly b: number;
  readonly upA: boolean;
  readonly upB: boolean;
  /** Whether each end gets an address (host .1 and .2 of the link's subnet). */
  readonly addrA: boolean;
  readonly addrB: boolean;
  /** The subnet index (modulo in an overlapping plan; ignored in a disjoint one, where the link's index is used). */
  readonly subnet: number;
  /** 0: /24, 1: /30, 2: /16 (the whole 10.x.0.0/16 the subnet lies in: overlaps its neighbours by containment). */
  readonly width: 0 | 1 | 2;
}

/** A namespace on a bridge: a veth whose outer end `qI` is a port of the bridge, inner end `mI` in `member`. */
export interface GenPortLink {
  readonly kind: 'port';
  readonly bridge: number;
  readonly member: number;
  /** Whether the port end (in the bridge's namespace) and the member end are brought up. */
  readonly portUp: boolean;
  readonly memberUp: boolean;
  readonly addr: boolean;
}

/** A bridge `brJ` in namespace `home`. */
export interface GenBridge {
  readonly home: number;
  readonly up: boolean;
  /** Whether the bridge device gets an address (host .1 of its subnet). */
  readonly addressed: boolean;
  readonly subnet: number;
}

/** `ip route add DEST via GW [metric M]` in namespace `ns`. */
export interface GenRoute {
  readonly ns: number;
  /** default, a subnet of the plan (`/24`), or one host (`/32`) of the address list. */
  readonly dest: { readonly kind: 'default' } | { readonly kind: 'subnet'; readonly subnet: number } | { readonly kind: 'host'; readonly target: number };
  /**
   * The gateway: with `far` false, an address (or an unused host) on one of the namespace's own subnets, so the
   * route is accepted; with `far` true, any address of the plan (often "Nexthop has invalid gateway").
   */
  readonly via: number;
  readonly far: boolean;
  readonly metric: 0 | 100;
}

/** An iptables filter rule: `-A CHAIN [-p P] [-s S] [-d D] [-i I] [-o O] [--dport N] [-m conntrack --ctstate X] -j T`. */
export interface GenFilterRule {
  readonly ns: number;
  readonly chain: 'INPUT' | 'FORWARD' | 'OUTPUT';
  readonly proto: 'icmp' | 'udp' | 'tcp' | undefined;
  /** An index into the plan's addresses; matched as the address's /24 or as the host. */
  readonly src: { readonly target: number; readonly host: boolean } | undefined;
  readonly dst: { readonly target: number; readonly host: boolean } | undefined;
  /** An index into the namespace's L3 interfaces. */
  readonly inIface: number | undefined;
  readonly outIface: number | undefined;
  /** For udp/tcp: match the destination port of the probe with this index (its port 5000 + index). */
  readonly dport: number | undefined;
  readonly state: 'NEW' | 'ESTABLISHED,RELATED' | undefined;
  readonly target: 'ACCEPT' | 'DROP' | 'REJECT';
}

/** A chain's policy set to DROP (`iptables -P CHAIN DROP`). */
export interface GenPolicy {
  readonly ns: number;
  readonly chain: 'INPUT' | 'FORWARD' | 'OUTPUT';
}

/** A nat rule: MASQUERADE or SNAT in POSTROUTING out of an interface, or DNAT in PREROUTING of a local address. */
export type GenNatRule =
  | { readonly kind: 'masquerade'; readonly ns: number; readonly outIface: number; readonly src: number | undefined }
  | { readonly kind: 'snat'; readonly ns: number; readonly outIface: number }
  /** DNAT of one of the namespace's addresses (index into them) for tcp or udp port `5000 + dport` to an address of the plan. */
  | { readonly kind: 'dnat'; readonly ns: number; readonly local: number; readonly proto: 'udp' | 'tcp'; readonly dport: number; readonly to: number };

/** A traffic event. Targets are indexes into the plan's target list (addresses, unused hosts, documentation addresses). */
export type GenEvent =
  /** A reachability probe whose outcome the oracle predicts: `ping -c 1 -W 1`, `nc -z -w 1` to a listener, a UDP datagram to a listener. */
  | { readonly kind: 'probe'; readonly proto: 'icmp' | 'udp' | 'tcp'; readonly from: number; readonly to: number; readonly anywhere: boolean }
  /** A ping of a few echoes, possibly in the background. */
  | { readonly kind: 'ping'; readonly from: number; readonly to: number; readonly count: 1 | 2 | 3; readonly background: boolean }
  /** A crafted probe: TTL 1 or 2, a closed port, odd TCP flags, IP options. */
  | {
      readonly kind: 'send';
      readonly from: number;
      readonly to: number;
      readonly proto: 'icmp' | 'udp' | 'tcp';
      readonly ttl: 1 | 2 | 64;
      readonly flags: 'S' | 'SA' | 'F' | 'SF' | 'R' | 'FPU' | 'A' | '';
      readonly option: 'rr' | 'ra' | undefined;
    }
  | { readonly kind: 'sleep'; readonly tenths: number }
  /** A link end taken down, and possibly up again at once. */
  | { readonly kind: 'flap'; readonly link: number; readonly end: 0 | 1; readonly back: boolean }
  /** A show command whose output both engines print (`ip neigh`, `ip route`, `conntrack -L` …). */
  | { readonly kind: 'show'; readonly ns: number; readonly what: 'neigh' | 'route' | 'addr' | 'iptables' | 'conntrack' | 'fdb' };

/** One generated scenario, raw (see the file comment). */
export interface GenScenario {
  /** How many namespaces (1 = the global one only). */
  readonly namespaces: number;
  /** Subnets drawn from a few so that they collide (else every link and bridge has its own). */
  readonly overlapping: boolean;
  /**
   * A star that joins every namespace to namespace 0 (`sI` links, 10.200+.x.0/24, forwarding on in 0, a default
   * route to it everywhere else), so that most probes have a way through and then meet routes and rules.
   */
  readonly backbone: boolean;
  /** Namespaces whose `lo` is brought up (indexes modulo `namespaces`). */
  readonly loUp: readonly number[];
  /** Namespaces with `net.ipv4.ip_forward=1`. */
  readonly forwarding: readonly number[];
  readonly bridges: readonly GenBridge[];
  readonly links: readonly (GenPairLink | GenPortLink)[];
  readonly routes: readonly GenRoute[];
  readonly policies: readonly GenPolicy[];
  readonly filter: readonly GenFilterRule[];
  readonly nat: readonly GenNatRule[];
  readonly events: readonly GenEvent[];
}

/** How scenarios are drawn (`scenarioArbitrary(options)`). */
export interface GenOptions {
  /** Most namespaces (default 4; the campaign goes to 50). */
  readonly maxNamespaces?: number;
  readonly minNamespaces?: number;
  /** Most links (default: twice the namespaces, at least 4). */
  readonly maxLinks?: number;
  /** Most bridges (default 2). */
  readonly maxBridges?: number;
  /** `disjoint`: every link its own subnet; `overlapping`: subnets drawn from a few, so they collide; `any` (default): either. */
  readonly addressPlan?: 'disjoint' | 'overlapping' | 'any';
  /** Most traffic events (default 8). */
  readonly maxEvents?: number;
  /** Most routes, filter rules, nat rules (defaults 4, 4, 2). */
  readonly maxRoutes?: number;
  readonly maxFilterRules?: number;
  readonly maxNatRules?: number;
  /**
   * For the real kernel: the traffic is cut so that the scenario waits at most this many seconds (probes that fail
   * wait 1 s, sleeps their time, pings their intervals). Default: no limit.
   */
  readonly maxSeconds?: number;
  /** Whether a bridge with no port is kept (default true; the kernel campaign leaves them out: their MAC is random). */
  readonly portlessBridges?: boolean;
  /** The IP options `send` probes may carry (default both record route and router alert). */
  readonly ipOptions?: readonly ('rr' | 'ra')[];
  /** End with `sleep 0.5` so that the last frames are not near the kernel's capture end (the kernel campaign). */
  readonly quietEnd?: boolean;
  /** The show commands traffic may include (default all). */
  readonly shows?: readonly ('neigh' | 'route' | 'addr' | 'iptables' | 'conntrack' | 'fdb')[];
}
