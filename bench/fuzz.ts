/**
 * Simulator scenarios per second in the fuzz campaign (issue 6): `npx tsx bench/fuzz.ts [N...]`.
 *
 * For N namespaces (5, 50 and 500 unless given): scenarios drawn by core/gen with exactly N namespaces (links,
 * routes, rules and traffic scaled with N), each run on the simulator with every device captured and judged by
 * every property (reachability, neighbours, TTL, NAT, frame conservation), as `twinnet fuzz` does. Prints
 * generated lines, frames and scenarios per second, run and judged separately. Nothing here asserts a timing.
 */
import fc from 'fast-check';
import { scenarioArbitrary } from '../core/gen/arbitrary.ts';
import { checkProperties } from '../core/properties/index.ts';
import { parseScenario, type Scenario } from '../core/scenario/index.ts';
import { observe } from '../sim/properties/observe.ts';

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [5, 50, 500];
/** About 5 s of work per size. */
const BUDGET_MS = 5_000;

for (const n of SIZES) {
  const options = { minNamespaces: n, maxNamespaces: n, maxLinks: 2 * n, maxRoutes: n, maxBridges: Math.max(2, Math.ceil(n / 25)), maxEvents: Math.max(8, Math.ceil(n / 5)) };
  let scenarios = 0;
  let lines = 0;
  let frames = 0;
  let runMs = 0;
  let judgeMs = 0;
  let seed = 1;
  const started = Date.now();
  while (Date.now() - started < BUDGET_MS || scenarios === 0) {
    const [g] = fc.sample(scenarioArbitrary(options), { numRuns: 1, seed: seed++ });
    const parsed = parseScenario(g!.text, { file: 'bench.sh', form: 'script' });
    if (!parsed.ok) throw new Error('a generated scenario does not parse');
    const scenario: Scenario = parsed.value;
    const t0 = performance.now();
    const obs = observe(scenario, { capture: 'all', conservation: true });
    const t1 = performance.now();
    checkProperties(scenario, obs, { conservation: obs.conservation });
    const t2 = performance.now();
    runMs += t1 - t0;
    judgeMs += t2 - t1;
    scenarios++;
    lines += g!.plan.lines.length;
    for (const list of obs.captures.values()) frames += list.length;
  }
  const total = (runMs + judgeMs) / 1000;
  process.stdout.write(
    `${String(n).padStart(4)} namespaces: ${scenarios} scenarios, ${(lines / scenarios).toFixed(0)} lines and ${(frames / scenarios).toFixed(0)} frames each; ` +
      `${(scenarios / total).toFixed(1)} scenarios/s (run ${(runMs / scenarios).toFixed(1)} ms, properties ${(judgeMs / scenarios).toFixed(1)} ms each)\n`,
  );
}
