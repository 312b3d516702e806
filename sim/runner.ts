import { isAbsolute, join } from 'node:path';
import { MILLISECOND, SECOND, type Instant } from '../core/clock.ts';
import { checkDocCommand, countCheck, emptySummary } from '../core/doctest/command-check.ts';
import type { Divergence } from '../core/doctest/divergences.ts';
import { newRenamings, type Renamings } from '../core/doctest/normalise.ts';
import { formatScenarioError, parseScenario, type Command, type DocCommand, type Scenario, type Statement } from '../core/scenario/index.ts';
import type { TimerWheel } from '../l2/timer-wheel.ts';
import type { DropRecord } from '../l3/namespace.ts';
import type { CaptureProcess, CapturedFrame, CaptureSink } from './exec/capture.ts';
import type { CommandIo } from './exec/context.ts';
import { dispatch, noNamespace } from './exec/dispatch.ts';
import { Network } from './network.ts';
import { Redirector } from './redirect.ts';
import type { OutputChunk, SimProcess } from './process.ts';
import { entryOutput, type CommandCheck, type TranscriptEntry } from './transcript.ts';

/** Virtual time one command takes to run (fork, exec, netlink): the clock moves on by this much after each. */
export const COMMAND_TIME = 1 * MILLISECOND;
/** A foreground program that has not finished after this much virtual time is stopped as if by ^C. */
export const FOREGROUND_LIMIT = 3600 * SECOND;

/** Options of a run. */
export interface RunOptions {
  readonly seed?: number;
  /** Where `tcpdump -w FILE` writes relative paths (default: the current directory). */
  readonly pcapDir?: string;
  /** A document's listed divergences (DESIGN.md §1). */
  readonly divergences?: readonly Divergence[];
  /** Scenarios run first, marked as preamble in the transcript (the tutorial's machine). */
  readonly preamble?: readonly Scenario[];
  /** Called with each entry as soon as it is complete (a CLI prints as it goes). */
  readonly onEntry?: (entry: TranscriptEntry) => void;
  /** An existing network to run on (the library's step-by-step use). */
  readonly network?: Network;
  /** reachable_time per device (`NS:DEV`, `DEV` in the global namespace), in ns, instead of the seeded draw. */
  readonly reachableTimes?: ReadonlyMap<string, number>;
  /** The kernel's timer wheel (HZ and jiffies phase): neighbour timers then run as late as the kernel's would. */
  readonly timerWheel?: TimerWheel;
}

/** What a run produced (DESIGN.md §6 `simulate`). */
export interface RunResult {
  readonly network: Network;
  readonly transcript: readonly TranscriptEntry[];
  /** Frames per capture point (`NS:DEV`, or `DEV` in the global namespace), in capture order. */
  readonly captures: ReadonlyMap<string, readonly CapturedFrame[]>;
  readonly drops: readonly DropRecord[];
  /** What background programs (`tcpdump … &`, `nc -l … &`) printed when they were stopped at the end. */
  readonly epilogue: readonly OutputChunk[];
  /** 0 when the scenario ran (and every document check matched or was a listed divergence). */
  readonly exitStatus: number;
  readonly summary: { matched: number; unchecked: number; divergences: number; mismatches: number; skipped: number };
}

/** Thrown inside the runner to stop a script (`exit`, `set -e`). */
class Stop {
  constructor(readonly status: number) {}
}

/** A frame seen on a device during one command (a document's tcpdump replays them). */
interface LoggedFrame extends CapturedFrame {
  readonly command: number;
  readonly namespace: string;
  readonly device: string;
}

/**
 * Runs scenarios on the simulator, as a shell runs a script (`;`, `&&`, `||`, `|`, `&`, `set -e`, `exit`) or as a
 * doctest runs a document, and keeps the transcript, the captures and the drops.
 */
export class Runner {
  readonly net: Network;
  readonly transcript: TranscriptEntry[] = [];
  readonly captures = new Map<string, CapturedFrame[]>();
  private readonly jobs: { process: SimProcess; taken: number; redirect: Redirector | undefined }[] = [];
  /** A foreground `tcpdump` in a script captures for the next command (DESIGN.md §2). */
  private armedCapture: { process: CaptureProcess; output: OutputChunk[]; redirect: Redirector | undefined } | undefined;
  private errexit = false;
  private preamble = false;
  private commandIndex = 0;
  private frameLog: LoggedFrame[] | undefined;
  private readonly renamings: Renamings = newRenamings();
  private readonly summary = emptySummary();
  private failed = false;
  /** How many kernel log lines (iptables LOG) the transcript has shown. */
  private logShown = 0;
  /** What background programs printed when the scenario ended and they were stopped. */
  readonly epilogue: OutputChunk[] = [];

  constructor(private readonly options: RunOptions = {}) {
    this.net = options.network ?? new Network({ seed: options.seed, reachableTimes: options.reachableTimes, timerWheel: options.timerWheel });
  }

  /** Runs the preamble, then the scenario; stops background programs at the end. */
  run(scenario: Scenario): RunResult {
    let status = 0;
    try {
      this.preamble = true;
      for (const p of this.options.preamble ?? []) this.runScenario(p);
      this.preamble = false;
      status = this.runScenario(scenario);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      status = e.status;
    }
    this.finish();
    if (this.failed && status === 0) status = 1;
    return {
      network: this.net,
      transcript: this.transcript,
      captures: this.captures,
      drops: this.net.drops,
      epilogue: this.epilogue,
      exitStatus: status,
      summary: { ...this.summary },
    };
  }

  private runScenario(scenario: Scenario): number {
    if (scenario.form === 'script') return this.runStatements(scenario.statements, '$ ');
    this.frameLog = [];
    let status = 0;
    for (const block of scenario.blocks) {
      if (block.kind === 'other') continue;
      if (block.skipped) {
        for (const command of block.commands) this.skipEntry(command, 'skipped (alternative)');
        continue;
      }
      if (block.kind === 'script') {
        status = this.runStatements(block.statements, '$ ');
        continue;
      }
      for (const command of block.commands) status = this.runDocCommand(command);
    }
    return status;
  }

  /**
   * Runs one or more command lines as a script on this runner's machine, keeping its state (background jobs,
   * `set -e`): the step-by-step use of DESIGN.md §6 (`net.exec('ip link add …')`).
   */
  exec(text: string, file = '<exec>'): { stdout: string; stderr: string; status: number; entries: TranscriptEntry[] } {
    const parsed = parseScenario(text, { file, form: 'script' });
    if (!parsed.ok) return { stdout: '', stderr: `${formatScenarioError(parsed.error)}\n`, status: 2, entries: [] };
    const first = this.transcript.length;
    let status = 0;
    try {
      status = this.runScenario(parsed.value);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      status = e.status;
    }
    const entries = this.transcript.slice(first);
    const pick = (stream: 'stdout' | 'stderr'): string => entries.flatMap((e) => e.output.filter((c) => c.stream === stream).map((c) => c.text)).join('');
    return { stdout: pick('stdout'), stderr: pick('stderr'), status, entries };
  }

  /** Stops background programs as the shell's end would (SIGTERM) and closes captures. */
  private finish(): void {
    this.net.scheduler.advanceBy(COMMAND_TIME);
    for (const job of this.jobs) if (job.process.running) job.process.interrupt();
    if (this.armedCapture?.process.running) {
      this.armedCapture.process.interrupt();
      const out = this.armedCapture.redirect ? routed(this.epilogue, this.armedCapture.redirect) : this.epilogue;
      for (const chunk of this.armedCapture.process.output) out.push(chunk);
    }
    this.pumpJobs(this.epilogue);
  }

  private runStatements(statements: readonly Statement[], prompt: string): number {
    let status = 0;
    for (const statement of statements) {
      const entry = this.beginEntry(prompt, statementText(statement), statement.position, statement.pipelines[0]?.commands[0]?.namespace);
      status = this.runStatement(statement, entry.output);
      this.endEntry(entry, status);
      if (this.errexit && status !== 0 && !statement.background) throw new Stop(status);
    }
    return status;
  }

  /** One statement: pipelines joined by && and ||; `&` runs it in the background. */
  private runStatement(statement: Statement, output: ChunkSink, namespace?: string): number {
    let status = 0;
    for (let i = 0; i < statement.pipelines.length; i++) {
      if (i > 0) {
        const op = statement.operators[i - 1];
        if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue;
      }
      status = this.runPipeline(statement.pipelines[i]!.commands, output, statement.background, namespace);
    }
    return status;
  }

  /** `a | b | c`: each command's stdout is the next one's stdin; the last one's status counts. */
  private runPipeline(commands: readonly Command[], output: ChunkSink, background: boolean, namespace?: string, stopAfterReplies?: number): number {
    let stdin: string | undefined;
    let status = 0;
    for (let i = 0; i < commands.length; i++) {
      const last = i === commands.length - 1;
      const piped: OutputChunk[] = [];
      status = this.runCommand(commands[i]!, last ? output : piped, stdin, background, namespace, stopAfterReplies);
      if (!last) {
        stdin = piped.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
        for (const c of piped) if (c.stream === 'stderr') output.push(c);
      }
    }
    return status;
  }

  /** Runs one command: shell structure here, everything else through the dispatcher. */
  private runCommand(command: Command, output: ChunkSink, stdin: string | undefined, background: boolean, inherited?: string, stopAfterReplies?: number): number {
    const nsName = command.namespace ?? inherited;
    switch (command.kind) {
      case 'set':
        this.errexit = command.errexit;
        return 0;
      case 'exit':
        throw new Stop(command.status);
      case 'shell.enter':
      case 'shell.leave':
        return 0;
      case 'sh': {
        let status = 0;
        for (const s of command.body) {
          status = this.runStatement(s, output, nsName);
          if (this.errexit && status !== 0) return status;
        }
        return status;
      }
    }
    // `> file`, `2>&1`, `>/dev/null`: what the command writes goes where its redirections say (sim/redirect.ts).
    const redirect = command.redirections.length > 0 ? new Redirector(command.redirections, (f) => this.captureSink().resolvePath(f)) : undefined;
    const out = redirect ? routed(output, redirect) : output;
    const io = this.io(out, stdin);
    const ns = this.net.namespace(nsName);
    if (!ns) return this.statusOf(noNamespace({ io }, nsName!));
    const armed = this.armedCapture;
    if (armed && command.kind !== 'tcpdump') this.armedCapture = undefined;
    this.attachFrameLog();
    const outcome = dispatch({ net: this.net, ns, command, io }, { captures: this.captureSink(), stopAfterReplies });
    let status: number;
    if ('status' in outcome) {
      status = outcome.status;
    } else {
      const process = outcome.process;
      const offset = process.output.length;
      process.start();
      const forward = (): void => {
        for (const chunk of process.output.splice(offset)) out.push(chunk);
      };
      if (background || command.kind === 'tcpdump') {
        // A document's tcpdump shows the frames of the traffic before it, then stops (DESIGN.md §1).
        if (command.kind === 'tcpdump' && !background && this.frameLog && process.running) this.replayForDocument(process as CaptureProcess, nsName, command.interface);
        forward();
        if (process.running) {
          if (command.kind === 'tcpdump' && !background) {
            this.armedCapture = { process: process as CaptureProcess, output: [], redirect };
          } else {
            this.jobs.push({ process, taken: process.output.length, redirect });
          }
        }
        // An asynchronous list's status is 0 whatever its program does (POSIX sh 2.9.3.1); a foreground
        // tcpdump that could not start has its own.
        status = background || process.running ? 0 : (process.exitStatus ?? 0);
      } else {
        this.runForeground(process);
        forward();
        status = process.exitStatus ?? 130;
      }
    }
    this.net.scheduler.advanceBy(COMMAND_TIME);
    if (armed && command.kind !== 'tcpdump') {
      if (armed.process.running) armed.process.interrupt();
      const armedOut = armed.redirect ? routed(output, armed.redirect) : output;
      for (const chunk of armed.process.output) armedOut.push(chunk);
    }
    this.commandIndex++;
    return status;
  }

  /** Drives the clock until a foreground program exits (or the limit: then it is interrupted, as by ^C). */
  private runForeground(process: SimProcess): void {
    const scheduler = this.net.scheduler;
    const limit = scheduler.now + FOREGROUND_LIMIT;
    while (process.running) {
      const next = scheduler.nextAt();
      if (next === undefined || next > limit) {
        process.interrupt();
        break;
      }
      scheduler.runUntil(next);
    }
  }

  /** A background program's output joins the transcript entry during which it was written. */
  private pumpJobs(output: ChunkSink): void {
    for (const job of this.jobs) {
      const out = job.redirect ? routed(output, job.redirect) : output;
      for (; job.taken < job.process.output.length; job.taken++) out.push(job.process.output[job.taken]!);
    }
  }

  private io(output: ChunkSink, stdin: string | undefined): CommandIo {
    const now = (): Instant => this.net.scheduler.now;
    return {
      stdout: (text) => output.push({ stream: 'stdout', text, at: now() }),
      stderr: (text) => output.push({ stream: 'stderr', text, at: now() }),
      stdin,
    };
  }

  private statusOf(outcome: { status: number } | { process: SimProcess }): number {
    return 'status' in outcome ? outcome.status : 0;
  }

  private captureSink(): CaptureSink {
    return {
      open: (point) => {
        let frames = this.captures.get(point);
        if (!frames) {
          frames = [];
          this.captures.set(point, frames);
        }
        return frames;
      },
      resolvePath: (file) => (isAbsolute(file) || !this.options.pcapDir ? file : join(this.options.pcapDir, file)),
    };
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Documents                                                                                                    */

  /** Records every frame on every device, tagged with the command that was running (documents only). */
  private attachFrameLog(): void {
    const log = this.frameLog;
    if (!log) return;
    for (const ns of this.net.allNamespaces()) {
      for (const device of ns.devices) {
        if ((device as { frameLogged?: boolean }).frameLogged) continue;
        (device as { frameLogged?: boolean }).frameLogged = true;
        device.taps.add({
          frame: (dev, data, direction, at) => {
            const owner = this.net.namespaceOf(dev);
            log.push({ command: this.commandIndex, namespace: owner.name, device: dev.name, data, direction, at });
          },
        });
      }
    }
  }

  /** A document's tcpdump shows what the traffic command before it produced on that interface (DESIGN.md §1). */
  private replayForDocument(capture: CaptureProcess, namespace: string | undefined, device: string): void {
    const log = this.frameLog!;
    const ns = namespace ?? '';
    let command = -1;
    for (let i = log.length - 1; i >= 0; i--) {
      const f = log[i]!;
      if (f.namespace === ns && f.device === device && f.command < this.commandIndex) {
        command = f.command;
        break;
      }
    }
    if (this.armedCapture?.process === capture) this.armedCapture = undefined;
    capture.replay(log.filter((f) => f.command === command && f.namespace === ns && f.device === device));
    if (capture.running) capture.interrupt();
  }

  private runDocCommand(doc: DocCommand): number {
    const entry = this.beginEntry(doc.prompt, doc.text, doc.position, doc.namespace);
    let status = 0;
    try {
      for (const statement of doc.statements) {
        const stop = doc.longRunning?.tool === 'ping' ? doc.longRunning.shown || 4 : undefined;
        status = 0;
        for (let i = 0; i < statement.pipelines.length; i++) {
          if (i > 0) {
            const op = statement.operators[i - 1];
            if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue;
          }
          status = this.runPipeline(statement.pipelines[i]!.commands, entry.output, statement.background, doc.namespace, stop);
        }
      }
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      status = e.status;
    }
    // What background programs printed during the command belongs to its output before it is checked (a server's
    // line that the client's command made it print), in time order as endEntry() shows it.
    this.pumpJobs(entry.output);
    entry.output.sort((a, b) => a.at - b.at);
    const check = this.checkDoc(doc, entry.output);
    this.endEntry(entry, status, check);
    return status;
  }

  /** Compares shown and real output: matched, or a listed divergence, or a mismatch (core/doctest/command-check.ts). */
  private checkDoc(doc: DocCommand, output: readonly OutputChunk[]): CommandCheck {
    const check = checkDocCommand(doc.expected, entryOutput({ output }), this.renamings, this.options.divergences ?? []);
    countCheck(this.summary, check);
    if (check.kind === 'mismatch') this.failed = true;
    return check;
  }

  private skipEntry(doc: DocCommand, reason: string): void {
    this.summary.skipped++;
    const entry = this.beginEntry(doc.prompt, doc.text, doc.position, doc.namespace);
    this.endEntry(entry, 0, { kind: 'skipped', reason });
  }

  /* ------------------------------------------------------------------------------------------------------------ */

  private beginEntry(prompt: string, command: string, position: TranscriptEntry['position'], namespace: string | undefined) {
    const entry = { prompt, command, position, namespace, output: [] as OutputChunk[], startedAt: this.net.scheduler.now };
    return entry;
  }

  private endEntry(entry: ReturnType<Runner['beginEntry']>, status: number, check?: CommandCheck): void {
    this.pumpJobs(entry.output);
    // The kernel log (iptables LOG) shows on the console while the command runs, as `dmesg -w` would print it.
    const log = this.net.kernelLog;
    for (; this.logShown < log.length; this.logShown++) entry.output.push({ stream: 'stderr', text: `${log[this.logShown]!.text}\n`, at: log[this.logShown]!.at });
    // A terminal interleaves what background programs print with the command's own output, by time.
    entry.output.sort((a, b) => a.at - b.at);
    const done: TranscriptEntry = { ...entry, status, endedAt: this.net.scheduler.now, ...(check ? { check } : {}), ...(this.preamble ? { preamble: true } : {}) };
    this.transcript.push(done);
    this.options.onEntry?.(done);
  }
}

/** Where a command's output goes: the transcript entry's list, or that list through redirections. */
type ChunkSink = Pick<OutputChunk[], 'push'>;

/** A sink seen through a command's redirections: a chunk goes to the terminal, a file, or nowhere. */
function routed(output: ChunkSink, redirect: Redirector): ChunkSink {
  return {
    push: (...chunks: OutputChunk[]): number => {
      let n = 0;
      for (const chunk of chunks) {
        const shown = redirect.route(chunk);
        if (shown) n = output.push(shown);
      }
      return n;
    },
  };
}

/** A redirection as a shell line writes it: ` > f`, ` 2>> f`, ` 2>&1`. */
function redirectionText(r: Command['redirections'][number]): string {
  const fd = r.fd === 1 ? '' : '2';
  return r.op === '>&' ? ` ${fd}>&${r.target}` : ` ${fd}${r.op} ${r.target}`;
}

/** A statement as typed: its commands, pipes and operators. */
export function statementText(statement: Statement): string {
  let text = '';
  statement.pipelines.forEach((p, i) => {
    if (i > 0) text += ` ${statement.operators[i - 1]} `;
    text += p.commands.map((c) => c.text + c.redirections.map(redirectionText).join('')).join(' | ');
  });
  return statement.background ? `${text} &` : text;
}

/** Runs a scenario on a fresh simulated machine (DESIGN.md §6 `simulate`). */
export function simulate(scenario: Scenario, options: RunOptions = {}): RunResult {
  return new Runner(options).run(scenario);
}
