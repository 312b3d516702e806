/**
 * `twinnet fuzz` and `twinnet check` (issue 6): property and differential testing on generated scenarios.
 *
 *     twinnet fuzz [--runs N] [--seed S] [--kernel] [--fault NAME] [--out DIR] [--max-namespaces N] [--replay-path P]
 *     twinnet check FILE [--kernel] [--seed N]
 *     twinnet check --gen [--runs N] [--seed S] [--kernel] [--max-namespaces N] [--print]
 *
 * A campaign draws scenarios (core/gen) and runs each one:
 * - on the simulator, judged by the properties (core/properties, frame conservation);
 * - with `--kernel` (root), on the kernel too, every device captured, compared with the simulator by
 *   `twinnet compare`'s rules (core/diff), and the properties judge the kernel's run as well;
 * - with `--fault NAME` (test only, sim/faults.ts), the simulator with that planted fault against the simulator
 *   without it (or against the kernel with `--kernel`).
 * On the first failure fast-check shrinks the scenario to the smallest one that still fails, and DIR receives it
 * (`scenario.sh`), both sides' captures, the kernel's run (`kernel.json`) and the report (`diff.txt`). The seed and
 * fast-check's path are printed; `--seed S --replay-path P` runs that case again.
 *
 * The checks on one scenario are a library too: `checkOnSimulator`, `differential`, `simAgainstSim`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readDiffFrames } from '../core/diff/capture-file.ts';
import { compare, formatCompareReport, type CompareReport } from '../core/diff/compare.ts';
import type { DiffFrame } from '../core/diff/frame.ts';
import type { NeighbourTiming } from '../core/diff/nud-timer.ts';
import type { StateDump } from '../core/diff/state-diff.ts';
import { KERNEL_GEN_OPTIONS, scenarioArbitrary, type GeneratedScenario } from '../core/gen/arbitrary.ts';
import type { GenOptions } from '../core/gen/model.ts';
import { checkProperties, formatPropertyResults, type PropertyResult } from '../core/properties/index.ts';
import type { Observation } from '../core/properties/observation.ts';
import { pcapBytes } from '../core/pcap/writer.ts';
import { formatScenarioError, parseScenario, parseScenarioFile, type Scenario } from '../core/scenario/index.ts';
import type { OutputChunk, TranscriptEntry } from '../core/transcript.ts';
import { capturePointFile, replay, ReplayRefusedError, type ReplayResult } from '../kernel-adapter/replay.ts';
import { FAULT_NAMES, type Faults } from '../sim/faults.ts';
import { observe, type ObserveOptions, type SimObservation } from '../sim/properties/observe.ts';
import { kernelRun, neighbourTimings, simulatorState } from './compare.ts';
import { simulatorVethMacs } from './replay.ts';

/* ------------------------------------------------------------------------------------------------------------ */
/* One scenario                                                                                                 */

/**
 * The kernel's timer wheel for the simulator's side of a differential run (this machine: CONFIG_HZ=250; the
 * jiffies phase is unknown, 0 is as good as any): neighbour and TCP timers then run as late as the kernel's, so
 * that a SYN retransmission due at 1 s comes after netcat's 1 s poll timeout, as it does on the kernel.
 */
export const KERNEL_TIMER_WHEEL = { hz: 250, phase: 0 } as const;

/** The simulator's run judged by the properties. */
export interface SimCheck {
  readonly observation: SimObservation;
  readonly properties: readonly PropertyResult[];
}

/** Runs the scenario on the simulator (every device captured, frame conservation followed) and judges it. */
export function checkOnSimulator(scenario: Scenario, options: { seed?: number; faults?: Faults } = {}): SimCheck {
  const observation = observe(scenario, { ...options, capture: 'all', conservation: true });
  const properties = checkProperties(scenario, observation, { conservation: observation.conservation });
  return { observation, properties };
}

/** A comparison of two runs of one scenario, with the properties judged on each. */
export interface Differential {
  readonly report: CompareReport;
  /** The reference run: the kernel, or the simulator without faults. */
  readonly reference: Observation;
  readonly candidate: SimObservation;
  readonly referenceProperties: readonly PropertyResult[];
  readonly candidateProperties: readonly PropertyResult[];
  /** The kernel's run, when the reference is the kernel. */
  readonly kernel?: ReplayResult;
}

/** The simulator as compare reads it: captures, transcript, state at the end, neighbour timers after each entry. */
function simulatorSide(scenario: Scenario, options: ObserveOptions): { observation: SimObservation; state: StateDump[]; timers: Map<number, NeighbourTiming[]> } {
  const timers = new Map<number, NeighbourTiming[]>();
  let index = 0;
  let state: StateDump[] = [];
  const observation = observe(scenario, {
    ...options,
    onEntry: (entry, net) => {
      const ns = net.namespace(entry.namespace);
      if (ns) timers.set(index, neighbourTimings(ns));
      index++;
    },
    onEnd: (net) => {
      state = simulatorState(net);
    },
  });
  return { observation, state, timers };
}

/**
 * The kernel against the simulator (root only), as `twinnet compare` runs them: the kernel first, with the
 * simulator's veth MACs and every device captured; then the simulator with the kernel's reachable times,
 * keeping on each device what the kernel's capture saw there.
 */
export async function differential(scenario: Scenario, options: { seed?: number; faults?: Faults } = {}): Promise<Differential> {
  const seed = options.seed ?? 1;
  const macs = simulatorVethMacs(scenario, { seed });
  const kernel = await replay(scenario, { seed, macs, captureAll: true });
  const reference = recordedOf(kernel);
  const { report, candidate } = againstRecorded(scenario, reference, options.faults);
  return { report, reference, candidate, referenceProperties: checkProperties(scenario, reference), candidateProperties: checkProperties(scenario, candidate), kernel };
}

/** A simulator with planted faults against one without, compared as `differential` compares the kernel. */
export function simAgainstSim(scenario: Scenario, options: { seed?: number; faults: Faults }): Differential {
  const seed = options.seed ?? 1;
  const ref = simulatorSide(scenario, { seed, capture: 'all' });
  const sim = simulatorSide(scenario, { seed, capture: 'all', faults: options.faults });
  const report = compare(
    { captures: ref.observation.captures, transcript: ref.observation.transcript, state: ref.state },
    { captures: sim.observation.captures, transcript: sim.observation.transcript, state: sim.state, neighbourTimersAfter: sim.timers },
    { sameMacs: true },
  );
  return {
    report,
    reference: ref.observation,
    candidate: sim.observation,
    referenceProperties: checkProperties(scenario, ref.observation),
    candidateProperties: checkProperties(scenario, sim.observation),
  };
}

/** A kernel run kept for later (`kernel.json` and its pcaps): what the simulator is compared with. */
export interface RecordedKernel extends Observation {
  readonly seed: number;
  readonly reachableTimes: ReadonlyMap<string, number>;
}

/** A replay as kept: its final state stamped with the end of its last command (as compare reads it). */
export function recordedOf(kernel: ReplayResult): RecordedKernel {
  const run = kernelRun(kernel);
  return { seed: kernel.seed, reachableTimes: kernel.reachableTimes, transcript: kernel.transcript, epilogue: kernel.epilogue, captures: kernel.captures, state: run.state ?? [] };
}

/** The simulator against a kernel run (live or recorded): the comparison and the simulator's run. */
export function againstRecorded(scenario: Scenario, kernel: RecordedKernel, faults?: Faults): { report: CompareReport; candidate: SimObservation } {
  const sim = simulatorSide(scenario, { seed: kernel.seed, reachableTimes: kernel.reachableTimes, capture: 'kernel', timerWheel: KERNEL_TIMER_WHEEL, ...(faults ? { faults } : {}) });
  const report = compare(
    { captures: beforeEnd(kernel.captures, kernel.transcript), transcript: kernel.transcript, state: kernel.state },
    { captures: beforeEnd(sim.observation.captures, sim.observation.transcript), transcript: sim.observation.transcript, state: sim.state, neighbourTimersAfter: sim.timers },
    { sameMacs: true },
  );
  return { report, candidate: sim.observation };
}

/**
 * `capture-end` (DESIGN.md §5): how long after its last command the kernel's capture still runs depends on real
 * time (background programs get 200 ms, then the helpers drain), so a frame due near the end (an ARP retry, a
 * timer the wheel rounds) may fall on either side of it. Each run's frames are compared up to the end of its last
 * command, less 300 ms of it (generated scenarios end with a quiet `sleep`, whose last 300 ms are left out).
 */
export const CAPTURE_END_MARGIN = 300_000_000;

function beforeEnd(captures: ReadonlyMap<string, readonly DiffFrame[]>, transcript: readonly TranscriptEntry[]): Map<string, DiffFrame[]> {
  const last = transcript.at(-1);
  if (!last) return new Map(captures as Map<string, DiffFrame[]>);
  const end = Math.max(last.startedAt, last.endedAt - CAPTURE_END_MARGIN);
  return new Map([...captures].map(([point, frames]) => [point, frames.filter((f) => f.at <= end)]));
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Kept runs                                                                                                    */

interface EntryJson {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly prompt: string;
  readonly command: string;
  readonly namespace: string | null;
  readonly output: readonly OutputChunk[];
  readonly status: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Writes a kernel run into `dir`: `kernel.json` (transcript, epilogue, state, reachable times) and `kernel.POINT.pcap`. */
export function writeRecordedKernel(dir: string, kernel: RecordedKernel): void {
  mkdirSync(dir, { recursive: true });
  const transcript: EntryJson[] = kernel.transcript.map((e) => ({
    file: e.position.file,
    line: e.position.line,
    column: e.position.column,
    prompt: e.prompt,
    command: e.command,
    namespace: e.namespace ?? null,
    output: e.output,
    status: e.status,
    startedAt: e.startedAt,
    endedAt: e.endedAt,
  }));
  const body = { seed: kernel.seed, reachableTimes: Object.fromEntries(kernel.reachableTimes), captures: [...kernel.captures.keys()], transcript, epilogue: kernel.epilogue, state: kernel.state };
  writeFileSync(join(dir, 'kernel.json'), `${JSON.stringify(body, null, 1)}\n`);
  writeCaptures(dir, 'kernel', kernel.captures);
}

/** Reads what `writeRecordedKernel` wrote. */
export function readRecordedKernel(dir: string): RecordedKernel {
  const json = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8')) as {
    seed: number;
    reachableTimes: Record<string, number>;
    captures: string[];
    transcript: EntryJson[];
    epilogue: OutputChunk[];
    state: StateDump[];
  };
  const transcript: TranscriptEntry[] = json.transcript.map((e) => ({
    position: { file: e.file, line: e.line, column: e.column },
    prompt: e.prompt,
    command: e.command,
    namespace: e.namespace ?? undefined,
    output: e.output,
    status: e.status,
    startedAt: e.startedAt,
    endedAt: e.endedAt,
  }));
  const captures = new Map<string, DiffFrame[]>();
  for (const point of json.captures) {
    const frames = readDiffFrames(join(dir, capturePointFile(point)));
    if (!frames.ok) throw new Error(`${dir}: ${point}: ${frames.error.message}`);
    captures.set(point, frames.value);
  }
  return { seed: json.seed, reachableTimes: new Map(Object.entries(json.reachableTimes)), transcript, epilogue: json.epilogue, captures, state: json.state };
}

/** Each capture point's frames as `PREFIX.POINT.pcap` (nanosecond pcap). */
export function writeCaptures(dir: string, prefix: string, captures: ReadonlyMap<string, readonly DiffFrame[]>): void {
  for (const [point, frames] of captures) {
    const file = join(dir, capturePointFile(point).replace(/^kernel\./, `${prefix}.`));
    writeFileSync(file, pcapBytes(frames, { resolution: 'nano', linkType: frames[0]?.linkType ?? 1 }));
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Campaign                                                                                                     */

/** The planted faults by name (`--fault NAME`). */
export type FaultName = keyof typeof FAULT_NAMES;

/** Options of a campaign. */
export interface CampaignOptions {
  readonly runs: number;
  readonly seed: number;
  /** Run each scenario on the kernel too (root). */
  readonly kernel?: boolean;
  /** TEST ONLY: the simulator runs with this planted fault (sim/faults.ts). */
  readonly fault?: FaultName;
  /** Where the shrunk failing scenario goes (nothing written when undefined). */
  readonly out?: string;
  /** fast-check's path of a case to run again. */
  readonly replayPath?: string;
  /** How scenarios are drawn (defaults: core/gen's; KERNEL_GEN_OPTIONS with `kernel`). */
  readonly gen?: GenOptions;
  /** Called after each scenario (progress). */
  readonly onProgress?: (p: Progress) => void;
  /** Called with each scenario's result (statistics). */
  readonly onCase?: (text: string, result: CaseResult) => void;
}

/** Where a campaign is. */
export interface Progress {
  readonly phase: 'running' | 'shrinking';
  /** Scenarios run (shrinking: attempts). */
  readonly done: number;
  readonly runs: number;
  /** Failing scenarios seen (the first, then each smaller one shrinking found). */
  readonly failures: number;
  /** Kernel divergences a second run did not show (timing-dependent). */
  readonly flaky: number;
  readonly seed: number;
  /** Scenarios per second so far. */
  readonly rate: number;
  readonly lines: number;
}

/** What one scenario's checks found. */
export interface CaseResult {
  readonly failed: boolean;
  /** The failures, one line each. */
  readonly reasons: readonly string[];
  /** The full report: comparison and properties. */
  readonly report: string;
  readonly reference?: { readonly name: string; readonly captures: ReadonlyMap<string, readonly DiffFrame[]> };
  readonly candidate: ReadonlyMap<string, readonly DiffFrame[]>;
  readonly kernel?: RecordedKernel;
  /** The properties on the simulator's run (the faulted one with a fault). */
  readonly properties: readonly PropertyResult[];
  /** A kernel divergence that a second kernel run did not show (timing-dependent), with its report. */
  readonly flaky?: string;
}

/** The result of a campaign. */
export interface CampaignResult {
  readonly runs: number;
  readonly failed: boolean;
  readonly seed: number;
  /** fast-check's path of the (shrunk) failing case. */
  readonly path: string | undefined;
  readonly shrinks: number;
  /** Kernel divergences a second run did not show (timing-dependent), by scenario text. */
  readonly flaky: readonly { readonly text: string; readonly report: string }[];
  /** The smallest failing scenario, its check and where it was written. */
  readonly counterexample: { readonly text: string; readonly result: CaseResult; readonly dir: string | undefined } | undefined;
  readonly seconds: number;
}

/** Runs one scenario's checks in a campaign's mode. */
export async function checkCase(text: string, options: { kernel?: boolean; fault?: FaultName }): Promise<CaseResult> {
  const parsed = parseScenario(text, { file: 'scenario.sh', form: 'script' });
  if (!parsed.ok) return { failed: true, reasons: [`does not parse: ${formatScenarioError(parsed.error)}`], report: formatScenarioError(parsed.error), candidate: new Map(), properties: [] };
  const scenario = parsed.value;
  const faults = options.fault ? FAULT_NAMES[options.fault] : undefined;
  const reasons: string[] = [];
  const propertyLines = (label: string, results: readonly PropertyResult[]): string => {
    for (const r of results) for (const v of r.violations) reasons.push(`${label} ${r.name}: ${v}`);
    return `properties on ${label}:\n${formatPropertyResults(results)}`;
  };
  if (options.kernel) {
    let d: Differential;
    let flaky: string | undefined;
    try {
      d = await differential(scenario, faults ? { faults } : {});
      // A divergence the same scenario does not show again on the kernel depends on real time, not on the
      // stacks' logic (a frame on either side of a run's end, a timer across a command): it is reported, and the
      // second run is the one judged.
      if (d.report.divergences > 0) {
        const again = await differential(scenario, faults ? { faults } : {});
        if (again.report.divergences === 0) {
          flaky = `timing-dependent: ${d.report.divergences} divergence${d.report.divergences === 1 ? '' : 's'} on a first kernel run, none on a second:\n${formatCompareReport(d.report, { a: 'kernel', b: 'sim' })}`;
          d = again;
        }
      }
    } catch (e) {
      if (e instanceof ReplayRefusedError) return { failed: true, reasons: [`the kernel refuses it: ${e.reasons.join('; ')}`], report: e.message, candidate: new Map(), properties: [] };
      throw e;
    }
    if (d.report.divergences > 0) reasons.push(`${d.report.divergences} divergence${d.report.divergences === 1 ? '' : 's'} between the kernel and the simulator`);
    const report = `${formatCompareReport(d.report, { a: 'kernel', b: 'sim' })}\n${propertyLines('kernel', d.referenceProperties)}${propertyLines('sim', d.candidateProperties)}${flaky ? `\n${flaky}` : ''}`;
    return {
      failed: reasons.length > 0,
      reasons,
      report,
      reference: { name: 'kernel', captures: d.reference.captures },
      candidate: d.candidate.captures,
      kernel: d.reference as RecordedKernel,
      properties: d.candidateProperties,
      ...(flaky ? { flaky } : {}),
    };
  }
  if (faults) {
    const d = simAgainstSim(scenario, { faults });
    if (d.report.divergences > 0) reasons.push(`${d.report.divergences} divergence${d.report.divergences === 1 ? '' : 's'} between the simulator and the faulted simulator`);
    const report = `${formatCompareReport(d.report, { a: 'sim', b: 'faulted' })}\n${propertyLines('faulted sim', d.candidateProperties)}`;
    return { failed: reasons.length > 0, reasons, report, reference: { name: 'sim-ref', captures: d.reference.captures }, candidate: d.candidate.captures, properties: d.candidateProperties };
  }
  const s = checkOnSimulator(scenario);
  const report = propertyLines('sim', s.properties);
  return { failed: reasons.length > 0, reasons, report, candidate: s.observation.captures, properties: s.properties };
}

/** The campaign's scenarios: core/gen's arbitrary with the mode's options. */
export function campaignArbitrary(options: Pick<CampaignOptions, 'kernel' | 'gen'>): fc.Arbitrary<GeneratedScenario> {
  return scenarioArbitrary(options.gen ?? (options.kernel ? KERNEL_GEN_OPTIONS : {}));
}

/** The command that runs a case again. */
export function reproduceCommand(options: Pick<CampaignOptions, 'seed' | 'kernel' | 'fault' | 'gen'>, path: string): string {
  const parts = ['twinnet fuzz', `--seed ${options.seed}`, `--replay-path ${path}`];
  if (options.kernel) parts.push('--kernel');
  if (options.fault) parts.push(`--fault ${options.fault}`);
  if (options.gen?.maxNamespaces !== undefined) parts.push(`--max-namespaces ${options.gen.maxNamespaces}`);
  return parts.join(' ');
}

/** Runs a campaign: `runs` generated scenarios, shrinking the first failure; writes it to `out`. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  let done = 0;
  let failures = 0;
  let phase: Progress['phase'] = 'running';
  let lastFailure: { text: string; result: CaseResult } | undefined;
  const flaky: { text: string; report: string }[] = [];
  const property = fc.asyncProperty(campaignArbitrary(options), async (g) => {
    const result = await checkCase(g.text, options);
    options.onCase?.(g.text, result);
    if (result.flaky && phase === 'running') flaky.push({ text: g.text, report: result.flaky });
    done++;
    if (result.failed) {
      failures++;
      lastFailure = { text: g.text, result };
      phase = 'shrinking';
    }
    options.onProgress?.({ phase, done, runs: options.runs, failures, flaky: flaky.length, seed: options.seed, rate: done / Math.max(0.001, (Date.now() - started) / 1000), lines: g.plan.lines.length });
    return !result.failed;
  });
  const details = await fc.check(property, { numRuns: options.runs, seed: options.seed, ...(options.replayPath !== undefined ? { path: options.replayPath } : {}) });
  const seconds = (Date.now() - started) / 1000;
  if (!details.failed || !details.counterexample) return { runs: details.numRuns, failed: false, seed: options.seed, path: undefined, shrinks: 0, flaky, counterexample: undefined, seconds };
  const text = details.counterexample[0].text;
  // The last failing call was the counterexample's (fast-check ends on it); run it again if not.
  const result = lastFailure?.text === text ? lastFailure.result : await checkCase(text, options);
  const path = details.counterexamplePath ?? undefined;
  let dir: string | undefined;
  if (options.out !== undefined) {
    dir = options.out;
    writeCounterexample(dir, text, result, path !== undefined ? reproduceCommand(options, path) : undefined);
  }
  return { runs: details.numRuns, failed: true, seed: options.seed, path, shrinks: details.numShrinks, flaky, counterexample: { text, result, dir }, seconds };
}

/** Writes a failing scenario into `dir`: scenario.sh, diff.txt, the captures of both sides, kernel.json. */
export function writeCounterexample(dir: string, text: string, result: CaseResult, reproduce: string | undefined): void {
  mkdirSync(dir, { recursive: true });
  const header = ['# A scenario twinnet fuzz found failing (issue 6), shrunk by fast-check.'];
  if (reproduce) header.push(`# Again: ${reproduce}`);
  header.push('# engines: sim,kernel');
  writeFileSync(join(dir, 'scenario.sh'), `${header.join('\n')}\n${text}`);
  writeFileSync(join(dir, 'diff.txt'), `${result.reasons.join('\n')}\n\n${result.report}`);
  if (result.kernel) writeRecordedKernel(dir, result.kernel);
  else if (result.reference) writeCaptures(dir, result.reference.name, result.reference.captures);
  writeCaptures(dir, 'sim', result.candidate);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Command line                                                                                                 */

const FUZZ_USAGE = `usage: twinnet fuzz [--runs N] [--seed S] [--kernel] [--out DIR] [--max-namespaces N] [--replay-path P] [--fault ${Object.keys(FAULT_NAMES).join('|')}]\n`;
const CHECK_USAGE = 'usage: twinnet check FILE [--kernel] | twinnet check --gen [--runs N] [--seed S] [--kernel] [--max-namespaces N] [--print]\n';

interface FuzzArgs {
  runs: number;
  seed: number;
  kernel: boolean;
  out: string;
  fault: FaultName | undefined;
  replayPath: string | undefined;
  maxNamespaces: number | undefined;
  file: string | undefined;
  gen: boolean;
  print: boolean;
}

function parseFuzzArgs(argv: readonly string[], command: 'fuzz' | 'check'): FuzzArgs | string {
  const args: FuzzArgs = { runs: command === 'fuzz' ? 100 : 1, seed: Date.now() % 0x7fffffff, kernel: false, out: 'fuzz-out', fault: undefined, replayPath: undefined, maxNamespaces: undefined, file: undefined, gen: false, print: false };
  const number = (flag: string, v: string | undefined, max: number): number | string => (v !== undefined && /^\d+$/.test(v) && Number(v) <= max ? Number(v) : `twinnet ${command}: ${flag} needs a number from 0 to ${max}, not "${v ?? ''}"`);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--kernel') args.kernel = true;
    else if (a === '--gen' && command === 'check') args.gen = true;
    else if (a === '--print' && command === 'check') args.print = true;
    else if (a === '--runs' || a === '--seed' || a === '--max-namespaces') {
      const n = number(a, argv[++i], a === '--seed' ? 0x7fffffff : a === '--runs' ? 1_000_000 : 500);
      if (typeof n === 'string') return n;
      if (a === '--runs') args.runs = n;
      else if (a === '--seed') args.seed = n;
      else args.maxNamespaces = Math.max(1, n);
    } else if (a === '--out' && command === 'fuzz') {
      const v = argv[++i];
      if (v === undefined) return 'twinnet fuzz: --out needs a directory';
      args.out = v;
    } else if (a === '--replay-path' && command === 'fuzz') {
      const v = argv[++i];
      if (v === undefined || !/^\d+(:\d+)*$/.test(v)) return `twinnet fuzz: --replay-path needs fast-check's path (such as 12:0:3), not "${v ?? ''}"`;
      args.replayPath = v;
    } else if (a === '--fault' && command === 'fuzz') {
      const v = argv[++i];
      if (v === undefined || !(v in FAULT_NAMES)) return `twinnet fuzz: --fault needs one of ${Object.keys(FAULT_NAMES).join(', ')}, not "${v ?? ''}"`;
      args.fault = v as FaultName;
    } else if (a.startsWith('-')) return `twinnet ${command}: unknown option "${a}"`;
    else if (command === 'check' && args.file === undefined) args.file = a;
    else return `twinnet ${command}: unexpected argument "${a}"`;
  }
  if (command === 'check' && (args.file === undefined) === !args.gen) return 'twinnet check: name a scenario FILE, or --gen';
  if (args.kernel && process.getuid?.() !== 0) return `twinnet ${command}: --kernel needs root (it creates network namespaces)`;
  return args;
}

function genOptions(args: FuzzArgs): GenOptions | undefined {
  if (args.maxNamespaces === undefined) return undefined;
  const base = args.kernel ? KERNEL_GEN_OPTIONS : {};
  return { ...base, maxNamespaces: args.maxNamespaces, maxLinks: Math.max(4, 2 * args.maxNamespaces), maxRoutes: Math.max(4, args.maxNamespaces) };
}

/** A progress bar on a terminal (one line, redrawn), plain lines otherwise. */
function progressPrinter(tty: boolean, kernel: boolean): (p: Progress) => void {
  let lastPlain = 0;
  return (p) => {
    const rate = p.rate >= 10 ? p.rate.toFixed(0) : p.rate.toFixed(1);
    if (tty) {
      const width = 24;
      const filled = p.phase === 'running' ? Math.round((width * Math.min(p.done, p.runs)) / Math.max(1, p.runs)) : width;
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      const what = p.phase === 'running' ? `${p.done}/${p.runs} runs` : `shrinking: ${p.done} tried, now ${p.lines} lines`;
      process.stdout.write(`\r\x1b[K[${bar}] ${what} · ${p.failures} failing${p.flaky ? ` · ${p.flaky} timing-dependent` : ''} · seed ${p.seed} · ${rate}/s`);
      return;
    }
    const step = kernel || p.phase === 'shrinking' ? 1 : Math.max(1, Math.floor(p.runs / 10));
    if (p.done - lastPlain < step && p.done !== p.runs) return;
    lastPlain = p.done;
    process.stdout.write(`${p.phase === 'running' ? `run ${p.done}/${p.runs}` : `shrinking, attempt ${p.done} (${p.lines} lines)`}: ${p.failures} failing${p.flaky ? `, ${p.flaky} timing-dependent` : ''}, seed ${p.seed}, ${rate}/s\n`);
  };
}

/** `twinnet fuzz`: 0 when every scenario passed, 1 when one failed (written to --out), 2 on a usage error. */
export async function fuzzCommand(argv: readonly string[]): Promise<number> {
  const args = parseFuzzArgs(argv, 'fuzz');
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${FUZZ_USAGE}`);
    return 2;
  }
  const tty = process.stdout.isTTY === true;
  const gen = genOptions(args);
  process.stdout.write(`twinnet fuzz: ${args.runs} runs, seed ${args.seed}${args.kernel ? ', on the kernel too' : ''}${args.fault ? `, planted fault ${args.fault}` : ''}\n`);
  const result = await runCampaign({
    runs: args.runs,
    seed: args.seed,
    kernel: args.kernel,
    out: args.out,
    ...(args.fault ? { fault: args.fault } : {}),
    ...(args.replayPath !== undefined ? { replayPath: args.replayPath } : {}),
    ...(gen ? { gen } : {}),
    onProgress: progressPrinter(tty, args.kernel),
  });
  if (tty) process.stdout.write('\n');
  for (const f of result.flaky) process.stdout.write(`twinnet fuzz: a timing-dependent kernel divergence (a second run agreed) on:\n${f.text.replace(/^/gm, '    ')}${f.report.split('\n').slice(0, 12).join('\n')}\n`);
  if (!result.failed) {
    process.stdout.write(`twinnet fuzz: ${result.runs} scenarios passed in ${result.seconds.toFixed(1)} s (seed ${result.seed})\n`);
    return 0;
  }
  const c = result.counterexample!;
  process.stdout.write(`twinnet fuzz: a failing scenario after ${result.runs} runs, shrunk ${result.shrinks} times to ${c.text.trimEnd().split('\n').length} lines (${result.seconds.toFixed(1)} s):\n\n`);
  process.stdout.write(c.text.replace(/^/gm, '    '));
  process.stdout.write(`\n${c.result.reasons.slice(0, 10).join('\n')}\n\n`);
  if (c.dir) process.stdout.write(`written to ${c.dir}/ (scenario.sh, diff.txt, captures)\n`);
  if (result.path) process.stdout.write(`seed ${result.seed}, path ${result.path}: ${reproduceCommand({ seed: result.seed, ...(args.kernel ? { kernel: true } : {}), ...(args.fault ? { fault: args.fault } : {}), ...(gen ? { gen } : {}) }, result.path)}\n`);
  return 1;
}

/** `twinnet check`: the properties on one scenario file, or on generated ones; 0 when they hold. */
export async function checkCommand(argv: readonly string[]): Promise<number> {
  const args = parseFuzzArgs(argv, 'check');
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${CHECK_USAGE}`);
    return 2;
  }
  const judge = async (scenario: Scenario, label: string): Promise<boolean> => {
    let results: readonly PropertyResult[];
    if (args.kernel) {
      const kernel = await replay(scenario, { captureAll: true });
      results = checkProperties(scenario, recordedOf(kernel));
    } else {
      results = checkOnSimulator(scenario).properties;
    }
    process.stdout.write(`${label} (${args.kernel ? 'kernel' : 'simulator'}):\n${formatPropertyResults(results)}`);
    return results.every((r) => r.violations.length === 0);
  };
  if (args.file !== undefined) {
    const parsed = parseScenarioFile(args.file);
    if (!parsed.ok) {
      process.stderr.write(`${formatScenarioError(parsed.error)}\n`);
      return 2;
    }
    return (await judge(parsed.value, args.file)) ? 0 : 1;
  }
  const gen = genOptions(args);
  const samples = fc.sample(campaignArbitrary({ kernel: args.kernel, ...(gen ? { gen } : {}) }), { numRuns: args.runs, seed: args.seed });
  let ok = true;
  for (const [i, g] of samples.entries()) {
    if (args.print) process.stdout.write(`# scenario ${i} (seed ${args.seed})\n${g.text}`);
    const parsed = parseScenario(g.text, { file: `generated-${i}.sh`, form: 'script' });
    if (!parsed.ok) {
      process.stderr.write(`${formatScenarioError(parsed.error)}\n`);
      return 2;
    }
    if (!(await judge(parsed.value, `scenario ${i} of seed ${args.seed}`))) ok = false;
  }
  return ok ? 0 : 1;
}
