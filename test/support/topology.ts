import fc from 'fast-check';

/**
 * Random small networks as twinnet scenario scripts, for property tests: a few namespaces joined by veth pairs,
 * some through a bridge; an address on every end that is not a bridge port; sometimes a default route through a
 * neighbour; forwarding on or off per namespace; some links left down; then pings between them (some in the
 * background) and links taken down and up while they run. Every line is one
 * the scenario language accepts, so a run exercises the data path, not the parser's errors.
 */

/** A point-to-point veth pair between two namespaces (possibly the same one). */
export interface PairLink {
  readonly kind: 'pair';
  readonly a: number;
  readonly b: number;
  /** Whether each end is brought up. */
  readonly upA: boolean;
  readonly upB: boolean;
}

/** A namespace attached to a bridge: a veth whose inner end is in `member` and whose outer end is a port of the bridge. */
export interface PortLink {
  readonly kind: 'port';
  readonly bridge: number;
  readonly member: number;
  readonly up: boolean;
}

export interface Topology {
  readonly namespaces: number;
  /** Which namespace each bridge lives in, and whether the bridge itself has an address. */
  readonly bridges: readonly { readonly home: number; readonly addressed: boolean; readonly up: boolean }[];
  readonly links: readonly (PairLink | PortLink)[];
  /** ip_forward per namespace. */
  readonly forwarding: readonly boolean[];
  /** For some namespaces, a default route via the address of a neighbour (index into the gateways list). */
  readonly defaults: readonly (number | undefined)[];
  /** Pings (some in the background) and, between them, links taken down and sometimes up again. */
  readonly events: readonly (
    | { readonly kind: 'ping'; readonly from: number; readonly to: number; readonly count: number; readonly background: boolean }
    | { readonly kind: 'flap'; readonly link: number; readonly end: 0 | 1; readonly back: boolean; readonly after: number }
  )[];
}

const ns = (i: number): string => `n${i}`;

/** The addresses a topology assigns, and where: `ip addr add` lines and the candidate ping targets. */
interface Addressing {
  readonly lines: string[];
  /** Every address on an end, with the namespace it lives in. */
  readonly hosts: { readonly ns: number; readonly address: string }[];
}

function addressing(t: Topology): Addressing {
  const lines: string[] = [];
  const hosts: { ns: number; address: string }[] = [];
  t.links.forEach((link, i) => {
    if (link.kind === 'pair') {
      lines.push(`ip netns exec ${ns(link.a)} ip addr add 10.1.${i}.1/24 dev p${i}a`);
      lines.push(`ip netns exec ${ns(link.b)} ip addr add 10.1.${i}.2/24 dev p${i}b`);
      hosts.push({ ns: link.a, address: `10.1.${i}.1` }, { ns: link.b, address: `10.1.${i}.2` });
    } else {
      lines.push(`ip netns exec ${ns(link.member)} ip addr add 10.2.${link.bridge}.${10 + i}/24 dev m${i}`);
      hosts.push({ ns: link.member, address: `10.2.${link.bridge}.${10 + i}` });
    }
  });
  t.bridges.forEach((b, i) => {
    if (!b.addressed) return;
    lines.push(`ip netns exec ${ns(b.home)} ip addr add 10.2.${i}.1/24 dev br${i}`);
    hosts.push({ ns: b.home, address: `10.2.${i}.1` });
  });
  return { lines, hosts };
}

/** The scenario script of a topology: setup, then the pings. */
export function topologyScript(t: Topology): string {
  const lines: string[] = [];
  for (let i = 0; i < t.namespaces; i++) {
    lines.push(`ip netns add ${ns(i)}`);
    lines.push(`ip netns exec ${ns(i)} ip link set lo up`);
    lines.push(`ip netns exec ${ns(i)} sysctl -qw net.ipv4.ip_forward=${t.forwarding[i] ? 1 : 0}`);
  }
  t.bridges.forEach((b, i) => lines.push(`ip netns exec ${ns(b.home)} ip link add br${i} type bridge`));
  const ups: string[] = [];
  t.links.forEach((link, i) => {
    if (link.kind === 'pair') {
      lines.push(`ip netns exec ${ns(link.a)} ip link add p${i}a type veth peer name p${i}b netns ${ns(link.b)}`);
      if (link.upA) ups.push(`ip netns exec ${ns(link.a)} ip link set p${i}a up`);
      if (link.upB) ups.push(`ip netns exec ${ns(link.b)} ip link set p${i}b up`);
    } else {
      const home = t.bridges[link.bridge]!.home;
      lines.push(`ip netns exec ${ns(home)} ip link add q${i} type veth peer name m${i} netns ${ns(link.member)}`);
      lines.push(`ip netns exec ${ns(home)} ip link set q${i} master br${link.bridge}`);
      ups.push(`ip netns exec ${ns(home)} ip link set q${i} up`);
      if (link.up) ups.push(`ip netns exec ${ns(link.member)} ip link set m${i} up`);
    }
  });
  const { lines: addrs, hosts } = addressing(t);
  lines.push(...addrs, ...ups);
  t.bridges.forEach((b, i) => {
    if (b.up) lines.push(`ip netns exec ${ns(b.home)} ip link set br${i} up`);
  });
  const subnet = (address: string): string => address.split('.').slice(0, 3).join('.');
  t.defaults.forEach((g, i) => {
    // A gateway on one of this namespace's own subnets (others fail with "Nexthop has invalid gateway").
    const mine = new Set(hosts.filter((h) => h.ns === i).map((h) => subnet(h.address)));
    const gateways = hosts.filter((h) => h.ns !== i && mine.has(subnet(h.address)));
    if (g === undefined || gateways.length === 0) return;
    lines.push(`ip netns exec ${ns(i)} ip route add default via ${gateways[g % gateways.length]!.address}`);
  });
  const targets = [...hosts.map((h) => h.address), '10.1.0.99', '10.2.0.99', '192.0.2.1'];
  for (const e of t.events) {
    if (e.kind === 'ping') {
      const to = targets[e.to % targets.length]!;
      lines.push(`ip netns exec ${ns(e.from % t.namespaces)} ping -c ${e.count} -i 0.3 -W 1 ${to}${e.background ? ' &' : ''}`);
      continue;
    }
    const link = t.links[e.link % t.links.length]!;
    const i = t.links.indexOf(link);
    const [where, device] = link.kind === 'pair' ? (e.end === 0 ? [link.a, `p${i}a`] : [link.b, `p${i}b`]) : e.end === 0 ? [t.bridges[link.bridge]!.home, `q${i}`] : [link.member, `m${i}`];
    lines.push(`ip netns exec ${ns(where)} ip link set ${device} down`);
    if (e.back) lines.push(`sleep ${e.after / 10}`, `ip netns exec ${ns(where)} ip link set ${device} up`);
  }
  return `${lines.join('\n')}\n`;
}

/** fast-check arbitrary of small topologies (2-4 namespaces, up to 5 links, up to 2 bridges, up to 6 pings and flaps). */
export function topologyArbitrary(): fc.Arbitrary<Topology> {
  return fc.integer({ min: 2, max: 4 }).chain((namespaces) => {
    const nsIndex = fc.integer({ min: 0, max: namespaces - 1 });
    return fc
      .array(fc.record({ home: nsIndex, addressed: fc.boolean(), up: fc.oneof(fc.constant(true), fc.boolean()) }), { minLength: 0, maxLength: 2 })
      .chain((bridges) => {
        const pair = fc.record({ kind: fc.constant('pair' as const), a: nsIndex, b: nsIndex, upA: fc.oneof(fc.constant(true), fc.boolean()), upB: fc.oneof(fc.constant(true), fc.boolean()) });
        const port = fc.record({ kind: fc.constant('port' as const), bridge: fc.integer({ min: 0, max: Math.max(0, bridges.length - 1) }), member: nsIndex, up: fc.oneof(fc.constant(true), fc.boolean()) });
        const link: fc.Arbitrary<PairLink | PortLink> = bridges.length === 0 ? pair : fc.oneof(pair, port);
        return fc.record({
          namespaces: fc.constant(namespaces),
          bridges: fc.constant(bridges),
          links: fc.array(link, { minLength: 1, maxLength: 5 }),
          forwarding: fc.array(fc.boolean(), { minLength: namespaces, maxLength: namespaces }),
          defaults: fc.array(fc.option(fc.nat(20), { nil: undefined }), { minLength: namespaces, maxLength: namespaces }),
          events: fc.array(
            fc.oneof(
              { weight: 3, arbitrary: fc.record({ kind: fc.constant('ping' as const), from: fc.nat(10), to: fc.nat(30), count: fc.integer({ min: 1, max: 3 }), background: fc.boolean() }) },
              { weight: 1, arbitrary: fc.record({ kind: fc.constant('flap' as const), link: fc.nat(10), end: fc.constantFrom(0 as const, 1 as const), back: fc.boolean(), after: fc.integer({ min: 0, max: 20 }) }) },
            ),
            { minLength: 1, maxLength: 6 },
          ),
        });
      });
  });
}
