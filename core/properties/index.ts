/**
 * Properties anyone can run on a run of a scenario (issue 6), from either engine: each takes the scenario and what
 * the run showed (core/properties/observation.ts) and returns what it judged and what failed.
 */
import type { Scenario } from '../scenario/index.ts';
import { checkNat } from './nat.ts';
import { checkNeighbours } from './neighbours.ts';
import type { Observation } from './observation.ts';
import { checkReachability } from './reachability.ts';
import type { PropertyResult } from './result.ts';
import { checkTtl } from './ttl.ts';

export { checkReachability, formatProbe, type ProbeOutcome } from './reachability.ts';
export { checkNeighbours } from './neighbours.ts';
export { checkTtl } from './ttl.ts';
export { checkNat } from './nat.ts';
export { allHold, formatPropertyResults, type PropertyResult } from './result.ts';
export { NetModel } from './config.ts';
export { judgeProbe, type Verdict } from './walk.ts';
export type { Observation } from './observation.ts';

/** Options of `checkProperties`. */
export interface CheckOptions {
  /** Frame conservation's violations, from a simulator run that followed it (sim/properties/conservation.ts). */
  readonly conservation?: readonly string[] | undefined;
}

/** Every property on one run. */
export function checkProperties(scenario: Scenario, obs: Observation, options: CheckOptions = {}): PropertyResult[] {
  const results: PropertyResult[] = [checkReachability(scenario, obs), checkNeighbours(scenario, obs), checkTtl(scenario, obs), checkNat(scenario, obs)];
  if (options.conservation) results.push({ name: 'frame conservation', checked: 1, unjudged: 0, violations: options.conservation, notes: [] });
  return results;
}
