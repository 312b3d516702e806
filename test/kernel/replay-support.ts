/**
 * Shared by the replay kernel tests: the seed tutorial's part scripts (fixtures/seed/*.sh, written for
 * /work/shared/tools/kernel-truth) as twinnet scenarios, and their recorded kernel output
 * (fixtures/seed/kernel/*.out) as the oracle a replay's transcript is checked against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFilter } from '../../core/decode/filter.ts';
import { createPrinter } from '../../core/decode/printer.ts';
import { linesMatch, type Renamings } from '../../core/doctest/normalise.ts';
import { parseMac, type MacAddress } from '../../core/mac.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import { formatScenarioError, parseScenario, type Scenario } from '../../core/scenario/index.ts';
import { entryOutput, type TranscriptEntry } from '../../core/transcript.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = join(ROOT, 'fixtures/seed');

function parse(text: string, file: string): Scenario {
  const r = parseScenario(text, { file });
  if (!r.ok) throw new Error(formatScenarioError(r.error));
  return r.value;
}

/**
 * The machine a part was recorded on, as the recording ran it: kernel-truth brings the fresh global namespace's
 * `lo` up, then the script sources host.sh, whose commands the recording echoes with `+++ ` (so the preamble is
 * the recording's own, whatever host.sh has become since).
 */
export function seedPreamble(part: string): Scenario {
  const lines = readFileSync(join(SEED, 'kernel', `${part}.out`), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('+++ '))
    .map((l) => l.slice(4));
  return parse(['ip link set lo up', ...lines].join('\n'), `fixtures/seed/kernel/${part}.out (host.sh as recorded)`);
}

/**
 * How long each part's `wait` waited for its `timeout N tcpdump … &` captures to end (their N minus the sleeps and
 * pings between), so that the replay keeps the recording's timeline (neighbour timers run on it).
 */
const WAITS: Readonly<Record<string, number>> = { 'a-netns1': 3, 'b-route': 8, 'c-veth2-failure': 6.5, 'd-bridge': 8 };

/** A part's background capture: the scenario line it became, its file in the pcap directory, and how long it ran. */
export interface SeedCapture {
  readonly command: string;
  readonly file: string;
  readonly seconds: number;
}

/**
 * A part script as a twinnet scenario: without `source host.sh` (the preamble) and the `tcpdump -r` read backs
 * (the test reads the capture files itself); `timeout N tcpdump … -w /tmp/tw-seed-X-DEV.pcap &` becomes
 * `tcpdump … -w X-DEV.pcap &`, written in the run's pcap directory and stopped at the end (its first N seconds are
 * what the recording kept), and `wait` a `sleep` as long as the recording's wait.
 */
export function seedPart(part: string): { scenario: Scenario; captures: SeedCapture[] } {
  const captures: SeedCapture[] = [];
  const text = readFileSync(join(SEED, `${part}.sh`), 'utf8')
    .split('\n')
    .filter((l) => !/^(source |tcpdump .* -r )/.test(l))
    .map((l) => {
      if (l === 'wait') return `sleep ${WAITS[part] ?? 0}`;
      const m = /^timeout (\S+) (tcpdump .*) -w \/tmp\/tw-seed-(\S+) &$/.exec(l);
      if (!m) return l;
      const command = `${m[2]} -w ${m[3]} &`;
      captures.push({ command, file: m[3]!, seconds: Number(m[1]) });
      return command;
    })
    .join('\n');
  return { scenario: parse(text, `fixtures/seed/${part}.sh`), captures };
}

/**
 * The MAC of every device the recording listed (`ip link`/`ip addr`, in the global namespace or with
 * `ip netns exec NS`), by `NS:DEV` / `DEV`, the last listing winning: given to the replay as `macs`, its veths get
 * the recording's MACs (as compare's --same-macs gives them the simulator's), so that a bridge takes the same
 * lowest-port MAC (net/bridge/br_stp_if.c: br_stp_recalculate_bridge_id()) as in the recording.
 */
export function recordedMacs(part: string): Map<string, MacAddress> {
  const macs = new Map<string, MacAddress>();
  for (const b of recordedBlocks(part)) {
    const m = /^(?:ip netns exec (\S+) )?ip (?:link|addr|a)(?: (?:list|show))?$/.exec(b.command);
    if (!m) continue;
    let device: string | undefined;
    for (const line of b.lines) {
      const head = /^\d+: ([^:@\s]+)(?:@\S+)?: </.exec(line);
      if (head) device = head[1];
      const ether = /^\s+link\/ether (\S+) /.exec(line);
      const mac = ether ? parseMac(ether[1]!) : undefined;
      if (device !== undefined && mac?.ok) macs.set(m[1] === undefined ? device : `${m[1]}:${device}`, mac.value);
    }
  }
  return macs;
}

/** One command of a recorded part and what it printed (background tcpdump banners and counts left out). */
export interface RecordedBlock {
  readonly command: string;
  readonly lines: readonly string[];
}

/** Lines a background tcpdump prints into whatever command runs then. */
export function isTcpdumpNoise(line: string): boolean {
  return /^(tcpdump: listening on |\d+ packets? (captured|received by filter|dropped by kernel)$|reading from file )/.test(line) || line === '';
}

/** The part's commands (`++ ` lines; host.sh's `+++ ` lines and their output left out) with their output. */
export function recordedBlocks(part: string): RecordedBlock[] {
  const blocks: { command: string; lines: string[] }[] = [];
  let inHost = true;
  for (const line of readFileSync(join(SEED, 'kernel', `${part}.out`), 'utf8').split('\n')) {
    if (line.startsWith('+++ ')) {
      inHost = true;
      continue;
    }
    if (line.startsWith('++ ')) {
      inHost = line.startsWith('++ source ');
      if (!inHost) blocks.push({ command: line.slice(3), lines: [] });
      continue;
    }
    if (!inHost && blocks.length > 0 && !isTcpdumpNoise(line)) blocks.at(-1)!.lines.push(line);
  }
  return blocks;
}

/**
 * Whether two `ip link`/`ip addr` lines differ only by linkwatch's timing: with carrier on (LOWER_UP) on both
 * sides, the operstate (NO-CARRIER, `state …`) is updated by the kernel's linkwatch work, which a run that pauses
 * between commands sees done and a fast shell may not (net/core/link_watch.c: linkwatch_schedule_work()).
 */
function linkwatchTiming(shown: string, real: string, renamings: Renamings): boolean {
  if (!shown.includes('LOWER_UP') || !real.includes('LOWER_UP')) return false;
  const mask = (l: string): string =>
    l
      .replace('NO-CARRIER,', '')
      .replace(/ state (UP|DOWN|LOWERLAYERDOWN) /, ' state * ')
      .replace(/^(\S+\s+)(UP|DOWN|LOWERLAYERDOWN)(\s+)/, '$1*$3');
  return linesMatch(mask(shown), mask(real), renamings);
}

/** One line pair that does not match. */
export interface Difference {
  readonly command: string;
  readonly recorded: string | undefined;
  readonly replayed: string | undefined;
}

/**
 * Commands that print the neighbour table in its hash order, which is random per table (net/core/neighbour.c:
 * neigh_hash_alloc() draws hash_rnd): their lines are matched in any order.
 */
function unordered(command: string): boolean {
  return /(^| )(ip (-\S+ )*neigh|arp)( |$)/.test(command);
}

/**
 * Matches each replayed command's output, line by line, with the recorded output of the same command (in order,
 * or in any order for the neighbour table), under the doctest normalisation (MACs, ifindexes and ICMP ids renamed
 * one-to-one across the part; times, rtt figures and IP ids of any value) and linkwatch's timing; returns every
 * difference. `skip` names commands whose output depends on the machine (the resolver of `arp -a`).
 */
export function compareWithRecording(transcript: readonly TranscriptEntry[], blocks: readonly RecordedBlock[], renamings: Renamings, skip: (command: string, index: number) => boolean = () => false): Difference[] {
  const used = new Set<number>();
  const out: Difference[] = [];
  transcript.forEach((entry, index) => {
    if (entry.preamble || skip(entry.command, index)) return;
    const k = blocks.findIndex((b, i) => !used.has(i) && b.command === entry.command);
    if (k < 0) return;
    used.add(k);
    const recorded = blocks[k]!.lines;
    const replayed = entryOutput(entry)
      .split('\n')
      .filter((l) => !isTcpdumpNoise(l));
    if (unordered(entry.command)) {
      // A JSON dump (`ip -j neigh`) is one line: its entries are what is unordered.
      const items = (lines: readonly string[]): string[] =>
        lines.flatMap((l) => (l.startsWith('[') ? (JSON.parse(l) as unknown[]).map((x) => JSON.stringify(x)) : [l]));
      const left = items(replayed);
      for (const a of items(recorded)) {
        const j = left.findIndex((b) => linesMatch(a, b, renamings) || reachableDraw(a, b, renamings));
        if (j >= 0) left.splice(j, 1);
        else out.push({ command: entry.command, recorded: a, replayed: undefined });
      }
      for (const b of left) out.push({ command: entry.command, recorded: undefined, replayed: b });
      return;
    }
    for (let i = 0; i < Math.max(recorded.length, replayed.length); i++) {
      const a = recorded[i];
      const b = replayed[i];
      if (a !== undefined && b !== undefined && (linesMatch(a, b, renamings) || linkwatchTiming(a, b, renamings))) continue;
      out.push({ command: entry.command, recorded: a, replayed: b });
    }
  });
  return out;
}

/**
 * A neighbour REACHABLE in one run and STALE in the other, all else equal: each run's reachable_time is a random
 * draw in [base/2, 3·base/2] (neigh_rand_reach_time(): 15–45 s by default), so an entry confirmed 15–45 s before
 * the listing may be either (DESIGN.md §5 nud-timer-jitter; seen on c-veth2-failure, whose replay takes ~23 s).
 */
function reachableDraw(a: string, b: string, renamings: Renamings): boolean {
  const states = / (REACHABLE|STALE) ?$/;
  const sa = states.exec(a)?.[1];
  const sb = states.exec(b)?.[1];
  return sa !== undefined && sb !== undefined && sa !== sb && linesMatch(a.replace(states, ` ${sb} `), b, renamings);
}

/** The `tcpdump -ennqtvv -r /tmp/tw-seed-X-DEV.pcap [FILTER]` read backs of a recording: file name → filter and lines. */
export function recordedReadBacks(part: string): Map<string, { filter: string | undefined; lines: readonly string[] }> {
  const out = new Map<string, { filter: string | undefined; lines: readonly string[] }>();
  for (const b of recordedBlocks(part)) {
    const m = /^tcpdump -ennqtvv -r \/tmp\/tw-seed-(\S+) ?(.*)$/.exec(b.command);
    if (m) out.set(m[1]!, { filter: m[2] === '' ? undefined : m[2]!.replace(/'/g, ''), lines: b.lines });
  }
  return out;
}

/**
 * A pcap file printed as `tcpdump -ennqtvv -r FILE [FILTER]` prints it (core/decode, checked against tcpdump
 * elsewhere), only its frames from `from` to `to` (ns since the run began).
 */
export function printCapture(file: string, filter: string | undefined, from = 0, to = Infinity): string[] {
  const compiled = filter === undefined ? undefined : compileFilter(filter);
  if (compiled !== undefined && !compiled.ok) throw new Error(compiled.error.message);
  const printer = createPrinter({ e: true, n: 1, q: true, t: 1, v: 2 });
  const lines: string[] = [];
  for (const r of readCapture(file)) {
    if (!r.ok) throw new Error(r.error.message);
    if (r.value.instant < from || r.value.instant >= to) continue;
    if (compiled && !compiled.value.matches(r.value.data)) continue;
    lines.push(...printer.print(r.value).split('\n'));
  }
  return lines;
}

/** Printed frames: a line that starts with a space continues the frame before it (tcpdump -v's second line). */
export function printedFrames(lines: readonly string[]): string[][] {
  const frames: string[][] = [];
  for (const l of lines) {
    if (/^\s/.test(l) && frames.length > 0) frames.at(-1)!.push(l);
    else frames.push([l]);
  }
  return frames;
}

/**
 * Matches recorded frames with replayed ones: ARP frames in order among themselves, and the others in order among
 * themselves. Where an ARP frame falls among the other traffic is NUD timer jitter (a DELAY → PROBE 5 s after an
 * entry's first use, net/core/neighbour.c: neigh_timer_handler()), which a replay's slower pace between commands
 * moves by a fraction of a second; DESIGN.md §5 counts it as declared variation. Returns the differences.
 */
export function compareFrames(recorded: readonly string[], replayed: readonly string[], renamings: Renamings): string[] {
  const out: string[] = [];
  const isArp = (f: readonly string[]): boolean => f[0]!.includes(', ARP, ');
  // IGMP reports come after random delays (DESIGN.md §5 igmp-report-timing): in one capture or not at all.
  const isIgmp = (f: readonly string[]): boolean => f.join(' ').includes('proto IGMP (2)');
  for (const arp of [true, false]) {
    const a = printedFrames(recorded).filter((f) => isArp(f) === arp && !isIgmp(f));
    const b = printedFrames(replayed).filter((f) => isArp(f) === arp && !isIgmp(f));
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x && y && x.length === y.length && x.every((l, k) => linesMatch(l, y[k]!, renamings))) continue;
      out.push(`recorded ${x?.join(' / ') ?? '(none)'}\n  replayed ${y?.join(' / ') ?? '(none)'}`);
    }
  }
  return out;
}
