import { describe, expect, it } from 'vitest';
import { maskSaveDates, readRecording, runFixture, streams } from './netfilter-support.ts';

/**
 * iptables and iptables-save output, byte for byte against iptables 1.8.9 (nf_tables) on this machine's kernel
 * (fixtures/netfilter/NAME.out, recorded by fixtures/netfilter/record.sh): every line of the scenario is run
 * on the simulator and its stdout, stderr and exit status compared; only iptables-save's dated comments are
 * masked.
 */
describe.each(['list', 'errors'])('fixtures/netfilter/%s.sh', (name) => {
  const recorded = readRecording(name);
  const result = runFixture(name);
  const entries = result.transcript.filter((e) => !e.preamble);

  it('runs every recorded line', () => {
    expect(entries.map((e) => e.command)).toEqual(recorded.map((r) => r.command));
  });

  for (const [i, r] of recorded.entries()) {
    it(`${i + 1}: ${r.command}`, () => {
      const got = streams(entries[i]!);
      expect({ ...got, stdout: maskSaveDates(got.stdout) }).toEqual({ ...r, stdout: maskSaveDates(r.stdout) });
    });
  }
});
