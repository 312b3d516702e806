import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDivergences, type Divergence } from '../core/doctest/divergences.ts';
import { formatScenarioError, parseScenarioFile, type Scenario } from '../core/scenario/index.ts';
import { Runner } from '../sim/runner.ts';
import type { TranscriptEntry } from '../sim/transcript.ts';
import { epilogueText, printedEntry, summaryLine, transcriptJson } from './print.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built-in default: the seed tutorial, on the machine it was written on (DESIGN.md §1). */
export const DEFAULT_SCENARIO = join(ROOT, 'fixtures/seed/tutorial.txt');
const DEFAULT_PREAMBLE = join(ROOT, 'fixtures/seed/host.sh');
const DEFAULT_DIVERGENCES = join(ROOT, 'fixtures/seed/divergences.md');

const USAGE = 'usage: twinnet run [FILE] [--seed N] [--pcap-dir DIR] [--json] [--preamble FILE]... [--divergences FILE]\n';

interface RunArgs {
  file: string;
  seed: number | undefined;
  pcapDir: string | undefined;
  json: boolean;
  preamble: string[];
  divergences: string | undefined;
}

function parseArgs(argv: readonly string[]): RunArgs | string {
  const args: RunArgs = { file: '', seed: undefined, pcapDir: undefined, json: false, preamble: [], divergences: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '--json') args.json = true;
    else if (a === '--seed') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) return `twinnet run: --seed needs a number from 0 to 4294967295, not "${v ?? ''}"`;
      args.seed = Number(v);
    } else if (a === '--pcap-dir') {
      const v = value();
      if (v === undefined) return 'twinnet run: --pcap-dir needs a directory';
      args.pcapDir = v;
    } else if (a === '--preamble') {
      const v = value();
      if (v === undefined) return 'twinnet run: --preamble needs a file';
      args.preamble.push(v);
    } else if (a === '--divergences') {
      const v = value();
      if (v === undefined) return 'twinnet run: --divergences needs a file';
      args.divergences = v;
    } else if (a.startsWith('-')) return `twinnet run: unknown option "${a}"`;
    else if (args.file) return `twinnet run: one scenario at a time ("${args.file}" and "${a}")`;
    else args.file = a;
  }
  if (!args.file) {
    args.file = DEFAULT_SCENARIO;
    if (args.preamble.length === 0) args.preamble.push(DEFAULT_PREAMBLE);
    args.divergences ??= DEFAULT_DIVERGENCES;
  }
  return args;
}

/** `twinnet run`: runs a scenario on the simulator and prints the transcript (or JSON). */
export async function runCommand(argv: readonly string[]): Promise<number> {
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
      process.stderr.write(`twinnet run: cannot read ${args.divergences}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (args.pcapDir) mkdirSync(args.pcapDir, { recursive: true });
  const scenario = parsed.pop()!;
  const show = (entry: TranscriptEntry): void => {
    if (args.json) return;
    process.stdout.write(printedEntry(entry));
  };
  const runner = new Runner({ seed: args.seed, pcapDir: args.pcapDir, divergences, preamble: parsed, onEntry: show });
  const result = runner.run(scenario);
  if (!args.json) process.stdout.write(epilogueText(result.epilogue));
  const name = relative(process.cwd(), args.file) || args.file;
  if (args.json) {
    const transcript = transcriptJson(result.transcript);
    const epilogue = epilogueText(result.epilogue);
    process.stdout.write(`${JSON.stringify({ scenario: name, seed: result.network.seed, exitStatus: result.exitStatus, summary: result.summary, transcript, epilogue, drops: result.drops }, null, 2)}\n`);
  } else if (scenario.form === 'document') {
    process.stdout.write(summaryLine(name, result.summary));
  }
  return result.exitStatus;
}
