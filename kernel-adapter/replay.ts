/**
 * `replay(scenario, options)` (DESIGN.md §4, §6): runs a parsed scenario on the real kernel, in sandbox namespaces
 * `twn<run>-<name>` (the scenario's global namespace is `twn<run>-global`), and returns what the simulator's
 * `simulate()` returns, from the kernel: the transcript (the real tools' output, rewritten to the scenario's
 * names), captures (frames read back from pcap files), state dumps, exit status and the doctest summary; plus what
 * compare needs to line the simulator up with this run (each device's reachable_time, the veth MACs set).
 *
 * Everything that could stop the run is found before anything is created (replay-refusals.ts, preflight.ts).
 * Whatever happens afterwards, background programs and captures are stopped and every sandbox namespace is
 * deleted; a process killed outright leaves its namespaces to `twinnet sweep`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DoctestSummary } from '../core/doctest/command-check.ts';
import type { Divergence } from '../core/doctest/divergences.ts';
import type { MacAddress } from '../core/mac.ts';
import { pcapBytes } from '../core/pcap/writer.ts';
import type { Scenario } from '../core/scenario/index.ts';
import type { OutputChunk, TranscriptEntry } from '../core/transcript.ts';
import type { CaptureBackend } from './capture/capture.ts';
import { scenarioCommands } from './command.ts';
import { onProcessEnd } from './exit-hooks.ts';
import { bundledHelper, tsxLoaderUrl } from './node-helper.ts';
import { environmentProblems, preflight } from './preflight.ts';
import type { KernelFrame } from './replay-capture.ts';
import { replayRefusals } from './replay-refusals.ts';
import { KernelRunner, type StateSnapshot } from './replay-runner.ts';
import { Sandbox } from './sandbox.ts';
import { dumpState, type NamespaceState } from './state.ts';

/** The simulator's default seed (sim/network.ts DEFAULT_SEED; a test holds them equal). */
export const DEFAULT_REPLAY_SEED = 1;
/** How long a foreground command may run before the replay interrupts it, unless its own options say longer. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** Options of a replay. */
export interface ReplayOptions {
  /** The simulator's seed: ping identifiers are firstPid(seed) + n, as the simulator gives them (default 1). */
  readonly seed?: number;
  /** Where relative `tcpdump -w` and redirection paths go, and where each capture point's pcap is written. */
  readonly pcapDir?: string;
  /** A document's listed divergences (DESIGN.md §1). */
  readonly divergences?: readonly Divergence[];
  /** Scenarios run first, marked as preamble in the transcript (the tutorial's machine). */
  readonly preamble?: readonly Scenario[];
  /**
   * veth MACs to set right after each `ip link add` (`--same-macs`; never a bridge's, DESIGN.md §4 "MACs"), by
   * the device's place at the end of the run (`NS:DEV`, `DEV` in the global namespace), else where it was made.
   */
  readonly macs?: ReadonlyMap<string, MacAddress>;
  /** Capture every interface of every namespace, from before each traffic command to the end. */
  readonly captureAll?: boolean;
  /** `cap` (libpcap in a helper, the default) or the real `tcpdump -w`. */
  readonly captureBackend?: CaptureBackend;
  /** Default time limit of a foreground command, in ms (10 s). */
  readonly commandTimeoutMs?: number;
  /** Keep IPv6 on in the sandbox namespaces (default off, as the simulator). */
  readonly ipv6?: boolean;
  /** Called with each transcript entry as soon as it is complete. */
  readonly onEntry?: (entry: TranscriptEntry) => void;
  /** Called once the run has its id, before anything is created (sandbox namespaces are `twn<runId>-<name>`). */
  readonly onStart?: (runId: string) => void;
}

/** The state dumps of a run (DESIGN.md §4 "State"). */
export interface ReplayState {
  /** Every namespace at the end, the global one first. */
  readonly final: readonly NamespaceState[];
  /** The namespace of each show command, right after it. */
  readonly afterShows: readonly StateSnapshot[];
}

/** What a replay produced: `simulate()`'s shape from the kernel, and what compare needs besides. */
export interface ReplayResult {
  readonly runId: string;
  readonly seed: number;
  readonly transcript: readonly TranscriptEntry[];
  /** What background programs printed when they were stopped at the end. */
  readonly epilogue: readonly OutputChunk[];
  /** Frames per capture point (`NS:DEV`, `DEV` in the global namespace), in time order (ns since the run began). */
  readonly captures: ReadonlyMap<string, readonly KernelFrame[]>;
  /** With `pcapDir`: each capture point's frames as a nanosecond pcap (`kernel.NS.DEV.pcap`, `kernel.DEV.pcap`). */
  readonly pcapFiles: ReadonlyMap<string, string>;
  readonly state: ReplayState;
  /** The kernel names no drops: always empty (the simulator's drop records have no kernel counterpart). */
  readonly drops: readonly never[];
  /** 0 when the scenario ran (and every document check matched or was a listed divergence). */
  readonly exitStatus: number;
  readonly summary: DoctestSummary;
  /** Each device's reachable_time in ns (`NS:DEV`, `DEV`), for the simulator's `reachableTimes` (compare mode). */
  readonly reachableTimes: ReadonlyMap<string, number>;
  /** The MACs set on veths, by where each was created. */
  readonly macs: ReadonlyMap<string, MacAddress>;
  /** Things that did not go as asked but did not stop the run (a MAC that could not be set …). */
  readonly warnings: readonly string[];
}

/** A replay refused before anything was created: every reason, each naming its line. */
export class ReplayRefusedError extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(reasons.join('\n'));
    this.name = 'ReplayRefusedError';
  }
}

const APPS_DIR = fileURLToPath(new URL('./apps/', import.meta.url));

/** twinnet's own httpd/curl for the kernel (kernel-adapter/apps/), as argv builders, when they exist. */
function kernelApps(): { httpd?: (args: readonly string[]) => string[]; curl?: (args: readonly string[]) => string[] } {
  const app = (name: string) => {
    const file = join(APPS_DIR, `${name}.ts`);
    if (!existsSync(file)) return undefined;
    const bundle = bundledHelper(file);
    const program = bundle !== undefined ? [bundle] : ['--import', tsxLoaderUrl(), file];
    return (args: readonly string[]) => [process.execPath, ...program, ...args];
  };
  const httpd = app('httpd');
  const curl = app('curl');
  return { ...(httpd ? { httpd } : {}), ...(curl ? { curl } : {}) };
}

/** Every reason the scenario cannot be replayed here, found without creating anything but preflight's probe. */
export function replayProblems(scenario: Scenario, options: Pick<ReplayOptions, 'preamble' | 'pcapDir'> = {}): string[] {
  const all = [...(options.preamble ?? []), scenario];
  const apps = kernelApps();
  const refusals = replayRefusals(all, { pcapDir: options.pcapDir, appsAvailable: apps.httpd !== undefined && apps.curl !== undefined });
  if (refusals.length > 0) return [...environmentProblems(), ...refusals];
  const checked = preflight(all.flatMap((s) => scenarioCommands(s)));
  return checked.ok ? [] : checked.error;
}

/** The file name of a capture point's pcap: `kernel.NS.DEV.pcap`, `kernel.DEV.pcap`. */
export function capturePointFile(point: string): string {
  return `kernel.${point.replace(':', '.').replace(/[^\w.-]/g, '_')}.pcap`;
}

/**
 * Replays `scenario` on the kernel. Rejects with a ReplayRefusedError (nothing created) when it cannot run here;
 * any other failure stops everything and cleans up before it propagates.
 */
export async function replay(scenario: Scenario, options: ReplayOptions = {}): Promise<ReplayResult> {
  const problems = replayProblems(scenario, options);
  if (problems.length > 0) throw new ReplayRefusedError(problems);
  const seed = (options.seed ?? DEFAULT_REPLAY_SEED) >>> 0;
  if (options.pcapDir !== undefined) mkdirSync(options.pcapDir, { recursive: true });
  const sandbox = Sandbox.create({ ipv6: options.ipv6 ?? false });
  const workDir = mkdtempSync(join(tmpdir(), `twinnet-replay-${sandbox.runId}-`));
  const removeWorkDir = (): void => rmSync(workDir, { recursive: true, force: true });
  const unregister = onProcessEnd(removeWorkDir);
  options.onStart?.(sandbox.runId);
  const runner = new KernelRunner(sandbox, {
    seed,
    pcapDir: options.pcapDir,
    workDir,
    divergences: options.divergences ?? [],
    macs: options.macs ?? new Map(),
    captureAll: options.captureAll ?? false,
    backend: options.captureBackend ?? 'cap',
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    apps: kernelApps(),
    ...(options.onEntry ? { onEntry: options.onEntry } : {}),
  });
  try {
    const exitStatus = await runner.run(scenario, options.preamble ?? []);
    const final = dumpState(sandbox);
    const pcapFiles = new Map<string, string>();
    if (options.pcapDir !== undefined) {
      for (const [point, frames] of runner.captures) {
        const file = join(options.pcapDir, capturePointFile(point));
        writeFileSync(file, pcapBytes(frames, { resolution: 'nano', linkType: frames[0]?.linkType ?? 1 }));
        pcapFiles.set(point, file);
      }
    }
    return {
      runId: sandbox.runId,
      seed,
      transcript: runner.transcript,
      epilogue: runner.epilogue,
      captures: runner.captures,
      pcapFiles,
      state: { final, afterShows: runner.snapshots },
      drops: [],
      exitStatus,
      summary: { ...runner.summary },
      reachableTimes: runner.reachableTimes,
      macs: runner.macsSet,
      warnings: runner.warnings,
    };
  } catch (e) {
    runner.abort();
    throw e;
  } finally {
    sandbox.cleanup();
    removeWorkDir();
    unregister();
  }
}
