import { expect, it } from 'vitest';
import { linesMatch, newRenamings } from '../../core/doctest/normalise.ts';
import { parseMac } from '../../core/mac.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { listNetns } from '../../kernel-adapter/netns.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const SCENARIO = `ip netns add netns1
ip link add veth1 type veth peer name ceth1 netns netns1
ip addr add 172.20.0.1/16 dev veth1
ip link set veth1 up
ip netns exec netns1 ip addr add 172.20.0.11/16 dev ceth1
ip netns exec netns1 ip link set ceth1 up
ip netns list
tcpdump -n -i veth1
ip netns exec netns1 ping -c 2 -i 0.2 172.20.0.1
ip link
ip netns exec netns1 ip neigh
`;

const mac = (t: string): number => {
  const r = parseMac(t);
  if (!r.ok) throw new Error(t);
  return r.value;
};

describeKernel('two replays of the same scenario at once do not collide', () => {
  guardHostNamespace();

  it('each has its own run id and namespaces, both succeed, their transcripts agree', { timeout: 30_000 }, async () => {
    const parsed = parseScenario(SCENARIO, { file: 'twice.sh' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const macs = new Map([['veth1', mac('02:00:00:00:00:01')], ['netns1:ceth1', mac('02:00:00:00:00:02')]]);
    const seen: string[][] = [[], []];
    const runs = await Promise.all(
      [0, 1].map((i) =>
        replay(parsed.value, {
          macs,
          onEntry: () => seen[i]!.push(...listNetns().filter((n) => /^twn[0-9a-f]{8}-/.test(n))),
        }),
      ),
    );
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(a.runId).not.toBe(b.runId);
    expect(a.exitStatus).toBe(0);
    expect(b.exitStatus).toBe(0);
    // Both runs' namespaces existed side by side.
    expect(seen.flat().some((n) => n.startsWith(`twn${a.runId}-`)) && seen.flat().some((n) => n.startsWith(`twn${b.runId}-`))).toBe(true);
    // Each sees only its own namespace in `ip netns list`, under the scenario's name.
    for (const r of runs) expect(entryOutput(r.transcript.find((e) => e.command === 'ip netns list')!)).toMatch(/^netns1( \(id: \d+\))?\n$/);
    // The same lines, but for times, rtt figures and IP ids; the same frames on veth1, with the MACs asked for.
    // Frame lines and the programs' own lines are each in order; how they interleave is a race between the capture
    // and the program's pipe, by a fraction of a millisecond.
    expect(a.transcript.length).toBe(b.transcript.length);
    const renamings = newRenamings();
    const isFrame = (l: string): boolean => /^\d\d:\d\d:\d\d\.\d{6} /.test(l);
    a.transcript.forEach((e, i) => {
      for (const frames of [true, false]) {
        const x = entryOutput(e).split('\n').filter((l) => isFrame(l) === frames);
        const y = entryOutput(b.transcript[i]!).split('\n').filter((l) => isFrame(l) === frames);
        expect(y.length, e.command).toBe(x.length);
        x.forEach((line, k) => expect(linesMatch(line, y[k]!, renamings), `${e.command}\n  ${line}\n  ${y[k]}`).toBe(true));
      }
    });
    expect(a.captures.get('veth1')!.length).toBe(6);
    expect(b.captures.get('veth1')!.length).toBe(6);
    expect(entryOutput(a.transcript.find((e) => e.command === 'ip link')!)).toContain('link/ether 02:00:00:00:00:01');
    expect(listNetns().filter((n) => n.startsWith(`twn${a.runId}-`) || n.startsWith(`twn${b.runId}-`))).toEqual([]);
  });
});
