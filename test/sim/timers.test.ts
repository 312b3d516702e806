import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND } from '../../core/clock.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import { parseScenario, type Scenario } from '../../core/scenario/index.ts';
import { entryOutput, type TranscriptEntry } from '../../core/transcript.ts';
import { ArpOperation } from '../../core/wire/arp.ts';
import { simulate, type RunResult } from '../../sim/runner.ts';

/**
 * The timers of issue 3 ("Timers are right"), each a scenario of fixtures/scenarios/timers/ run through the runner
 * as `twinnet run` would, its pcap read back from the file the scenario's tcpdump wrote. Each scenario was also run
 * on the real kernel with /work/shared/tools/kernel-truth (NAME.kernel.out beside it); the checks below hold there too.
 */
const scratch = mkdtempSync(join(tmpdir(), 'tw-timers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const path = (name: string): string => new URL(`../../fixtures/scenarios/timers/${name}`, import.meta.url).pathname;

function scenario(name: string, edit: (text: string) => string = (t) => t): Scenario {
  const parsed = parseScenario(edit(readFileSync(path(`${name}.sh`), 'utf8')), { file: path(`${name}.sh`) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

function run(name: string, seed?: number, edit?: (text: string) => string): RunResult {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  const result = simulate(scenario(name, edit), { seed, pcapDir: dir });
  expect(result.exitStatus).toBe(0);
  return Object.assign(result, { dir });
}

/** ARP frames of a pcap the scenario wrote, with their times (ns) and what they are. */
function arpFrames(result: RunResult, file: string) {
  const frames: { at: number; op: number; broadcast: boolean; sender: string; target: string; targetMac: string }[] = [];
  for (const record of readCapture(join((result as RunResult & { dir: string }).dir, file))) {
    if (!record.ok) throw new Error(record.error.message);
    const d = record.value.data;
    if (d[12] !== 0x08 || d[13] !== 0x06) continue;
    frames.push({
      at: record.value.instant,
      op: d[21]!,
      broadcast: d.subarray(0, 6).every((b) => b === 0xff),
      sender: [...d.subarray(28, 32)].join('.'),
      target: [...d.subarray(38, 42)].join('.'),
      targetMac: [...d.subarray(32, 38)].map((b) => b.toString(16).padStart(2, '0')).join(':'),
    });
  }
  return frames;
}

/** The entries of the scenario's own commands, found by their text. */
function entries(result: RunResult, command: string): TranscriptEntry[] {
  return result.transcript.filter((e) => e.command === command);
}

/** The kernel's output of a command in NAME.kernel.out (kernel-truth: `++ CMD` then its output). */
function kernelOutput(name: string, command: string, nth = 0): string {
  const blocks: { command: string; lines: string[] }[] = [];
  for (const line of readFileSync(path(`${name}.kernel.out`), 'utf8').split('\n')) {
    const m = /^\+\+ (.*)$/.exec(line);
    if (m) blocks.push({ command: m[1]!.replace(/tw-timers-[a-z-]+-([ab])\b/g, '$1'), lines: [] });
    else blocks.at(-1)?.lines.push(line);
  }
  const block = blocks.filter((b) => b.command === command)[nth];
  if (!block) throw new Error(`${name}.kernel.out: no ${nth + 1}th "${command}"`);
  const lines = block.lines.filter((l) => !/^(tcpdump: |\d+ packets? (captured|received|dropped))/.test(l));
  while (lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

const maskTimes = (text: string): string => text.replace(/time=[\d.]+ ms/g, 'time=T ms').replace(/time \d+ms/g, 'time Tms').replace(/= [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms/g, '= T ms');

describe('neighbour timers', () => {
  it.each([1, 2, 3, 4, 5, 1000, 65535])('after a ping the entry is REACHABLE, and 60 s later STALE (seed %i)', (seed) => {
    const result = run('reachable-then-stale', seed);
    const [before, after] = entries(result, 'ip netns exec a ip neigh');
    expect(entryOutput(before!)).toBe('10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE \n');
    expect(entryOutput(after!)).toBe('10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 STALE \n');
    // Whatever reachable_time the seed drew for a's eth0 (15-45 s), 60 s is past it.
    const drawn = result.network.namespace('a')!.neighParmsOf(result.network.namespace('a')!.device('eth0')!).reachableTime;
    expect(drawn).toBeGreaterThanOrEqual(15 * SECOND);
    expect(drawn).toBeLessThan(45 * SECOND);
    expect(entryOutput(before!)).toBe(`${kernelOutput('reachable-then-stale', 'ip netns exec a ip neigh')}\n`);
    expect(entryOutput(after!)).toBe(`${kernelOutput('reachable-then-stale', 'ip netns exec a ip neigh', 1)}\n`);
  });

  it('resolving a missing neighbour sends three broadcast requests one second apart, then the entry is FAILED', () => {
    const result = run('missing-neighbour');
    const requests = arpFrames(result, 'missing-neighbour.pcap');
    expect(requests.map((f) => ({ op: f.op, broadcast: f.broadcast, sender: f.sender, target: f.target, targetMac: f.targetMac }))).toEqual(
      Array(3).fill({ op: ArpOperation.Request, broadcast: true, sender: '10.0.0.1', target: '10.0.0.99', targetMac: '00:00:00:00:00:00' }),
    );
    expect(requests.map((f) => f.at - requests[0]!.at)).toEqual([0, SECOND, 2 * SECOND]);
    const ping = entries(result, 'ip netns exec a ping -c 1 -W 5 10.0.0.99')[0]!;
    // The first request leaves with the echo it resolves for; FAILED comes one retrans_time after the third, and
    // the queued echo comes back to ping as host unreachable (lo is up, so the ICMP error reaches it).
    expect(requests[0]!.at).toBe(ping.startedAt);
    expect(entryOutput(ping)).toBe(
      'PING 10.0.0.99 (10.0.0.99) 56(84) bytes of data.\nFrom 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n\n--- 10.0.0.99 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n\n',
    );
    expect(entryOutput(entries(result, 'ip netns exec a ip neigh')[0]!)).toBe('10.0.0.99 dev eth0 FAILED \n');
    expect(entryOutput(ping).trimEnd()).toBe(kernelOutput('missing-neighbour', 'ip netns exec a ping -c 1 -W 5 10.0.0.99').trimEnd());
    expect(kernelOutput('missing-neighbour', 'ip netns exec a ip neigh')).toBe('10.0.0.99 dev eth0 FAILED ');
  });

  it.each([1, 2, 3, 7, 42])('a steady ping shows the unicast re-probe of each side (seed %i)', (seed) => {
    const result = run('steady-ping', seed);
    const frames = arpFrames(result, 'steady-ping.pcap');
    const a = result.network.namespace('a')!;
    const reachable = a.neighParmsOf(a.device('eth0')!).reachableTime;
    const [request, reply] = frames;
    expect(request).toMatchObject({ op: ArpOperation.Request, broadcast: true, sender: '10.0.0.1', target: '10.0.0.2' });
    expect(reply).toMatchObject({ op: ArpOperation.Reply, broadcast: false, sender: '10.0.0.2' });
    // Echoes leave every second from the first request on. a's entry, confirmed by the reply, is STALE
    // reachable_time later; the next echo makes it DELAY, and 5 s later a sends a unicast request to b's MAC.
    const firstEcho = request!.at;
    const confirmed = reply!.at;
    const nextEcho = firstEcho + Math.ceil((confirmed + reachable - firstEcho + 1) / SECOND) * SECOND;
    const aProbes = frames.filter((f) => f.op === ArpOperation.Request && f.sender === '10.0.0.1').slice(1);
    expect(aProbes.length).toBeGreaterThan(0);
    expect(aProbes[0]).toMatchObject({ broadcast: false, target: '10.0.0.2', targetMac: '00:00:00:00:00:00' });
    expect(aProbes[0]!.at).toBe(nextEcho + 5 * SECOND);
    for (const probe of aProbes) expect(probe.broadcast).toBe(false);
    // b's entry for a was made STALE by a's request and went DELAY when b sent its first echo reply: its probe
    // comes delay_first_probe_time (5 s) later, before a's.
    const bProbe = frames.find((f) => f.op === ArpOperation.Request && f.sender === '10.0.0.2')!;
    expect(bProbe.broadcast).toBe(false);
    expect(bProbe.at - firstEcho).toBeGreaterThanOrEqual(5 * SECOND);
    expect(bProbe.at - firstEcho).toBeLessThan(5 * SECOND + MILLISECOND);
    // Every probe is answered with a unicast reply.
    for (const f of frames.filter((x) => x.op === ArpOperation.Request && !x.broadcast)) {
      expect(frames.some((r) => r.op === ArpOperation.Reply && !r.broadcast && r.at >= f.at && r.at - f.at < MILLISECOND && r.target === f.sender)).toBe(true);
    }
    expect(maskTimes(entryOutput(entries(result, 'ip netns exec a ping -c 60 -q 10.0.0.2')[0]!)).trimEnd()).toBe(maskTimes(kernelOutput('steady-ping', 'ip netns exec a ping -c 60 -q 10.0.0.2')).trimEnd());
  });
});

describe('bridge ageing', () => {
  it('forgets learned MACs ageing_time (10 s) after it last saw them, and keeps its ports’ own', () => {
    const result = run('bridge-ageing');
    const shows = entries(result, 'bridge fdb show br br0 dynamic');
    expect(shows.map(entryOutput)).toEqual([
      '02:00:00:00:00:01 dev va master br0 \n02:00:00:00:00:02 dev vb master br0 \n',
      '02:00:00:00:00:01 dev va master br0 \n02:00:00:00:00:02 dev vb master br0 \n',
      '',
    ]);
    // What br0 last heard from a (on va): b's unicast probe, answered by a, about 5 s after the ping. The second
    // show comes less than 10 s after it, the third more.
    const heard = (result.captures.get('va') ?? []).filter((f) => f.direction === 'in');
    const last = heard.at(-1)!.at;
    expect(shows[1]!.startedAt).toBeLessThan(last + 10 * SECOND);
    expect(shows[2]!.startedAt).toBeGreaterThan(last + 10 * SECOND);
    const all = entryOutput(entries(result, 'bridge fdb show br br0')[0]!);
    expect(all).toContain('02:00:00:00:01:01 dev va master br0 permanent\n');
    expect(all).toContain('02:00:00:00:01:02 dev vb master br0 permanent\n');
    expect(all).not.toContain('02:00:00:00:00:01');
    // The kernel printed the same three lists (kernel-truth, bridge-ageing.kernel.out).
    shows.forEach((s, i) => expect(entryOutput(s).trimEnd()).toBe(kernelOutput('bridge-ageing', 'bridge fdb show br br0 dynamic', i).trimEnd()));
  });

  it('keeps them with the default ageing_time (300 s)', () => {
    const result = run('bridge-ageing', undefined, (t) => t.replace('ip link set br0 type bridge ageing_time 1000\n', ''));
    expect(entries(result, 'bridge fdb show br br0 dynamic').map(entryOutput).at(-1)).toBe('02:00:00:00:00:01 dev va master br0 \n02:00:00:00:00:02 dev vb master br0 \n');
  });
});
