import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDivergences } from '../../core/doctest/divergences.ts';
import { LinkType } from '../../core/pcap/format.ts';
import { createPrinter } from '../../core/decode/printer.ts';
import { parseScenarioFile, type Scenario } from '../../core/scenario/index.ts';
import { entryOutput, type TranscriptEntry } from '../../core/transcript.ts';
import { simulate } from '../../sim/runner.ts';
import { streams } from './netfilter-support.ts';

/**
 * The tutorial's part (e) (issue 4, "What it must show"): netns2 reaches 8.8.8.8 only after MASQUERADE and
 * forwarding, the capture on enp0s3 shows the source translated to 10.0.2.15, conntrack -L shows the flow.
 * The oracle is the kernel's run of the same lines, fixtures/seed/e-masquerade.sh on host-kernel.sh (recorded in
 * fixtures/seed/kernel/e-masquerade.out), where 203.0.113.8 stands for 8.8.8.8.
 */
const seed = (path: string): string => new URL(`../../fixtures/seed/${path}`, import.meta.url).pathname;
const parse = (path: string): Scenario => {
  const r = parseScenarioFile(path);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

/** The kernel's output of each command of e-masquerade.out (`++ CMD` lines), 203.0.113.8 written as 8.8.8.8. */
function kernel(command: string): string[] {
  const blocks: { command: string; lines: string[] }[] = [];
  for (const line of readFileSync(seed('kernel/e-masquerade.out'), 'utf8').split('\n')) {
    const m = /^\+\+ (.*)$/.exec(line);
    if (m) blocks.push({ command: m[1]!.replaceAll('203.0.113.8', '8.8.8.8'), lines: [] });
    else blocks.at(-1)?.lines.push(line.replaceAll('203.0.113.8', '8.8.8.8'));
  }
  const found = blocks.find((b) => b.command === command);
  if (!found) throw new Error(`e-masquerade.out has no "${command}"`);
  return trim(found.lines);
}

/** Lines without the empty ones a final newline leaves. */
const trim = (lines: string[]): string[] => {
  const out = [...lines];
  while (out.at(-1) === '') out.pop();
  return out;
};

/** ping's timing figures and identifiers, which vary between runs. */
const loose = (line: string): string => line.replace(/time[=< ]?[0-9.]+ ?ms/g, 'time=T').replace(/\bid[= ]\d+/g, 'id N').replace(/rtt .*/, 'rtt');

describe('tutorial part (e) as a doctest', () => {
  const run = simulate(parse(seed('tutorial.txt')), { preamble: [parse(seed('host.sh'))], divergences: parseDivergences(readFileSync(seed('divergences.md'), 'utf8')) });
  const ping = run.transcript.find((e) => e.command.includes('ping 8.8.8.8'))!;

  it('matches the tutorial with nothing left', () => {
    expect(run.summary.mismatches).toBe(0);
    expect(ping.check?.kind).toBe('matched');
  });

  it('really has ttl=127 (the doctest normalises times, not TTLs)', () => {
    const replies = entryOutput(ping).split('\n').filter((l) => l.startsWith('64 bytes from 8.8.8.8'));
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) expect(r).toMatch(/^64 bytes from 8\.8\.8\.8: icmp_seq=\d+ ttl=127 time=[0-9.]+ ms$/);
  });
});

describe('fixtures/netfilter/tutorial-e.sh against the kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-nf-tutorial-e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = simulate(parse(new URL('../../fixtures/netfilter/tutorial-e.sh', import.meta.url).pathname), { preamble: [parse(seed('host.sh'))], pcapDir: dir });
  const entry = (command: string, nth = 0): TranscriptEntry => {
    const found = run.transcript.filter((e) => !e.preamble && e.command === command)[nth];
    if (!found) throw new Error(`no "${command}" in the run`);
    return found;
  };
  const out = (command: string): string[] => trim(streams(entry(command)).stdout.split('\n'));

  it('fails before MASQUERADE and forwarding: silently dropped, 100% loss, as the kernel', () => {
    const before = trim(entryOutput(entry('ip netns exec netns2 ping -c 2 -W 1 8.8.8.8')).split('\n')).map(loose);
    expect(before).toEqual(kernel('ip netns exec netns2 ping -c 2 -W 1 8.8.8.8').map(loose));
    expect(before).toContain('2 packets transmitted, 0 received, 100% packet loss, time=T');
  });

  it('works after, with the kernel’s lines (ttl=127)', () => {
    const after = trim(entryOutput(entry('ip netns exec netns2 ping -c 2 8.8.8.8')).split('\n')).map(loose);
    expect(after).toEqual(kernel('ip netns exec netns2 ping -c 2 8.8.8.8').map(loose));
    expect(after.filter((l) => l.includes('ttl=127'))).toHaveLength(2);
  });

  it('the capture on enp0s3 shows the translated source 10.0.2.15, frame for frame as the kernel’s', () => {
    const frames = run.captures.get('enp0s3') ?? [];
    const printer = createPrinter({ e: true, n: 1, q: true, t: 1, v: 2 });
    const printed = frames
      .slice(0, 6)
      .flatMap((f) => printer.print({ data: f.data, originalLength: f.data.length, seconds: Math.floor(f.at / 1e9), nanoseconds: f.at % 1e9, linkType: LinkType.En10mb }).split('\n'))
      .filter((l) => l !== '');
    const expected = kernel('tcpdump -ennqtvv -r /tmp/tw-seed-e-enp0s3.pcap').filter((l) => l !== '' && !l.startsWith('reading from file'));
    expect(printed.map(loose)).toEqual(expected.map(loose));
    expect(printed.filter((l) => l.includes('10.0.2.15 > 8.8.8.8: ICMP echo request'))).toHaveLength(2);
    expect(printed.filter((l) => l.includes('8.8.8.8 > 10.0.2.15: ICMP echo reply'))).toHaveLength(2);
  });

  it('counts the connection’s first packet on the MASQUERADE rule, and -S shows the rule, as the kernel', () => {
    expect(out('iptables -t nat -L -n -v')).toEqual(kernel('iptables -t nat -L -n -v'));
    expect(out('iptables -t nat -S')).toEqual(kernel('iptables -t nat -S'));
  });

  it('conntrack -L shows the flow: original 172.20.0.12 → 8.8.8.8, reply to 10.0.2.15, same id', () => {
    const got = streams(entry('conntrack -L'));
    const line = got.stdout.trimEnd();
    const m = /^icmp {5}1 (\d+) src=172\.20\.0\.12 dst=8\.8\.8\.8 type=8 code=0 id=(\d+) src=8\.8\.8\.8 dst=10\.0\.2\.15 type=0 code=0 id=(\d+) mark=0 use=1$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(m![2]).toBe(m![3]);
    expect(Number(m![1])).toBeGreaterThan(20);
    expect(Number(m![1])).toBeLessThan(30);
    const k = kernel('conntrack -L');
    expect(got.stderr).toBe(`${k[0]}\n`);
    expect(line.replace(/ 1 \d+ /, ' 1 T ').replace(/id=\d+/g, 'id=N')).toBe(k[1]!.replace(/ 1 \d+ /, ' 1 T ').replace(/id=\d+/g, 'id=N'));
  });
});
