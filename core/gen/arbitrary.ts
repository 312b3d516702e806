/**
 * fast-check arbitraries of valid scenarios (issue 6, DESIGN.md §6 "The fast-check arbitraries of the differential
 * work"): namespaces, veth pairs, bridges with ports, address plans (disjoint or deliberately overlapping), routes
 * (default, static, to unreachable or invalid gateways, with metrics), forwarding, iptables filter and nat rules,
 * and traffic (reachability probes over ICMP, UDP and TCP, pings, crafted `send` probes with TTL 1, closed ports,
 * odd TCP flags and IP options, sleeps, link flaps, show commands). Each draws a raw model (core/gen/model.ts)
 * whose parts shrink independently; `scenarioArbitrary` resolves it into a plan and its script text.
 */
import fc from 'fast-check';
import type { GenBridge, GenEvent, GenFilterRule, GenNatRule, GenOptions, GenPairLink, GenPolicy, GenPortLink, GenRoute, GenScenario } from './model.ts';
import { planText, resolvePlan, type Plan } from './plan.ts';

/** A generated scenario: the raw model, its plan, and the script text both engines run. */
export interface GeneratedScenario {
  readonly model: GenScenario;
  readonly plan: Plan;
  readonly text: string;
}

const raw = fc.nat({ max: 1 << 16 });
/** A namespace index that is often 0: the backbone's hub, where most traffic is forwarded (rules there matter). */
const hubOrAny = fc.oneof(fc.constant(0), raw);
const often = (p: fc.Arbitrary<boolean>): fc.Arbitrary<boolean> => fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: p });

/** The raw model of a scenario (see core/gen/model.ts); `scenarioArbitrary` resolves it. */
export function genScenarioArbitrary(options: GenOptions = {}): fc.Arbitrary<GenScenario> {
  const maxNs = Math.max(1, options.maxNamespaces ?? 4);
  const minNs = Math.min(maxNs, Math.max(1, options.minNamespaces ?? 1));
  const maxLinks = options.maxLinks ?? Math.max(4, 2 * maxNs);
  const maxBridges = options.maxBridges ?? 2;
  const maxEvents = options.maxEvents ?? 8;
  const overlapping =
    options.addressPlan === 'disjoint' ? fc.constant(false) : options.addressPlan === 'overlapping' ? fc.constant(true) : fc.boolean();
  const pair: fc.Arbitrary<GenPairLink> = fc.record({
    kind: fc.constant('pair' as const),
    a: raw,
    b: raw,
    upA: often(fc.boolean()),
    upB: often(fc.boolean()),
    addrA: often(fc.boolean()),
    addrB: often(fc.boolean()),
    subnet: raw,
    width: fc.constantFrom(0 as const, 0 as const, 0 as const, 1 as const, 2 as const),
  });
  const port: fc.Arbitrary<GenPortLink> = fc.record({
    kind: fc.constant('port' as const),
    bridge: raw,
    member: raw,
    portUp: often(fc.boolean()),
    memberUp: often(fc.boolean()),
    addr: often(fc.boolean()),
  });
  const bridge: fc.Arbitrary<GenBridge> = fc.record({ home: raw, up: often(fc.boolean()), addressed: fc.boolean(), subnet: raw });
  const route: fc.Arbitrary<GenRoute> = fc.record({
    ns: raw,
    dest: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'default' as const }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('subnet' as const), subnet: raw }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('host' as const), target: raw }) },
    ),
    via: raw,
    far: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    metric: fc.constantFrom(0 as const, 0 as const, 100 as const),
  });
  const chain = fc.constantFrom('INPUT' as const, 'FORWARD' as const, 'OUTPUT' as const);
  const ref = fc.option(fc.record({ target: raw, host: fc.boolean() }), { nil: undefined, freq: 2 });
  const filterRule: fc.Arbitrary<GenFilterRule> = fc.record({
    ns: hubOrAny,
    chain,
    proto: fc.constantFrom(undefined, 'icmp' as const, 'udp' as const, 'tcp' as const),
    src: ref,
    dst: ref,
    inIface: fc.option(raw, { nil: undefined, freq: 3 }),
    outIface: fc.option(raw, { nil: undefined, freq: 3 }),
    dport: fc.option(raw, { nil: undefined, freq: 2 }),
    state: fc.constantFrom(undefined, undefined, 'NEW' as const, 'ESTABLISHED,RELATED' as const),
    target: fc.constantFrom('ACCEPT' as const, 'DROP' as const, 'DROP' as const, 'REJECT' as const),
  });
  const policy: fc.Arbitrary<GenPolicy> = fc.record({ ns: raw, chain });
  const natRule: fc.Arbitrary<GenNatRule> = fc.oneof(
    fc.record({ kind: fc.constant('masquerade' as const), ns: hubOrAny, outIface: raw, src: fc.option(raw, { nil: undefined }) }),
    fc.record({ kind: fc.constant('snat' as const), ns: hubOrAny, outIface: raw }),
    fc.record({ kind: fc.constant('dnat' as const), ns: hubOrAny, local: raw, proto: fc.constantFrom('udp' as const, 'tcp' as const), dport: raw, to: raw }),
  );
  const event: fc.Arbitrary<GenEvent> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('probe' as const), proto: fc.constantFrom('icmp' as const, 'icmp' as const, 'udp' as const, 'tcp' as const), from: raw, to: raw, anywhere: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('ping' as const), from: raw, to: raw, count: fc.constantFrom(1 as const, 2 as const, 3 as const), background: fc.boolean() }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('send' as const),
        from: raw,
        to: raw,
        proto: fc.constantFrom('icmp' as const, 'udp' as const, 'tcp' as const),
        ttl: fc.constantFrom(1 as const, 2 as const, 64 as const),
        flags: fc.constantFrom('' as const, 'S' as const, 'SA' as const, 'F' as const, 'SF' as const, 'R' as const, 'FPU' as const, 'A' as const),
        option: fc.constantFrom<'rr' | 'ra' | undefined>(undefined, undefined, ...(options.ipOptions ?? ['rr', 'ra'])),
      }),
    },
    // Mostly short sleeps; sometimes long enough for neighbour timers (reachable time 15–45 s, then DELAY and
    // PROBE): the kernel campaign's time budget leaves those out.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sleep' as const), tenths: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.constantFrom(300, 450) }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('flap' as const), link: raw, end: fc.constantFrom(0 as const, 1 as const), back: fc.boolean() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('show' as const),
        ns: raw,
        what: fc.constantFrom(...(options.shows ?? (['neigh', 'route', 'addr', 'iptables', 'conntrack', 'fdb'] as const))),
      }),
    },
  );
  return fc.record({
    namespaces: fc.integer({ min: minNs, max: maxNs }),
    overlapping,
    backbone: fc.boolean(),
    loUp: fc.array(raw, { maxLength: maxNs }),
    forwarding: fc.array(raw, { maxLength: maxNs }),
    bridges: fc.array(bridge, { maxLength: maxBridges }),
    links: fc.array(fc.oneof({ weight: 2, arbitrary: pair }, { weight: 1, arbitrary: port }), { minLength: 0, maxLength: maxLinks }),
    routes: fc.array(route, { maxLength: options.maxRoutes ?? Math.max(4, maxNs) }),
    policies: fc.array(policy, { maxLength: 1 }),
    filter: fc.array(filterRule, { maxLength: options.maxFilterRules ?? 4 }),
    nat: fc.array(natRule, { maxLength: options.maxNatRules ?? 2 }),
    events: fc.array(event, { minLength: 1, maxLength: maxEvents }),
  });
}

/** Resolves a raw model with the options it was drawn with. */
export function generatedScenario(model: GenScenario, options: GenOptions = {}): GeneratedScenario {
  const plan = resolvePlan(model, {
    ...(options.maxSeconds !== undefined ? { maxSeconds: options.maxSeconds } : {}),
    ...(options.portlessBridges !== undefined ? { portlessBridges: options.portlessBridges } : {}),
    ...(options.quietEnd !== undefined ? { quietEnd: options.quietEnd } : {}),
  });
  return { model, plan, text: planText(plan) };
}

/** Valid scenarios as script text with their model and plan (the arbitrary users and `twinnet fuzz` draw from). */
export function scenarioArbitrary(options: GenOptions = {}): fc.Arbitrary<GeneratedScenario> {
  return genScenarioArbitrary(options).map((model) => generatedScenario(model, options));
}

/**
 * Options for scenarios small and short enough for the real kernel in CI: a few namespaces, ~1–2 s of waiting.
 * `ip -br addr` stays out: the state column it prints lags a carrier change on the kernel (DESIGN.md §5
 * `linkwatch-delay`, which state dumps absorb but transcripts do not).
 */
export const KERNEL_GEN_OPTIONS: GenOptions = { maxNamespaces: 3, maxLinks: 4, maxBridges: 1, maxEvents: 5, maxRoutes: 3, maxFilterRules: 2, maxNatRules: 1, maxSeconds: 2, portlessBridges: false, quietEnd: true, shows: ['neigh', 'route', 'iptables', 'conntrack', 'fdb'] };
