import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import { parseScenario } from '../../../core/scenario/index.ts';
import { buildProbePacket } from '../../../core/wire/probe.ts';
import { buildProbePacket as adapterBuild } from '../../../kernel-adapter/probe/send.ts';
import { Runner } from '../../../sim/runner.ts';
import { describeFrames, readPcap } from '../../l3/transport-frames.ts';
import { capture, twoHosts } from '../../l3/transport-topology.ts';

const DIR = new URL('../../../fixtures/transport/send/', import.meta.url);
const CASES = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8')) as { case: string; line: string }[];

/** The frames on a's eth0 when a pings b once and then sends the probe line, on the simulator. */
function simulateLine(line: string, seed: number) {
  const { net, aEth } = twoHosts(seed);
  const frames = capture(aEth);
  const parsed = parseScenario(['ip netns exec a ping -c 1 -W 1 10.0.0.2', `ip netns exec a ${line}`].join('\n'), { file: 'send.sh' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const result = new Runner({ network: net }).run(parsed.value);
  net.scheduler.runUntilIdle(net.now + SECOND);
  return { frames: describeFrames(frames), transcript: result.transcript };
}

describe('send on the simulator against the kernel adapter\'s raw-socket helper (fixtures/transport/send)', () => {
  it('has recordings', () => expect(CASES.length).toBeGreaterThanOrEqual(9));
  for (const c of CASES) {
    it(`${c.case}: ${c.line}`, () => {
      const real = describeFrames(readPcap(new URL(`${c.case}.pcap`, DIR)));
      for (const seed of [1, 2]) {
        const sim = simulateLine(c.line, seed);
        expect(sim.transcript.every((e) => e.status === 0)).toBe(true);
        expect(sim.frames).toEqual(real);
      }
    });
  }

  it('builds its packets with the very function the kernel adapter uses', () => {
    expect(adapterBuild).toBe(buildProbePacket);
  });

  it('fails as the adapter reports a kernel refusal: no route, no such device', () => {
    const { net } = twoHosts();
    const parsed = parseScenario(['ip netns exec a send udp dst 198.51.100.1 dport 53', 'ip netns exec a send -I nosuch udp dst 10.0.0.2 dport 53', 'ip netns exec a send udp src 10.0.0.1 dst 198.51.100.1 dport 53'].join('\n'), { file: 'send.sh' });
    if (!parsed.ok) throw new Error('parse');
    const t = new Runner({ network: net }).run(parsed.value).transcript.map((e) => [e.status, e.output.map((o) => o.text).join('')]);
    expect(t).toEqual([
      [1, 'send probe: no source address for 198.51.100.1: RTNETLINK answers: Network is unreachable\n'],
      [1, 'send probe: cannot open a raw socket: No such device\n'],
      [1, 'send probe: send to 198.51.100.1: Network is unreachable\n'],
    ]);
  });
});
