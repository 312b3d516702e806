import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperties, observe, parseScenario, resolvePlan, scenarioArbitrary, type GenScenario } from '../../index.ts';

/**
 * The library's property-testing API (DESIGN.md §6 "the fast-check arbitraries of the differential work"), used
 * as a user would: draw scenarios, run them on the simulator with every device captured, judge them.
 */
describe('property testing through index.ts', () => {
  it('a user-written property: every generated network passes twinnet\'s properties', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ maxNamespaces: 3 }), (g) => {
        const parsed = parseScenario(g.text, { file: 'g.sh', form: 'script' });
        if (!parsed.ok) return false;
        const obs = observe(parsed.value, { conservation: true });
        return checkProperties(parsed.value, obs, { conservation: obs.conservation }).every((r) => r.violations.length === 0);
      }),
      { numRuns: 40, seed: 0x6f0331 },
    );
  });

  it('a property that fails is caught: the oracle is not a rubber stamp', () => {
    // Two namespaces on one link; the probe to the far end gets through. Claim the opposite by dropping it with
    // a rule the run does not have: the reachability oracle, judging the real run, must flag the pretend result.
    const model: GenScenario = {
      namespaces: 2, overlapping: false, backbone: false, loUp: [0, 1], forwarding: [], bridges: [],
      links: [{ kind: 'pair', a: 0, b: 1, upA: true, upB: true, addrA: true, addrB: true, subnet: 0, width: 0 }],
      routes: [], policies: [], filter: [], nat: [],
      events: [{ kind: 'probe', proto: 'icmp', from: 0, to: 1, anywhere: false }],
    };
    const text = `${resolvePlan(model).lines.join('\n')}\n`;
    const parsed = parseScenario(text, { file: 'g.sh', form: 'script' });
    if (!parsed.ok) throw new Error('parse');
    const obs = observe(parsed.value);
    const [reach] = checkProperties(parsed.value, obs);
    expect(reach!.checked).toBe(1);
    expect(reach!.violations).toEqual([]);
    // The same observation, with the probe's exit status flipped: now a violation.
    const flipped = { ...obs, transcript: obs.transcript.map((e) => (e.command.startsWith('ping') ? { ...e, status: 1 } : e)) };
    const [again] = checkProperties(parsed.value, flipped);
    expect(again!.violations.join('\n')).toMatch(/the oracle says it gets through .*but it did not/);
  });
});
