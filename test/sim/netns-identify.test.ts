/**
 * `ip netns identify` (ip/ipnetns.c netns_identify()). The kernel's answers, measured through `twinnet replay` of
 * fixtures/scenarios/netns-identify.sh (compared live by test/kernel/compare.test.ts): the namespace's name inside
 * it, an empty line in the machine's own namespace.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import { Network } from '../../sim/network.ts';

describe('ip netns identify', () => {
  it('names the namespace a command runs in, and prints an empty line in the machine\'s own', () => {
    const net = new Network();
    expect(net.exec('ip netns add a').status).toBe(0);
    expect(net.exec('ip netns exec a ip netns identify').stdout).toBe('a\n');
    expect(net.exec('ip -n a netns identify').stdout).toBe('a\n');
    expect(net.exec('ip netns identify')).toMatchObject({ status: 0, stdout: '\n' });
  });

  it('says plainly that the PID form is not modelled', () => {
    const r = parseScenario('ip netns identify 1234\n', { file: 'x.sh' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^"ip netns identify PID" is not modelled by twinnet/);
  });
});
