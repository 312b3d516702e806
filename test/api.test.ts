import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Network, parseScenario, SECOND, simulate, type RunResult, type Scenario } from '../index.ts';

/**
 * The library API of DESIGN.md §6, used the way a user's property test would use it: only through the package
 * entry point (index.ts), building networks with `Network.exec`, asking `namespace().routeLookup()`, and running
 * whole scenarios with `parseScenario` + `simulate`.
 *
 * The property: a namespace C whose default route goes via a gateway G it can reach, with forwarding on in G,
 * reaches every address G can reach, provided the far namespaces route back through G.
 */

/** A gateway with `far.length` far namespaces behind it; each far link may be down; G may hold extra addresses. */
interface Layout {
  readonly far: readonly { readonly prefix: 24 | 16 | 30; readonly up: boolean; readonly extra: boolean }[];
  readonly gatewayLoopback: boolean;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  far: fc.array(fc.record({ prefix: fc.constantFrom(24 as const, 16 as const, 30 as const), up: fc.oneof(fc.constant(true), fc.boolean()), extra: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  gatewayLoopback: fc.boolean(),
});

/** The far side of link i: G's address and the far namespace's, on 10.(10+i).0.0/prefix. */
const farAddresses = (i: number) => ({ gateway: `10.${10 + i}.0.1`, far: `10.${10 + i}.0.2` });

function setup(l: Layout, forwarding: boolean): string[] {
  const lines = [
    'ip netns add C',
    'ip netns add G',
    `ip netns exec G sysctl -qw net.ipv4.ip_forward=${forwarding ? 1 : 0}`,
    'ip link add eth0 netns C type veth peer name c0 netns G',
    'ip netns exec C ip addr add 10.0.0.2/24 dev eth0',
    'ip netns exec G ip addr add 10.0.0.1/24 dev c0',
    'ip netns exec C ip link set eth0 up',
    'ip netns exec C ip link set lo up',
    'ip netns exec G ip link set c0 up',
    'ip netns exec C ip route add default via 10.0.0.1',
  ];
  if (l.gatewayLoopback) lines.push('ip netns exec G ip link set lo up', 'ip netns exec G ip addr add 192.0.2.1/32 dev lo');
  l.far.forEach((f, i) => {
    const { gateway, far } = farAddresses(i);
    lines.push(
      `ip netns add F${i}`,
      `ip link add eth0 netns F${i} type veth peer name f${i} netns G`,
      `ip netns exec F${i} ip addr add ${far}/${f.prefix} dev eth0`,
      `ip netns exec G ip addr add ${gateway}/${f.prefix} dev f${i}`,
      `ip netns exec F${i} ip link set eth0 up`,
    );
    if (f.up) lines.push(`ip netns exec G ip link set f${i} up`, `ip netns exec F${i} ip route add default via ${gateway}`);
    if (f.extra) lines.push(`ip netns exec F${i} ip link set lo up`, `ip netns exec F${i} ip addr add 198.51.100.${i + 1}/32 dev lo`);
  });
  return lines;
}

/** Every address in the layout: the ones G may or may not reach. */
function candidates(l: Layout): string[] {
  const all = ['10.0.0.1', '10.0.0.2'];
  if (l.gatewayLoopback) all.push('192.0.2.1');
  l.far.forEach((f, i) => {
    all.push(farAddresses(i).gateway, farAddresses(i).far);
    if (f.extra) all.push(`198.51.100.${i + 1}`);
  });
  return all;
}

const reaches = (net: Network, ns: string, address: string): boolean => net.exec(`ip netns exec ${ns} ping -c 1 -W 1 ${address}`).status === 0;

describe('the library API (index.ts)', () => {
  it('property: C, routed via a gateway it can reach, reaches every address the gateway can reach', () => {
    fc.assert(
      fc.property(layout, fc.integer({ min: 0, max: 0xffffffff }), (l, seed) => {
        const net = new Network({ seed });
        for (const line of setup(l, true)) expect(net.exec(line).status, line).toBe(0);
        const c = net.namespace('C')!;
        // The default route is what carries C's traffic, via G's near address.
        expect(c.routeLookup('10.0.0.1')).toMatchObject({ device: 'eth0', gateway: undefined, source: '10.0.0.2' });
        expect(reaches(net, 'C', '10.0.0.1')).toBe(true);
        for (const address of candidates(l)) {
          if (!reaches(net, 'G', address)) continue;
          const route = c.routeLookup(address);
          if (address !== '10.0.0.2' && !address.startsWith('10.0.0.')) expect(route).toEqual({ device: 'eth0', gateway: '10.0.0.1', source: '10.0.0.2', kind: 'unicast' });
          expect(reaches(net, 'C', address), `C → ${address}`).toBe(true);
        }
      }),
      { numRuns: 40, seed: 0xa91 },
    );
  });

  it('the property has teeth: with forwarding off in G, C loses the far addresses G still reaches', () => {
    const l: Layout = { far: [{ prefix: 24, up: true, extra: true }], gatewayLoopback: true };
    const net = new Network();
    for (const line of setup(l, false)) net.exec(line);
    expect(reaches(net, 'G', '10.10.0.2')).toBe(true);
    expect(reaches(net, 'C', '10.10.0.2')).toBe(false);
    // G's own addresses stay reachable: they are local to G, whichever interface holds them (arp_ignore 0).
    expect(reaches(net, 'C', '10.10.0.1')).toBe(true);
    expect(reaches(net, 'C', '192.0.2.1')).toBe(true);
    expect(net.namespace('C')!.routeLookup('203.0.113.9')).toEqual({ device: 'eth0', gateway: '10.0.0.1', source: '10.0.0.2', kind: 'unicast' });
    expect(net.namespace('F0')!.routeLookup('10.0.0.2')).toEqual({ device: 'eth0', gateway: '10.10.0.1', source: '10.10.0.2', kind: 'unicast' });
    expect(new Network().namespace('nope')).toBeUndefined();
  });

  it('parseScenario + simulate run the same network as a script, and report each ping’s status', () => {
    const l: Layout = { far: [{ prefix: 16, up: true, extra: false }, { prefix: 30, up: false, extra: false }], gatewayLoopback: false };
    const text = [...setup(l, true), 'ip netns exec C ping -c 2 10.10.0.2', 'ip netns exec C ping -c 1 -W 1 10.11.0.2', 'sleep 30', 'ip netns exec C ip neigh'].join('\n');
    const parsed = parseScenario(text, { file: 'layout.sh' });
    expect(parsed.ok).toBe(true);
    const scenario = (parsed as { ok: true; value: Scenario }).value;
    const result: RunResult = simulate(scenario, { seed: 5 });
    expect(result.exitStatus).toBe(0);
    const last = (cmd: string) => result.transcript.find((e) => e.command === cmd)!;
    expect(last('ip netns exec C ping -c 2 10.10.0.2').status).toBe(0);
    expect(last('ip netns exec C ping -c 1 -W 1 10.11.0.2').status).toBe(1);
    expect(last('ip netns exec C ip neigh').output.map((c) => c.text).join('')).toMatch(/^10\.0\.0\.1 dev eth0 lladdr [0-9a-f:]{17} (STALE|REACHABLE) \n$/);
    // The run is a function of scenario and seed.
    expect(JSON.stringify(simulate(scenario, { seed: 5 }).transcript)).toBe(JSON.stringify(result.transcript));
    // An error names file:line:column.
    const bad = parseScenario('ip link add veth1 type veth peer name', { file: 'bad.sh' });
    expect(bad.ok).toBe(false);
  });

  it('Network steps: exec, advanceBy, and the clock', () => {
    const net = new Network();
    // (`ip link add a …` would read `a` as `address`, as iproute2 does.)
    net.exec('ip link add va type veth peer name vb\nip addr add 10.5.0.1/24 dev va\nip link set va up\nip link set vb up');
    const before = net.now;
    net.advanceBy(2 * SECOND);
    expect(net.now - before).toBe(2 * SECOND);
    const failed = net.exec('ip link add va type veth peer name vc');
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toBe('RTNETLINK answers: File exists\n');
    expect(net.namespace()!.routeLookup('10.5.0.9')).toEqual({ device: 'va', gateway: undefined, source: '10.5.0.1', kind: 'unicast' });
    expect(net.namespace()!.routeLookup('192.0.2.7')).toEqual({ error: 'Network is unreachable' });
  });
});
