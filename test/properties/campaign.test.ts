import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { campaignArbitrary, runCampaign, simAgainstSim } from '../../cli/fuzz.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import type { ProbeOutcome } from '../../core/properties/index.ts';

/**
 * The simulator's campaign (issue 6): generated scenarios through the simulator, every property judged on each
 * (reachability against the graph oracle, neighbours, TTL, NAT, frame conservation). It must pass, and must
 * have judged enough to mean something: probes that get through and probes that do not, over ICMP, UDP and TCP.
 */

describe('the simulator campaign', () => {
  it('200 generated scenarios: every property holds, on a fair share of judged claims', async () => {
    const verdicts = new Map<string, number>();
    const perProperty = new Map<string, number>();
    let judged = 0;
    let unjudged = 0;
    const result = await runCampaign({
      runs: 200,
      seed: 0x6f0221,
      onCase: (_text, r) => {
        for (const p of r.properties) {
          judged += p.checked;
          unjudged += p.unjudged;
          perProperty.set(p.name, (perProperty.get(p.name) ?? 0) + p.checked);
          const probes = (p as { probes?: readonly ProbeOutcome[] }).probes ?? [];
          for (const probe of probes) if (probe.verdict.verdict !== 'unknown') verdicts.set(`${probe.proto} ${probe.verdict.verdict}`, (verdicts.get(`${probe.proto} ${probe.verdict.verdict}`) ?? 0) + 1);
        }
      },
    });
    expect(result.failed, result.counterexample ? `${result.counterexample.text}\n${result.counterexample.result.report}` : '').toBe(false);
    expect(result.runs).toBe(200);
    for (const key of ['icmp yes', 'icmp no', 'udp yes', 'udp no', 'tcp yes', 'tcp no']) expect(verdicts.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    expect(unjudged).toBeLessThan(judged / 10);
    // Every property judged something: neighbour entries, forwarded TTLs, translations, every run's frames.
    expect(perProperty.get('neighbours') ?? 0).toBeGreaterThan(200);
    expect(perProperty.get('TTL') ?? 0).toBeGreaterThan(20);
    expect(perProperty.get('NAT') ?? 0).toBeGreaterThan(0);
    expect(perProperty.get('frame conservation')).toBe(200);
  }, 120_000);

  it('scales to 50 namespaces: 30 scenarios of 45–50 namespaces pass every property', async () => {
    let namespaces = 0;
    const result = await runCampaign({
      runs: 30,
      seed: 0x6f0250,
      gen: { minNamespaces: 45, maxNamespaces: 50, maxLinks: 100, maxRoutes: 50, maxEvents: 12 },
      onCase: (text) => {
        namespaces = Math.max(namespaces, 1 + (text.match(/^ip netns add /gm) ?? []).length);
      },
    });
    expect(result.failed, result.counterexample?.result.report).toBe(false);
    expect(namespaces).toBe(50);
  }, 60_000);

  it('compares two clean simulator runs as equal (the planted-fault oracle is not noisy)', () => {
    for (const g of fc.sample(campaignArbitrary({}), { numRuns: 60, seed: 0x6f0222 })) {
      const parsed = parseScenario(g.text, { file: 'g.sh', form: 'script' });
      if (!parsed.ok) throw new Error('parse');
      expect(simAgainstSim(parsed.value, { faults: {} }).report.divergences, g.text).toBe(0);
    }
  });
});

describe('planted faults (sim/faults.ts) are found and shrunk', () => {
  it('the route tie order flipped: found, and shrunk to a scenario of at most 8 lines', async () => {
    const result = await runCampaign({ runs: 200, seed: 5, fault: 'route-tie-last' });
    expect(result.failed).toBe(true);
    const lines = result.counterexample!.text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.length, result.counterexample!.text).toBeLessThanOrEqual(8);
    expect(result.counterexample!.result.reasons.join('\n')).toMatch(/divergence/);
    expect(result.path).toMatch(/^\d+(:\d+)*$/);
    // The printed seed and path run that very case again.
    const again = await runCampaign({ runs: 200, seed: 5, fault: 'route-tie-last', replayPath: result.path! });
    expect(again.counterexample?.text).toBe(result.counterexample!.text);
  }, 60_000);

  it('the ARP re-probe dropped: found (a neighbour left to fail in PROBE) and shrunk to a dozen lines', async () => {
    const result = await runCampaign({ runs: 300, seed: 2, fault: 'drop-arp-reprobe' });
    expect(result.failed).toBe(true);
    const text = result.counterexample!.text;
    expect(text).toMatch(/^sleep (30|45)$/m);
    expect(text.trim().split('\n').length, text).toBeLessThanOrEqual(12);
    expect(result.counterexample!.result.report).toMatch(/REACHABLE|PROBE|FAILED|Request who-has/);
  }, 60_000);

  it('without a planted fault, the same campaigns find nothing', async () => {
    expect((await runCampaign({ runs: 200, seed: 5 })).failed).toBe(false);
  }, 60_000);
});
