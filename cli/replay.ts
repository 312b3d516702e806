/**
 * `twinnet replay FILE`: runs a scenario on the real kernel (kernel-adapter/replay.ts) and prints the transcript in
 * `twinnet run`'s format (cli/print.ts), or `--json`. `--same-macs` runs the simulator first and gives each veth
 * the simulator's MAC (compare's default, DESIGN.md §4 "MACs").
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseDivergences, type Divergence } from '../core/doctest/divergences.ts';
import { formatMac, type MacAddress } from '../core/mac.ts';
import { formatScenarioError, parseScenarioFile, type Scenario } from '../core/scenario/index.ts';
import { replay, ReplayRefusedError, type ReplayResult } from '../kernel-adapter/replay.ts';
import { simulate } from '../sim/runner.ts';
import { epilogueText, printedEntry, summaryLine, transcriptJson } from './print.ts';

const USAGE =
  'usage: twinnet replay FILE [--pcap-dir DIR] [--json] [--same-macs] [--capture-all] [--seed N] [--preamble FILE]... [--divergences FILE] [--backend cap|tcpdump]\n';

interface ReplayArgs {
  file: string;
  seed: number | undefined;
  pcapDir: string | undefined;
  json: boolean;
  sameMacs: boolean;
  captureAll: boolean;
  preamble: string[];
  divergences: string | undefined;
  backend: 'cap' | 'tcpdump';
}

function parseArgs(argv: readonly string[]): ReplayArgs | string {
  const args: ReplayArgs = { file: '', seed: undefined, pcapDir: undefined, json: false, sameMacs: false, captureAll: false, preamble: [], divergences: undefined, backend: 'cap' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '--json') args.json = true;
    else if (a === '--same-macs') args.sameMacs = true;
    else if (a === '--capture-all') args.captureAll = true;
    else if (a === '--seed') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) return `twinnet replay: --seed needs a number from 0 to 4294967295, not "${v ?? ''}"`;
      args.seed = Number(v);
    } else if (a === '--pcap-dir') {
      const v = value();
      if (v === undefined) return 'twinnet replay: --pcap-dir needs a directory';
      args.pcapDir = v;
    } else if (a === '--preamble') {
      const v = value();
      if (v === undefined) return 'twinnet replay: --preamble needs a file';
      args.preamble.push(v);
    } else if (a === '--divergences') {
      const v = value();
      if (v === undefined) return 'twinnet replay: --divergences needs a file';
      args.divergences = v;
    } else if (a === '--backend') {
      const v = value();
      if (v !== 'cap' && v !== 'tcpdump') return `twinnet replay: --backend is cap or tcpdump, not "${v ?? ''}"`;
      args.backend = v;
    } else if (a.startsWith('-')) return `twinnet replay: unknown option "${a}"`;
    else if (args.file) return `twinnet replay: one scenario at a time ("${args.file}" and "${a}")`;
    else args.file = a;
  }
  if (!args.file) return 'twinnet replay: name a scenario file';
  return args;
}

/**
 * The simulator's veth MACs after running the scenario, by place (`NS:DEV`, `DEV` in the global namespace): what
 * `--same-macs` gives the replay.
 */
export function simulatorVethMacs(scenario: Scenario, options: { seed?: number; preamble?: readonly Scenario[]; divergences?: readonly Divergence[] }): Map<string, MacAddress> {
  // Only the MACs are wanted: `tcpdump -w` lines of this run write into a temporary directory, removed after.
  const pcapDir = mkdtempSync(join(tmpdir(), 'twinnet-macs-'));
  let result;
  try {
    result = simulate(scenario, { seed: options.seed, preamble: options.preamble ?? [], divergences: options.divergences ?? [], pcapDir });
  } finally {
    rmSync(pcapDir, { recursive: true, force: true });
  }
  const macs = new Map<string, MacAddress>();
  for (const ns of result.network.allNamespaces()) {
    for (const device of ns.devices) if (device.kind === 'veth') macs.set(ns.name === '' ? device.name : `${ns.name}:${device.name}`, device.mac);
  }
  return macs;
}

/** The run as `--json` prints it. */
function resultJson(name: string, result: ReplayResult): Record<string, unknown> {
  return {
    scenario: name,
    engine: 'kernel',
    runId: result.runId,
    seed: result.seed,
    exitStatus: result.exitStatus,
    summary: result.summary,
    transcript: transcriptJson(result.transcript),
    epilogue: epilogueText(result.epilogue),
    drops: result.drops,
    captures: Object.fromEntries([...result.captures].map(([point, frames]) => [point, { frames: frames.length, ...(result.pcapFiles.has(point) ? { file: result.pcapFiles.get(point) } : {}) }])),
    reachableTimes: Object.fromEntries(result.reachableTimes),
    macs: Object.fromEntries([...result.macs].map(([k, v]) => [k, formatMac(v)])),
    state: result.state,
    warnings: result.warnings,
  };
}

/** `twinnet replay`: 0 when the scenario ran (and a document matched), its status otherwise; 2 when refused. */
export async function replayCommand(argv: readonly string[]): Promise<number> {
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
      process.stderr.write(`twinnet replay: cannot read ${args.divergences}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (args.pcapDir) mkdirSync(args.pcapDir, { recursive: true });
  const scenario = parsed.pop()!;
  const macs = args.sameMacs ? simulatorVethMacs(scenario, { seed: args.seed, preamble: parsed, divergences }) : new Map<string, MacAddress>();
  let result: ReplayResult;
  try {
    result = await replay(scenario, {
      seed: args.seed,
      pcapDir: args.pcapDir,
      divergences,
      preamble: parsed,
      macs,
      captureAll: args.captureAll,
      captureBackend: args.backend,
    });
  } catch (e) {
    if (!(e instanceof ReplayRefusedError)) throw e;
    process.stderr.write(`${e.reasons.join('\n')}\n`);
    return 2;
  }
  const name = relative(process.cwd(), args.file) || args.file;
  if (args.json) {
    process.stdout.write(`${JSON.stringify(resultJson(name, result), null, 2)}\n`);
  } else {
    for (const entry of result.transcript) process.stdout.write(printedEntry(entry));
    process.stdout.write(epilogueText(result.epilogue));
    for (const w of result.warnings) process.stderr.write(`twinnet replay: ${w}\n`);
    if (scenario.form === 'document') process.stdout.write(summaryLine(name, result.summary));
  }
  return result.exitStatus;
}
