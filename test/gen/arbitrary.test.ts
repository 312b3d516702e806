import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KERNEL_GEN_OPTIONS, scenarioArbitrary } from '../../core/gen/arbitrary.ts';
import type { GenScenario } from '../../core/gen/model.ts';
import { planText, resolvePlan } from '../../core/gen/plan.ts';
import { parseIpv4, isDocumentationIpv4 } from '../../core/ipv4.ts';
import { parseScenario, type Command } from '../../core/scenario/index.ts';
import { replayRefusals } from '../../kernel-adapter/replay-refusals.ts';
import { simulate } from '../../sim/runner.ts';

/**
 * The generators (issue 6): every scenario they draw is a plain script both engines accept unchanged, uses only
 * what this machine's kernel has (veth, bridges; no dummy, no netem) and only addresses of its own namespaces
 * (10.0.0.0/8) or documentation addresses nobody owns, and for the kernel waits about 2 s at most.
 */

const EMPTY: GenScenario = { namespaces: 1, overlapping: false, backbone: false, loUp: [], forwarding: [], bridges: [], links: [], routes: [], policies: [], filter: [], nat: [], events: [] };

function commandsOf(text: string): Command[] {
  const parsed = parseScenario(text, { file: 'generated.sh', form: 'script' });
  if (!parsed.ok) throw new Error(`${JSON.stringify(parsed.error)}\n${text}`);
  if (parsed.value.form !== 'script') throw new Error('not a script');
  return parsed.value.statements.flatMap((s) => s.pipelines.flatMap((p) => p.commands));
}

describe('scenario generators', () => {
  it('draw scripts that parse, on veth and bridges only, with private or documentation addresses', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ maxNamespaces: 6 }), (g) => {
        const commands = commandsOf(g.text);
        for (const c of commands) {
          if (c.kind === 'link.add') expect(['veth', 'bridge']).toContain(c.linkType);
          expect(c.kind).not.toMatch(/^tc\./);
          for (const word of c.argv) {
            const address = parseIpv4(word.replace(/\/\d+$/, '').replace(/:\d+$/, ''));
            if (!address.ok) continue;
            const a = address.value;
            expect(a >>> 24 === 10 || isDocumentationIpv4(a), `${word} in ${c.text}`).toBe(true);
          }
          if (c.kind === 'link.add') expect(c.name.length).toBeLessThanOrEqual(15);
        }
        // Every namespace a command runs in was added before (or is the global one).
        const added = new Set(commands.flatMap((c) => (c.kind === 'netns.add' ? [c.name] : [])));
        for (const c of commands) if (c.namespace !== undefined) expect(added.has(c.namespace)).toBe(true);
      }),
      { numRuns: 300, seed: 61 },
    );
  });

  it('draw scenarios the kernel adapter takes, within the time a CI kernel run may wait', () => {
    fc.assert(
      fc.property(scenarioArbitrary(KERNEL_GEN_OPTIONS), (g) => {
        const parsed = parseScenario(g.text, { file: 'generated.sh', form: 'script' });
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(replayRefusals([parsed.value])).toEqual([]);
        // Probes and sleeps within the budget, plus the listeners' start and a background ping's drain.
        expect(g.plan.seconds).toBeLessThanOrEqual(KERNEL_GEN_OPTIONS.maxSeconds! + 1.3);
        // No bridge without a port: its MAC would be the kernel's random one.
        for (const c of commandsOf(g.text)) if (c.kind === 'link.add' && c.linkType === 'bridge') expect(g.text).toContain(`master ${c.name}`);
      }),
      { numRuns: 300, seed: 62 },
    );
  });

  it('run on the simulator without a command it refuses to parse or run', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ maxNamespaces: 5 }), (g) => {
        const parsed = parseScenario(g.text, { file: 'generated.sh', form: 'script' });
        if (!parsed.ok) throw new Error('parse');
        const result = simulate(parsed.value);
        for (const e of result.transcript) expect(e.output.map((o) => o.text).join(''), e.command).not.toMatch(/not modelled|unsupported|unknown (option|keyword)/i);
      }),
      { numRuns: 100, seed: 63 },
    );
  });

  it('reach 50 namespaces when asked', () => {
    const [g] = fc.sample(scenarioArbitrary({ minNamespaces: 50, maxNamespaces: 50 }), { numRuns: 1, seed: 64 });
    expect(g!.plan.namespaces).toHaveLength(50);
    expect(commandsOf(g!.text).filter((c) => c.kind === 'netns.add')).toHaveLength(49);
  });

  it('shrink toward nothing: the empty model is an empty script, one link is a few lines', () => {
    expect(planText(resolvePlan(EMPTY))).toBe('\n');
    const oneLink = resolvePlan({ ...EMPTY, links: [{ kind: 'pair', a: 0, b: 0, upA: true, upB: false, addrA: true, addrB: false, subnet: 0, width: 0 }] });
    expect(oneLink.lines).toEqual(['ip link add v0a type veth peer name v0b', 'ip addr add 10.1.0.1/24 dev v0a', 'ip link set v0a up']);
  });

  it('build a veth across namespaces from the lower-numbered one (the global namespace cannot be named from another)', () => {
    const plan = resolvePlan({ ...EMPTY, namespaces: 3, links: [{ kind: 'pair', a: 2, b: 0, upA: false, upB: false, addrA: false, addrB: false, subnet: 0, width: 0 }] });
    expect(plan.lines).toEqual(['ip netns add n1', 'ip netns add n2', 'ip link add v0b type veth peer name v0a netns n2']);
  });

  it('overlap subnets deliberately, or keep them apart', () => {
    const pair = (subnet: number) => ({ kind: 'pair' as const, a: 0, b: 0, upA: false, upB: false, addrA: true, addrB: false, subnet, width: 0 as const });
    const links = [pair(3), pair(5)];
    const apart = resolvePlan({ ...EMPTY, links });
    expect(apart.lines.filter((l) => l.includes('addr add'))).toEqual(['ip addr add 10.1.0.1/24 dev v0a', 'ip addr add 10.2.0.1/24 dev v1a']);
    const together = resolvePlan({ ...EMPTY, overlapping: true, links });
    expect(together.lines.filter((l) => l.includes('addr add'))).toEqual(['ip addr add 10.2.0.1/24 dev v0a', 'ip addr add 10.2.0.1/24 dev v1a']);
  });
});
