import { describe, expect, it } from 'vitest';
import { describeFrames, readPcap } from '../../l3/transport-frames.ts';
import { DIR, normalise, recordedCases, simulate, type Recorded } from './recorded.ts';

/** The cases of nc alone (twinnet's httpd and curl have their own test). */
const CASES = recordedCases().filter((c) => c.client.argv[0] === 'nc' && (!c.server || c.server.argv[0] === 'nc'));

/** Elapsed times agree within 100 ms or 5 % (the recorder's own start-up and polling add a few milliseconds, more on a busy machine). */
function closeTo(simMs: number, realMs: number): boolean {
  return Math.abs(simMs - realMs) <= Math.max(100, realMs * 0.05);
}

function expectSame(sim: ReturnType<typeof simulate>['client'], real: Recorded): void {
  expect(sim.killed).toBe(real.killed);
  // bash reports the SIGTERM the recorder sends ("Terminated"); that is the shell's, not nc's.
  expect(normalise(sim.stderr)).toBe(normalise(real.stderr.replace(/Terminated\n$/, '')));
  expect(sim.stdout).toBe(real.stdout);
  if (!real.killed) {
    expect(sim.status).toBe(real.status);
    expect(closeTo(sim.elapsedMs, real.elapsedMs), `elapsed ${sim.elapsedMs} ms, recorded ${real.elapsedMs} ms`).toBe(true);
  }
}

/**
 * Cases whose frame order is a race between two processes on the real machine: in tcp-n both sides write as soon as
 * the connection is up, and which line goes first (and so what each segment acknowledges) depends on scheduling.
 */
const RACY = new Set(['tcp-n']);

describe('nc on the simulator against netcat-openbsd 1.219 (fixtures/transport/nc)', () => {
  it('has recordings', () => expect(CASES.length).toBeGreaterThan(20));
  for (const c of CASES) {
    it(`${c.case}: output, exit status and timing`, () => {
      for (const seed of [1, 2, 3]) {
        const sim = simulate(c, seed);
        expectSame(sim.client, c.client);
        if (c.server) expectSame(sim.server!, c.server);
      }
    });
    if (!RACY.has(c.case)) {
      it(`${c.case}: the frames on a's eth0`, () => {
        const real = describeFrames(readPcap(new URL(`${c.case}.pcap`, DIR)));
        for (const seed of [1, 2]) expect(simulate(c, seed).frames).toEqual(real);
      });
    }
  }
});
