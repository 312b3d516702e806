import { Random } from './random.ts';

/**
 * Seeded quantities both engines must agree on (DESIGN.md §3 "Determinism"). The simulator draws each from
 * `new Random(seed).stream(purpose)`; the kernel adapter derives the same values here, so a replay gives real
 * `ping` the identifier the simulator used (`ping -e ID`).
 */

/** The purpose names of the seeded streams. */
export const SeedStream = { Mac: 'mac', Pid: 'pid' } as const;

/** The first process id of a run: each `ping` takes the next one as its ICMP identifier. */
export function firstPid(seed: number): number {
  return 1000 + new Random(seed >>> 0).stream(SeedStream.Pid).below(30000);
}
