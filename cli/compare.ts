/**
 * `twinnet compare FILE`: runs a scenario on the real kernel and on the simulator and compares them (DESIGN.md §5):
 * captures per capture point, state per namespace, transcripts entry by entry, then prints the report (or `--json`).
 *
 * The order matters. MACs come from the simulator: it runs first, and the replay gives each veth the simulator's
 * MAC (`--same-macs`, the default here; `--no-same-macs` leaves the kernel's random ones, matched one-to-one).
 * Reachable times come from the kernel: the replay reads each device's random reachable_time, and the simulator
 * runs again with them, so that neighbour timers line up (DESIGN.md §4 "Reachable time").
 * Status 0 when nothing but declared variation differs, 1 otherwise, 2 when the scenario cannot be compared here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { MILLISECOND, SECOND } from '../core/clock.ts';
import { compare, formatCompareReport, type CompareOptions, type CompareReport, type EngineRun } from '../core/diff/compare.ts';
import type { JsonValue } from '../core/diff/json.ts';
import type { NeighbourTiming } from '../core/diff/nud-timer.ts';
import type { StateDump } from '../core/diff/state-diff.ts';
import { parseDivergences, type Divergence } from '../core/doctest/divergences.ts';
import { formatIpv4 } from '../core/ipv4.ts';
import { formatScenarioError, parseScenarioFile, type Scenario } from '../core/scenario/index.ts';
import { replay, ReplayRefusedError, type ReplayResult } from '../kernel-adapter/replay.ts';
import { conntrackLine, conntrackUse } from '../l3/netfilter/conntrack-list.ts';
import { existingNetfilter } from '../l3/netfilter/netfilter.ts';
import { ctime, saveTable } from '../l3/netfilter/xt-save.ts';
import type { NetNamespace } from '../l3/namespace.ts';
import type { Network } from '../sim/network.ts';
import { Runner, type RunOptions, type RunResult } from '../sim/runner.ts';
import { listedNeighbours } from '../sim/show/ip-neigh.ts';
import { dumpState } from '../sim/show/state.ts';
import { simulatorVethMacs } from './replay.ts';

const USAGE = 'usage: twinnet compare FILE [--json] [--pcap-dir DIR] [--seed N] [--no-same-macs] [--tolerance MS] [--capture-all] [--preamble FILE]... [--divergences FILE]\n';

/** A namespace's neighbour entries with their timers (what the NUD timer rule needs, core/diff/nud-timer.ts). */
export function neighbourTimings(ns: NetNamespace): NeighbourTiming[] {
  return listedNeighbours(ns).map((e) => ({ dst: formatIpv4(e.address), dev: e.device.name, updatedAt: e.updated, ...(e.timer ? { nextTimerAt: e.timer.at } : {}) }));
}

/** The simulator's state at the end of a run, per namespace, in the shapes the kernel's dump has. */
export function simulatorState(net: Network): StateDump[] {
  const out: StateDump[] = [];
  for (const ns of net.allNamespaces()) {
    // dumpState parses what the show commands print, so its values are plain JSON.
    const s = dumpState(net, ns) as unknown as { links: JsonValue; addresses: JsonValue; routes: { main: JsonValue; local: JsonValue }; neighbours: JsonValue; fdb: JsonValue };
    const local = Array.isArray(s.routes.local) ? s.routes.local.map((r) => (typeof r === 'object' && r !== null && !Array.isArray(r) ? { ...r, table: 'local' } : r)) : [];
    const nf = existingNetfilter(ns);
    const date = ctime(Math.floor(net.now / SECOND));
    const table = (name: 'filter' | 'nat'): string => (nf?.tables[name].created ? saveTable(nf.tables[name], false, date) : '');
    out.push({
      namespace: ns.name === '' ? undefined : ns.name,
      at: net.now,
      links: s.links,
      addresses: s.addresses,
      routes: [...(Array.isArray(s.routes.main) ? s.routes.main : []), ...local],
      neighbours: s.neighbours,
      fdb: s.fdb,
      iptables: { filter: table('filter'), nat: table('nat') },
      conntrack: (nf?.conntrack.entries(net.now) ?? []).map((c) => `${conntrackLine(c, net.now, conntrackUse(ns, nf!.conntrack, c, net.now))}\n`).join(''),
      neighbourTimers: neighbourTimings(ns),
    });
  }
  return out;
}

/** A simulator run as compare reads it; `timers` holds each entry's neighbour timers (`simulateWithTimers`). */
export function simulatorRun(result: RunResult, timers?: ReadonlyMap<number, readonly NeighbourTiming[]>): EngineRun {
  return { captures: result.captures, transcript: result.transcript, state: simulatorState(result.network), ...(timers ? { neighbourTimersAfter: timers } : {}) };
}

/** Runs the simulator, keeping after each transcript entry the neighbour timers of the namespace it ran in. */
export function simulateWithTimers(scenario: Scenario, options: RunOptions): { result: RunResult; timers: Map<number, NeighbourTiming[]> } {
  const timers = new Map<number, NeighbourTiming[]>();
  let index = 0;
  const runner: Runner = new Runner({
    ...options,
    onEntry: (entry) => {
      const ns = runner.net.namespace(entry.namespace);
      if (ns) timers.set(index, neighbourTimings(ns));
      index++;
      options.onEntry?.(entry);
    },
  });
  return { result: runner.run(scenario), timers };
}

/** A kernel replay as compare reads it; its final dump is stamped with the end of its last command. */
export function kernelRun(result: ReplayResult): EngineRun {
  const at = result.transcript.at(-1)?.endedAt;
  return { captures: result.captures, transcript: result.transcript, state: result.state.final.map((s) => ({ ...s, ...(at !== undefined ? { at } : {}) })) };
}

/** Options of `compareScenario`. */
export interface CompareScenarioOptions extends CompareOptions {
  readonly seed?: number;
  /** Where the kernel's (`DIR/kernel`) and the simulator's (`DIR/sim`) pcap files go. */
  readonly pcapDir?: string;
  readonly preamble?: readonly Scenario[];
  readonly divergences?: readonly Divergence[];
  readonly captureAll?: boolean;
}

/** Runs a scenario on the simulator (for its MACs), the kernel, then the simulator with the kernel's reachable times, and compares. */
export async function compareScenario(scenario: Scenario, options: CompareScenarioOptions = {}): Promise<{ report: CompareReport; kernel: ReplayResult; sim: RunResult }> {
  if (options.pcapDir === undefined) {
    // The runs' `tcpdump -w` files go to a temporary directory (removed after), not the working directory.
    const pcapDir = mkdtempSync(join(tmpdir(), 'twinnet-compare-'));
    try {
      return await compareScenario(scenario, { ...options, pcapDir });
    } finally {
      rmSync(pcapDir, { recursive: true, force: true });
    }
  }
  if (options.captureAll && ((options.preamble?.length ?? 0) > 0 || (options.divergences?.length ?? 0) > 0)) {
    throw new Error('twinnet compare: --capture-all takes no --preamble or --divergences (it compares as twinnet fuzz does)');
  }
  const sameMacs = options.sameMacs ?? true;
  const common = { seed: options.seed, preamble: options.preamble ?? [], divergences: options.divergences ?? [] };
  const macs = sameMacs ? simulatorVethMacs(scenario, common) : new Map();
  const kernel = await replay(scenario, {
    ...common,
    macs,
    ...(options.pcapDir !== undefined ? { pcapDir: join(options.pcapDir, 'kernel') } : {}),
    ...(options.captureAll ? { captureAll: true } : {}),
  });
  if (options.pcapDir !== undefined) mkdirSync(join(options.pcapDir, 'sim'), { recursive: true });
  if (options.captureAll) {
    // Every device: the simulator keeps on each what the kernel's capture saw there, and both are compared as the
    // fuzz campaign compares them (cli/fuzz.ts againstRecorded()). Imported here: cli/fuzz.ts imports this file.
    const { againstRecorded, recordedOf, writeCaptures } = await import('./fuzz.ts');
    const { report, candidate } = againstRecorded(scenario, recordedOf(kernel));
    if (options.pcapDir !== undefined) writeCaptures(join(options.pcapDir, 'sim'), 'sim', candidate.captures);
    return { report, kernel, sim: candidate.result };
  }
  const { result: sim, timers } = simulateWithTimers(scenario, { ...common, reachableTimes: kernel.reachableTimes, ...(options.pcapDir !== undefined ? { pcapDir: join(options.pcapDir, 'sim') } : {}) });
  // The MACs the replay set are shared; any other (a bridge's random MAC before its first port) corresponds one-to-one.
  const report = compare(kernelRun(kernel), simulatorRun(sim, timers), { ...options, sameMacs: sameMacs ? new Set(kernel.macs.values()) : false });
  return { report, kernel, sim };
}

interface CompareArgs {
  file: string;
  seed: number | undefined;
  pcapDir: string | undefined;
  json: boolean;
  sameMacs: boolean;
  tolerance: number | undefined;
  captureAll: boolean;
  preamble: string[];
  divergences: string | undefined;
}

function parseArgs(argv: readonly string[]): CompareArgs | string {
  const args: CompareArgs = { file: '', seed: undefined, pcapDir: undefined, json: false, sameMacs: true, tolerance: undefined, captureAll: false, preamble: [], divergences: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '--json') args.json = true;
    else if (a === '--same-macs') args.sameMacs = true;
    else if (a === '--no-same-macs') args.sameMacs = false;
    else if (a === '--capture-all') args.captureAll = true;
    else if (a === '--seed') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) return `twinnet compare: --seed needs a number from 0 to 4294967295, not "${v ?? ''}"`;
      args.seed = Number(v);
    } else if (a === '--tolerance') {
      const v = value();
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) return `twinnet compare: --tolerance needs milliseconds, not "${v ?? ''}"`;
      args.tolerance = Number(v) * MILLISECOND;
    } else if (a === '--pcap-dir') {
      const v = value();
      if (v === undefined) return 'twinnet compare: --pcap-dir needs a directory';
      args.pcapDir = v;
    } else if (a === '--preamble') {
      const v = value();
      if (v === undefined) return 'twinnet compare: --preamble needs a file';
      args.preamble.push(v);
    } else if (a === '--divergences') {
      const v = value();
      if (v === undefined) return 'twinnet compare: --divergences needs a file';
      args.divergences = v;
    } else if (a.startsWith('-')) return `twinnet compare: unknown option "${a}"`;
    else if (args.file) return `twinnet compare: one scenario at a time ("${args.file}" and "${a}")`;
    else args.file = a;
  }
  if (!args.file) return 'twinnet compare: name a scenario file';
  if (args.captureAll && (args.preamble.length > 0 || args.divergences !== undefined)) return 'twinnet compare: --capture-all takes no --preamble or --divergences (it compares as twinnet fuzz does)';
  return args;
}

/** `twinnet compare`: 0 when only declared variation differs, 1 on a divergence, 2 when it cannot compare. */
export async function compareCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const parsed: Scenario[] = [];
  for (const file of [...args.preamble, args.file]) {
    const scenario = parseScenarioFile(file);
    if (!scenario.ok) {
      process.stderr.write(`${formatScenarioError(scenario.error)}\n`);
      return 2;
    }
    parsed.push(scenario.value);
  }
  let divergences: Divergence[] = [];
  if (args.divergences) {
    try {
      divergences = parseDivergences(readFileSync(args.divergences, 'utf8'));
    } catch (e) {
      process.stderr.write(`twinnet compare: cannot read ${args.divergences}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const scenario = parsed.pop()!;
  let outcome: Awaited<ReturnType<typeof compareScenario>>;
  try {
    outcome = await compareScenario(scenario, {
      seed: args.seed,
      preamble: parsed,
      divergences,
      sameMacs: args.sameMacs,
      captureAll: args.captureAll,
      ...(args.pcapDir !== undefined ? { pcapDir: args.pcapDir } : {}),
      ...(args.tolerance !== undefined ? { tolerance: args.tolerance } : {}),
    });
  } catch (e) {
    if (!(e instanceof ReplayRefusedError)) throw e;
    process.stderr.write(`${e.reasons.join('\n')}\n`);
    return 2;
  }
  const { report, kernel, sim } = outcome;
  const name = relative(process.cwd(), args.file) || args.file;
  if (args.json) {
    const body = { scenario: name, seed: sim.network.seed, sameMacs: args.sameMacs, kernel: { runId: kernel.runId, exitStatus: kernel.exitStatus, warnings: kernel.warnings }, sim: { exitStatus: sim.exitStatus }, ...report };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    for (const w of kernel.warnings) process.stderr.write(`twinnet compare: kernel: ${w}\n`);
    process.stdout.write(formatCompareReport(report, { a: 'kernel', b: 'sim' }));
  }
  return report.exitStatus;
}
