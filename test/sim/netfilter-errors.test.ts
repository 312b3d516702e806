import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import { Network } from '../../sim/network.ts';
import { maskSaveDates, readRecording } from './netfilter-support.ts';

/**
 * Bad input changes nothing (issue 4): iptables commands the kernel refused in fixtures/netfilter/errors.sh (their
 * recorded exit status is not 0), dropped at random points among the commands it accepted. Whenever one fails it
 * leaves the tables as they were, in words and with a status iptables used in the recording (some fail only in
 * some states: `-Z INPUT` before INPUT exists); when all of them fail, the tables end as the accepted commands alone leave them. Lines the
 * parser itself refuses (an unknown option, a bad address…) never reach the simulator at all: their messages are
 * checked by test/core/scenario against the tools' measured words.
 */
const recorded = readRecording('errors').filter((r) => r.command.startsWith('iptables ') && !r.command.startsWith('iptables -L') && !r.command.startsWith('iptables -S'));
const refused = recorded.filter((r) => r.status !== 0);
const accepted = recorded.filter((r) => r.status === 0).map((r) => r.command);
/** A message with the chain it names masked (the same failure names whichever chain it met). */
const masked = (m: string): string => m.replace(/(chain |Chain ')[^\s']+/g, '$1NAME');
/** Every failure iptables printed in the recording, with its status. */
const known = refused.map((r) => ({ stderr: masked(r.stderr), status: r.status }));

function state(net: Network): string {
  return maskSaveDates(net.exec('iptables-save -c').stdout) + net.exec('iptables -S').stdout + net.exec('iptables -t nat -S').stdout;
}

describe('refused iptables commands', () => {
  it('are all lines the scenario parser accepts', () => {
    for (const r of refused) expect(parseScenario(r.command, { file: 'x.sh' }).ok, r.command).toBe(true);
    expect(refused.length).toBeGreaterThan(30);
  });

  it('change nothing, wherever they come, and say what the kernel said', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: accepted.length }), fc.constantFrom(...refused)), { maxLength: 12 }), (insertions) => {
        const clean = new Network();
        for (const c of accepted) clean.exec(c);
        const noisy = new Network();
        let allFailed = true;
        for (let i = 0; i <= accepted.length; i++) {
          for (const [at, bad] of insertions) {
            if (at !== i) continue;
            const before = state(noisy);
            const got = noisy.exec(bad.command);
            if (got.status === 0) {
              allFailed = false;
              continue;
            }
            // In another state the same line may fail otherwise (`-j FOO` before FOO exists): still in iptables' words.
            expect(known).toContainEqual({ stderr: masked(got.stderr), status: got.status });
            expect(state(noisy)).toBe(before);
          }
          if (i < accepted.length) noisy.exec(accepted[i]!);
        }
        if (allFailed) expect(state(noisy)).toBe(state(clean));
      }),
      { numRuns: 40 },
    );
  });
});
