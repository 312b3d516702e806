import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MILLISECOND } from '../../core/clock.ts';
import { formatIpv4 } from '../../core/ipv4.ts';
import { MAC_BROADCAST, MAC_ZERO } from '../../core/mac.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import { parseScenarioFile } from '../../core/scenario/index.ts';
import { ArpOperation } from '../../core/wire/arp.ts';
import { sendArp } from '../../l3/arp.ts';
import { Network } from '../../sim/network.ts';
import { simulate } from '../../sim/runner.ts';

/**
 * Neighbour (NUD) timelines against the real kernel (issue 3, "its state timeline equals the real kernel's"): each
 * recording of fixtures/nud/ (Linux 6.18, both neighbour tables polled every 100 ms, a capture on a's eth0) has an
 * equivalent scenario in fixtures/scenarios/nud/, run here with the reachable_time the kernel drew for each device.
 * The simulator's tables are sampled every 100 ms of virtual time from the scenario's time zero, as the recording's
 * were, and compared: the states each entry goes through, when, and the ARP frames on a's eth0.
 *
 * Tolerance. The kernel runs neighbour timers on its timer wheel (kernel/time/timer.c; CONFIG_HZ=250 on the
 * recording machine): a timer armed d jiffies ahead is filed in a level whose buckets are 8^level jiffies wide and
 * runs at the next bucket boundary after its deadline: up to 32 ms late for d of 0.25-2 s (retrans_time,
 * delay_first_probe_time 1-2 s), up to 256 ms late for 2-16 s (reachable_time, delay_first_probe_time 5 s). These
 * recordings show exactly that: in idle-reprobe b's unicast probes come at 6,239, 13,919, 21,599 and 29,279 ms,
 * 231, 176, 176 and 176 ms after their deadlines and all on one 256 ms grid; in missing-neighbour a's requests come
 * 1,028, 1,024, 1,022 and 1,024 ms apart for a 1,000 ms retrans_time, on one 32 ms grid. Lateness of this size decides
 * races: in steady-ping a's REACHABLE deadline fell 17 ms before an echo, the kernel's timer ran after it, and the
 * entry went STALE and waited a second for the next echo; with timers run at their deadlines the simulator sent
 * that echo through DELAY instead and its timeline drifted from there. So the comparison runs the simulator with the
 * kernel's timer wheel (Network option `timerWheel`, l2/timer-wheel.ts). Its one unknown is where the recording's
 * time zero fell in the jiffies grid; the test tries each of the 64 jiffies of a 256 ms bucket and keeps the phase
 * that fits best (the same way the kernel's reachable_time is read off the recording). With it, what is left is:
 * - state changes seen at most one poll apart (TICK_SLACK): the kernel polled tick k 0-10 ms after t0 + 100·k ms
 *   (the `t_ms` of its rows), so a change inside that gap shows one tick later there than here;
 * - ARP frames within 2 jiffies (FRAME_SLACK_MS, 8 ms): the scenario places each action to the millisecond of the
 *   recording's first frame, not to its jiffy, and the timer softirq runs a little after the jiffy starts.
 */
const TICK_MS = 100;
const TICK_SLACK = 1;
const FRAME_SLACK_MS = 8;
const HZ = 250;
/** The widest bucket the recordings' timers use: level 2, 64 jiffies. */
const PHASES = Array.from({ length: 64 }, (_, i) => i * (1000 / HZ) * MILLISECOND);

/** tcp-confirms needs TCP (another layer's work): not compared yet. */
const SCENARIOS = ['ping-once-idle', 'idle-reprobe', 'steady-ping', 'missing-neighbour', 'stale-then-send', 'incoming-request'] as const;

interface KernelTimeline {
  readonly t0_unix_ms: number;
  readonly duration_ms: number;
  readonly reachable_time_ms: Record<string, number>;
  readonly actions: readonly { readonly t_ms: number; readonly ns: string; readonly cmd: string; readonly output: readonly string[] }[];
  readonly transitions: readonly { readonly tick: number; readonly ns: string; readonly dev: string; readonly dst: string; readonly from: string; readonly to: string }[];
}

/** One state change of one entry, seen at a poll. */
interface Transition {
  readonly tick: number;
  readonly entry: string;
  readonly change: string;
}

/** An ARP frame on a's eth0, in ms since time zero. */
interface ArpFrame {
  readonly ms: number;
  readonly kind: string;
}

const fixture = (name: string, ext: string): string => new URL(`../../fixtures/nud/${name}.${ext}`, import.meta.url).pathname;
const scenarioPath = (name: string): string => new URL(`../../fixtures/scenarios/nud/${name}.sh`, import.meta.url).pathname;

/** What an ARP frame is: operation, broadcast or unicast, sender MAC, sender and target IPv4 address. */
function arpKind(data: Uint8Array): string | undefined {
  if (data[12] !== 0x08 || data[13] !== 0x06) return undefined;
  const op = data[21] === ArpOperation.Request ? 'request' : data[21] === ArpOperation.Reply ? 'reply' : `op${data[21]}`;
  const to = data.subarray(0, 6).every((b) => b === 0xff) ? 'broadcast' : 'unicast';
  const sender = [...data.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
  const ip = (at: number) => [...data.subarray(at, at + 4)].join('.');
  return `${op} ${to} from ${sender} ${ip(28)} -> ${ip(38)}`;
}

function kernelArp(name: string, timeline: KernelTimeline): ArpFrame[] {
  const frames: ArpFrame[] = [];
  for (const record of readCapture(fixture(name, 'pcap'))) {
    if (!record.ok) throw new Error(`${name}.pcap: ${record.error.message}`);
    const kind = arpKind(record.value.data);
    if (kind) frames.push({ ms: record.value.instant / MILLISECOND - timeline.t0_unix_ms, kind });
  }
  return frames;
}

function kernelTransitions(timeline: KernelTimeline): Transition[] {
  return timeline.transitions.map((t) => ({ tick: t.tick, entry: `${t.ns} ${t.dev} ${t.dst}`, change: `${t.from || '-'} -> ${t.to || '-'}` }));
}

/** Per-poll rows of (entry, state) → each change of an entry's state, as fixtures/nud/nud.py `assemble` derives them. */
function transitionsOf(rows: readonly { tick: number; entry: string; state: string }[]): Transition[] {
  const last = new Map<string, string>();
  const entries = [...new Set(rows.map((r) => r.entry))].sort();
  const byTick = new Map<number, Map<string, string>>();
  for (const r of rows) {
    let m = byTick.get(r.tick);
    if (!m) byTick.set(r.tick, (m = new Map()));
    m.set(r.entry, r.state);
  }
  const out: Transition[] = [];
  const ticks = Math.max(-1, ...rows.map((r) => r.tick));
  for (let tick = 0; tick <= ticks; tick++) {
    for (const entry of entries) {
      const state = byTick.get(tick)?.get(entry) ?? '';
      const before = last.get(entry) ?? '';
      if (state !== before) out.push({ tick, entry, change: `${before || '-'} -> ${state || '-'}` });
      last.set(entry, state);
    }
  }
  return out;
}

/** The transitions of each entry, in order. */
function perEntry(transitions: readonly Transition[]): Map<string, Transition[]> {
  const map = new Map<string, Transition[]>();
  for (const t of transitions) map.set(t.entry, [...(map.get(t.entry) ?? []), t]);
  return new Map([...map].sort(([a], [b]) => a.localeCompare(b)));
}

const scratch = mkdtempSync(join(tmpdir(), 'tw-nud-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface SimRun {
  readonly phase: number;
  readonly transitions: Transition[];
  readonly arp: ArpFrame[];
  /** What the scenario's pings printed, after time zero. */
  readonly pingOutput: string[];
}

/**
 * Runs the scenario with the kernel's reachable_time per device and the timer wheel at `phase`, sampling both
 * neighbour tables every 100 ms of virtual time from `echo t0` on.
 */
function runSimulator(name: string, timeline: KernelTimeline, phase: number, rawRequestAtMs: number | undefined): SimRun {
  const reachableTimes = new Map(Object.entries(timeline.reachable_time_ms).map(([key, ms]) => [key.replace('/', ':'), ms * MILLISECOND]));
  const net = new Network({ reachableTimes, timerWheel: { hz: HZ, phase } });
  const parsed = parseScenarioFile(scenarioPath(name));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const rows: { tick: number; entry: string; state: string }[] = [];
  let t0: number | undefined;
  const result = simulate(parsed.value, {
    network: net,
    pcapDir: scratch,
    onEntry: (entry) => {
      if (entry.command !== 'echo t0') return;
      t0 = entry.startedAt;
      for (let tick = 0; tick * TICK_MS <= timeline.duration_ms; tick++) {
        net.scheduler.at(t0 + tick * TICK_MS * MILLISECOND, () => {
          for (const ns of ['a', 'b']) {
            // `ip neigh show` lists every entry but NONE (and NOARP) ones.
            for (const e of net.namespace(ns)!.arp.entries()) if (e.state !== 'NONE') rows.push({ tick, entry: `${ns} ${e.device.name} ${formatIpv4(e.address)}`, state: e.state });
          }
        });
      }
      if (rawRequestAtMs !== undefined) {
        // incoming-request: a's raw broadcast request (fixtures/nud/nud.py arp-request eth0 … 10.0.0.1 10.0.0.2).
        net.scheduler.at(t0 + Math.round(rawRequestAtMs * MILLISECOND), () => {
          sendArp(net.namespace('a')!.device('eth0')!, ArpOperation.Request, 0x0a000002, 0x0a000001, MAC_BROADCAST, MAC_ZERO);
        });
      }
    },
  });
  if (t0 === undefined) throw new Error(`${name}: no "echo t0" in the scenario`);
  net.scheduler.runUntil(t0 + timeline.duration_ms * MILLISECOND);
  expect(result.exitStatus).toBe(0);
  const arp: ArpFrame[] = [];
  for (const f of result.captures.get('a:eth0') ?? []) {
    const kind = arpKind(f.data);
    if (kind && f.at >= t0) arp.push({ ms: (f.at - t0) / MILLISECOND, kind });
  }
  const pingOutput = result.transcript
    .filter((e) => e.startedAt >= t0!)
    .flatMap((e) => e.output.filter((c) => c.stream === 'stdout' && !c.text.startsWith('t0')).map((c) => c.text))
    .join('')
    .split('\n');
  return { phase, transitions: transitionsOf(rows), arp, pingOutput };
}

/** How far a run is from the recording: undefined when the state or frame sequences differ. */
function distance(run: SimRun, kernel: Transition[], kernelFrames: ArpFrame[]): { frames: number; ticks: number } | undefined {
  const k = perEntry(kernel);
  const s = perEntry(run.transitions);
  if (JSON.stringify([...k].map(([e, ts]) => [e, ts.map((t) => t.change)])) !== JSON.stringify([...s].map(([e, ts]) => [e, ts.map((t) => t.change)]))) return undefined;
  if (run.arp.length !== kernelFrames.length || run.arp.some((f, i) => f.kind !== kernelFrames[i]!.kind)) return undefined;
  let ticks = 0;
  for (const [entry, ts] of k) ts.forEach((t, i) => (ticks = Math.max(ticks, Math.abs(t.tick - s.get(entry)![i]!.tick))));
  const frames = Math.max(0, ...run.arp.map((f, i) => Math.abs(f.ms - kernelFrames[i]!.ms)));
  return { frames, ticks };
}

/** ping's lines with its measured times masked (they are real time on the kernel). */
function maskTimes(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(/time=[\d.]+ ms/, 'time=T ms').replace(/time \d+ms/, 'time Tms').replace(/= [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms/, '= T ms'));
}

describe.each(SCENARIOS)('%s: the simulator against the kernel recording (fixtures/nud)', (name) => {
  const timeline = JSON.parse(readFileSync(fixture(name, 'timeline.json'), 'utf8')) as KernelTimeline;
  const kernel = kernelTransitions(timeline);
  const kernelFrames = kernelArp(name, timeline);
  // incoming-request's raw request: sent by the test at the time the recording's left (its first frame).
  const rawRequestAtMs = name === 'incoming-request' ? Math.round(kernelFrames[0]!.ms) : undefined;
  const runs = PHASES.map((phase) => runSimulator(name, timeline, phase, rawRequestAtMs));
  const scored = runs.map((run) => ({ run, d: distance(run, kernel, kernelFrames) }));
  const fitting = scored.filter((x) => x.d !== undefined).sort((x, y) => x.d!.frames - y.d!.frames || x.d!.ticks - y.d!.ticks);
  const best = fitting[0]?.run ?? runs[0]!;

  it('goes through the kernel’s states, entry by entry, in the kernel’s order', () => {
    const shape = (ts: Transition[]) => [...perEntry(ts)].map(([entry, list]) => `${entry}: ${list.map((t) => t.change).join(', ')}`);
    expect(fitting.length, 'no phase of the timer wheel reproduces the recording').toBeGreaterThan(0);
    expect(shape(best.transitions)).toEqual(shape(kernel));
  });

  it(`changes state within ${TICK_SLACK} poll of the kernel`, () => {
    const k = perEntry(kernel);
    const s = perEntry(best.transitions);
    for (const [entry, list] of k) {
      list.forEach((t, i) => {
        const mine = s.get(entry)?.[i];
        expect(mine, `${entry} #${i}`).toBeDefined();
        expect(Math.abs(mine!.tick - t.tick), `${entry} ${t.change}: kernel tick ${t.tick}, simulator tick ${mine!.tick}`).toBeLessThanOrEqual(TICK_SLACK);
      });
    }
  });

  it(`sends the kernel’s ARP frames in order, each within ${FRAME_SLACK_MS} ms`, () => {
    expect(best.arp.map((f) => f.kind)).toEqual(kernelFrames.map((f) => f.kind));
    best.arp.forEach((f, i) => {
      const k = kernelFrames[i]!;
      expect(Math.abs(f.ms - k.ms), `frame ${i} (${k.kind}): kernel ${k.ms.toFixed(1)} ms, simulator ${f.ms.toFixed(1)} ms`).toBeLessThanOrEqual(FRAME_SLACK_MS);
    });
  });

  it('prints what the recording’s pings printed (times masked)', () => {
    const recorded = timeline.actions.filter((a) => a.cmd.startsWith('ping ')).flatMap((a) => a.output);
    const printed = best.pingOutput.filter((l, i, all) => i < all.length - 1 || l !== '');
    expect(maskTimes(printed)).toEqual(maskTimes(recorded));
  });
});
