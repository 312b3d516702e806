/**
 * iputils ping over long runs: its 16-bit sequence wraps, and its statistics are running sums (ping_common.c).
 * The kernel's answer (measured with ../shared/tools/kernel-truth over a veth pair): `ping -f -q -c 70000`
 * prints `70000 packets transmitted, 70000 received, 0% packet loss, time 391ms`.
 */
import { describe, expect, it } from 'vitest';
import { twoHosts } from '../../l3/transport-topology.ts';

describe('ping past 65,536 echoes', () => {
  it('a wrapped sequence is no duplicate (pinger(): rcvd_clear()), and the statistics need no per-echo memory', () => {
    const { net } = twoHosts(1);
    const r = net.exec('ip netns exec a ping -f -q -c 70000 10.0.0.2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^70000 packets transmitted, 70000 received, 0% packet loss, time \d+ms$/m);
    expect(r.stdout).toMatch(/^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms, ipg\/ewma \d+\.\d{3}\/\d+\.\d{3} ms$/m);
  });
});
