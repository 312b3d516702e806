/**
 * The kernel replay's interpreter (DESIGN.md §1, §4): it runs a parsed scenario's typed commands as a shell runs a
 * script (`;`, `&&`, `||`, `|`, `&`, `set -e`, `exit`, `sh -c`) or as a doctest runs a document, with the same
 * semantics as the simulator's runner (sim/runner.ts), each command re-emitted as the real one inside its sandbox
 * namespace. It keeps the transcript (times in ns since the run's origin), the captures, the state dumps and each
 * device's reachable_time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { checkDocCommand, countCheck, emptySummary, type DoctestSummary } from '../core/doctest/command-check.ts';
import type { Divergence } from '../core/doctest/divergences.ts';
import { newRenamings, type Renamings } from '../core/doctest/normalise.ts';
import { formatMac, type MacAddress } from '../core/mac.ts';
import type { Command, DocCommand, Scenario, Statement, Tcpdump } from '../core/scenario/index.ts';
import { firstPid } from '../core/seeded.ts';
import { entryOutput, type CommandCheck, type OutputChunk, type TranscriptEntry } from '../core/transcript.ts';
import type { CaptureBackend } from './capture/capture.ts';
import { scenarioCommands } from './command.ts';
import { netnsExists } from './netns.ts';
import { sendProbe } from './probe/send.ts';
import { rewriteNames, rewriteNetnsIdentify, rewriteNetnsList } from './rewrite.ts';
import { CaptureSession, devicesUp, type KernelFrame } from './replay-capture.ts';
import { createdDevicePlaces, placeKey, type CreatedDevices } from './replay-devices.ts';
import { commandTimeoutMs, isShowCommand, isToolCommand, isTrafficCommand, toolArgv } from './replay-exec.ts';
import { startProgram, type Program } from './replay-process.ts';
import { Redirector } from './replay-redirect.ts';
import { tcpdumpBanner, TcpdumpRun } from './replay-tcpdump.ts';
import { GLOBAL_SUFFIX } from './run-record.ts';
import type { Sandbox } from './sandbox.ts';
import { dumpNamespaceState, parseNtable, type NamespaceState } from './state.ts';

/** What the runner needs from the replay's options. */
export interface RunnerOptions {
  readonly seed: number;
  /** Where relative `-w`/redirection paths go (default: the current directory). */
  readonly pcapDir: string | undefined;
  /** Where capture sessions write their private files. */
  readonly workDir: string;
  readonly divergences: readonly Divergence[];
  readonly macs: ReadonlyMap<string, MacAddress>;
  readonly captureAll: boolean;
  readonly backend: CaptureBackend;
  readonly commandTimeoutMs: number;
  /** The argv (after the namespace wrapper) that runs twinnet's own httpd / curl with their arguments, if present. */
  readonly apps: { readonly httpd?: (args: readonly string[]) => string[]; readonly curl?: (args: readonly string[]) => string[] };
  readonly onEntry?: (entry: TranscriptEntry) => void;
}

/** A state dump taken after a show command: the transcript entry it belongs to and the command's namespace. */
export interface StateSnapshot {
  /** Index into the transcript of the entry whose command showed state. */
  readonly entry: number;
  readonly command: string;
  readonly namespace: string | undefined;
  readonly state: NamespaceState | { readonly error: string };
}

/** Thrown inside the runner to stop a script (`exit`, `set -e`). */
class Stop {
  constructor(readonly status: number) {}
}

/** A background program or capture, with how much of its output the transcript has taken. */
type Job = { readonly kind: 'program'; readonly program: Program; readonly redirect: Redirector; taken: number } | { readonly kind: 'capture'; readonly run: TcpdumpRun };

/** Commands whose output a doctest prompt belongs to, in entry form. */
interface OpenEntry {
  readonly prompt: string;
  readonly command: string;
  readonly position: TranscriptEntry['position'];
  readonly namespace: string | undefined;
  readonly output: OutputChunk[];
  readonly startedAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Lets the event loop read what background programs have already written (a server's log line written before
 * the client that caused it ended) before an entry takes their output.
 */
async function drainPipes(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
}

/** How long a background program runs at least before the end's ^C (ns). */
const MIN_RUN_BEFORE_INTERRUPT = 200_000_000;

/** A sandbox's resolver: the loopback, one try of one second (resolv.conf(5)); nothing answers there. */
const RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';
/** Files and DNS only (no resolver daemon of the machine), as Debian's default (nsswitch.conf(5)). */
const NSSWITCH_CONF = 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\nethers: files\nrpc: files\n';

/** Runs one scenario (after its preambles) in a sandbox. */
export class KernelRunner {
  readonly transcript: TranscriptEntry[] = [];
  readonly epilogue: OutputChunk[] = [];
  /** Frames per capture point (`NS:DEV`, `DEV` in the global namespace), in time order. */
  readonly captures = new Map<string, KernelFrame[]>();
  readonly snapshots: StateSnapshot[] = [];
  /** reachable_time per device (`NS:DEV`, `DEV`), in ns: the last value `ip ntable show` gave. */
  readonly reachableTimes = new Map<string, number>();
  /** The MACs set on veths (by the place the device was created), and problems met on the way. */
  readonly macsSet = new Map<string, MacAddress>();
  readonly warnings: string[] = [];
  readonly summary: DoctestSummary = emptySummary();
  private readonly origin = process.hrtime.bigint();
  /** The origin's wall-clock time, ns since the epoch (µs precise: performance.timeOrigin is). */
  private readonly realOrigin = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  private readonly jobs: Job[] = [];
  /** Foreground `tcpdump` in a script: captures during the next command (DESIGN.md §1). */
  private armed: TcpdumpRun[] = [];
  private errexit = false;
  private preamble = false;
  private failed = false;
  private commandIndex = 0;
  private pings = 0;
  private files = 0;
  private readonly renamings: Renamings = newRenamings();
  private devices = new Map<Command, CreatedDevices>();
  /** Documents: the points a foreground tcpdump shows, and the last traffic command's frames on each. */
  private watched: ReadonlySet<string> = new Set();
  private readonly lastTraffic = new Map<string, KernelFrame[]>();
  private documentMode = false;
  /** The namespaces that exist for the scenario (its global one, those it added and has not deleted). */
  private readonly live = new Set<string | undefined>([undefined]);
  /** `--capture-all`: every session, running or ended. */
  private readonly allSessions: CaptureSession[] = [];

  /** The run's resolver files (toolWrapper()). */
  private readonly resolver: { readonly resolvConf: string; readonly nsswitchConf: string };

  constructor(
    private readonly sandbox: Sandbox,
    private readonly options: RunnerOptions,
  ) {
    this.resolver = { resolvConf: join(options.workDir, 'resolv.conf'), nsswitchConf: join(options.workDir, 'nsswitch.conf') };
    writeFileSync(this.resolver.resolvConf, RESOLV_CONF);
    writeFileSync(this.resolver.nsswitchConf, NSSWITCH_CONF);
  }

  /** Nanoseconds since the run's origin. */
  now = (): number => Number(process.hrtime.bigint() - this.origin);

  /** Runs the preambles and the scenario; returns the exit status. Background programs are stopped at the end. */
  async run(scenario: Scenario, preambles: readonly Scenario[]): Promise<number> {
    this.devices = createdDevicePlaces([...preambles, scenario].flatMap((s) => scenarioCommands(s)));
    this.sandbox.mustAddNamespace(undefined);
    await this.readReachable([undefined]);
    let status = 0;
    try {
      this.preamble = true;
      for (const p of preambles) await this.runScenario(p);
      this.preamble = false;
      status = await this.runScenario(scenario);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      status = e.status;
    }
    await this.finish();
    if (this.failed && status === 0) status = 1;
    return status;
  }

  /** Kills every program and capture at once (a failure: the sandbox's cleanup follows). */
  abort(): void {
    for (const job of this.jobs) if (job.kind === 'program') job.program.kill();
  }

  private async runScenario(scenario: Scenario): Promise<number> {
    if (scenario.form === 'script') {
      this.documentMode = false;
      return this.runStatements(scenario.statements, '$ ');
    }
    this.documentMode = true;
    this.watched = documentTcpdumpPoints(scenario);
    let status = 0;
    for (const block of scenario.blocks) {
      if (block.kind === 'other') continue;
      if (block.skipped) {
        for (const command of block.commands) this.skipEntry(command, 'skipped (alternative)');
        continue;
      }
      if (block.kind === 'script') {
        status = await this.runStatements(block.statements, '$ ');
        continue;
      }
      for (const command of block.commands) status = await this.runDocCommand(command);
    }
    return status;
  }

  private async runStatements(statements: readonly Statement[], prompt: string): Promise<number> {
    let status = 0;
    for (const statement of statements) {
      const entry = this.beginEntry(prompt, statementText(statement), statement.position, statement.pipelines[0]?.commands[0]?.namespace);
      // `exit` (a Stop) leaves its statement out of the transcript, as the simulator's runner does.
      status = await this.runStatement(statement, entry.output);
      await drainPipes();
      this.endEntry(entry, status);
      if (this.errexit && status !== 0 && !statement.background) throw new Stop(status);
    }
    return status;
  }

  /** One statement: pipelines joined by && and ||; `&` runs it in the background. */
  private async runStatement(statement: Statement, output: OutputChunk[], namespace?: string, stopAfterReplies?: number): Promise<number> {
    let status = 0;
    for (let i = 0; i < statement.pipelines.length; i++) {
      if (i > 0) {
        const op = statement.operators[i - 1];
        if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue;
      }
      status = await this.runPipeline(statement.pipelines[i]!.commands, output, statement.background, namespace, stopAfterReplies);
    }
    return status;
  }

  /** `a | b | c`: each command's stdout is the next one's stdin (run one after the other, as the simulator does). */
  private async runPipeline(commands: readonly Command[], output: OutputChunk[], background: boolean, namespace?: string, stopAfterReplies?: number): Promise<number> {
    let stdin: string | undefined;
    let status = 0;
    for (let i = 0; i < commands.length; i++) {
      const last = i === commands.length - 1;
      const piped: OutputChunk[] = [];
      status = await this.runCommand(commands[i]!, last ? output : piped, stdin, background && last, namespace, stopAfterReplies);
      if (!last) {
        stdin = piped.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
        for (const c of piped) if (c.stream === 'stderr') output.push(c);
      }
    }
    return status;
  }

  /** Runs one command: shell structure here, the rest in its sandbox namespace. */
  private async runCommand(command: Command, output: OutputChunk[], stdin: string | undefined, background: boolean, inherited?: string, stopAfterReplies?: number): Promise<number> {
    const ns = command.namespace ?? inherited;
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
          status = await this.runStatement(s, output, ns, stopAfterReplies);
          if (this.errexit && status !== 0) return status;
        }
        return status;
      }
      default:
        break;
    }
    const armed = command.kind === 'tcpdump' ? [] : this.armed.splice(0);
    let status: number;
    if (!netnsExists(this.sandbox.nsName(ns))) {
      if (this.live.has(ns)) throw new Error(`twinnet replay: the sandbox namespace ${this.sandbox.nsName(ns)} disappeared during the run: something outside it deleted it`);
      output.push({ stream: 'stderr', text: `Cannot open network namespace "${ns}": No such file or directory\n`, at: this.now() });
      status = 255;
    } else {
      let redirect: Redirector;
      try {
        redirect = new Redirector(command.redirections, (f) => this.resolvePath(f));
      } catch (e) {
        // The shell cannot open a redirection's file: it says so and does not run the command (status 2, as dash).
        const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'Directory nonexistent' : (e as Error).message;
        output.push({ stream: 'stderr', text: `sh: cannot create ${command.redirections.find((r) => r.op !== '>&')?.target ?? ''}: ${reason}\n`, at: this.now() });
        for (const run of armed) output.push(...(await this.finishCapture(run)));
        this.commandIndex++;
        return 2;
      }
      const own: OutputChunk[] = [];
      const traffic = isTrafficCommand(command) || (background && command.kind !== 'tcpdump');
      const watching = traffic ? await this.startWatching() : [];
      // A here-string is the command's own redirection: it wins over a pipe.
      status = await this.execute(command, ns, own, command.stdin ?? stdin, background, stopAfterReplies, redirect);
      await this.stopWatching(watching);
      for (const c of own) {
        const routed = redirect.route(c);
        if (routed) output.push(routed);
      }
      // A background program keeps writing through its redirections until the end.
      if (!this.jobs.some((j) => j.kind === 'program' && j.redirect === redirect)) redirect.close();
      if (isShowCommand(command)) this.snapshot(command, ns);
    }
    for (const run of armed) output.push(...(await this.finishCapture(run)));
    this.commandIndex++;
    return status;
  }

  /** Runs a command that is not shell structure; its output goes to `output`. */
  private async execute(
    command: Command,
    ns: string | undefined,
    output: OutputChunk[],
    stdin: string | undefined,
    background: boolean,
    stopAfterReplies: number | undefined,
    redirect: Redirector,
  ): Promise<number> {
    const say = (stream: 'stdout' | 'stderr', text: string): void => {
      if (text !== '') output.push({ stream, text, at: this.now() });
    };
    switch (command.kind) {
      case 'netns.add': {
        const r = this.sandbox.addNamespace(command.name);
        if (!r.ok) {
          say('stderr', this.rewrite(ns, r.result.stderr));
          return r.result.status ?? 1;
        }
        this.live.add(command.name);
        await this.readReachable([command.name]);
        return 0;
      }
      case 'netns.del': {
        const r = this.sandbox.deleteNamespace(command.name);
        if (r.status === 0) this.live.delete(command.name);
        say('stderr', this.rewrite(ns, r.stderr));
        return r.status ?? 1;
      }
      case 'echo':
        say('stdout', command.newline ? `${command.message}\n` : command.message);
        return 0;
      case 'sleep':
        if (!background) await sleep(command.seconds * 1000);
        return 0;
      case 'send':
        try {
          await sendProbe(this.sandbox, ns, command, this.options.commandTimeoutMs);
          return 0;
        } catch (e) {
          say('stderr', `${this.rewrite(ns, (e as Error).message)}\n`);
          return 1;
        }
      case 'tcpdump':
        return this.startTcpdump(command, ns, output, background);
      case 'httpd':
      case 'curl': {
        const app = this.options.apps[command.kind];
        if (!app) {
          say('stderr', `twinnet: ${command.kind}: not available on the kernel\n`);
          return 127;
        }
        return this.runProgram(command, ns, [this.sandbox.nsName(ns), ...app(command.argv.slice(1))], output, stdin, background, stopAfterReplies, redirect, true);
      }
      default:
        if (!isToolCommand(command)) throw new Error(`twinnet replay: no kernel handler for ${command.kind}`);
        return this.runProgram(command, ns, undefined, output, stdin, background, stopAfterReplies, redirect, false);
    }
  }

  /** Runs a real program in the sandbox namespace: in the foreground to its end, or as a background job. */
  private async runProgram(
    command: Command,
    ns: string | undefined,
    appArgv: readonly string[] | undefined,
    output: OutputChunk[],
    stdin: string | undefined,
    background: boolean,
    stopAfterReplies: number | undefined,
    redirect: Redirector,
    isApp: boolean,
  ): Promise<number> {
    const stopAfter = command.kind === 'ping' && command.longRunning ? (stopAfterReplies ?? 4) : undefined;
    const identifier = command.kind === 'ping' && command.identifier === undefined ? (firstPid(this.options.seed) + this.pings) & 0xffff : undefined;
    const argv = isApp ? ['ip', 'netns', 'exec', ...appArgv!] : ['ip', 'netns', 'exec', this.sandbox.nsName(ns), ...this.toolWrapper(), ...toolArgv(command, this.sandbox, identifier)];
    let replies = 0;
    const program: Program = startProgram(argv, {
      now: this.now,
      input: stdin,
      // `ip netns list` is filtered and renamed as a whole below; `ip netns identify` names the sandbox.
      rewrite: command.kind === 'netns.list' ? (t) => t : command.kind === 'netns.identify' ? (t) => rewriteNetnsIdentify(t, { prefix: this.sandbox.prefix }) : (t) => this.rewrite(ns, t),
      ...(background ? {} : { timeoutMs: commandTimeoutMs(command, stopAfter, this.options.commandTimeoutMs) }),
      ...(stopAfter === undefined
        ? {}
        : {
            onStdoutLine: (line: string) => {
              if (/^\d+ bytes from /.test(line) && ++replies >= stopAfter) program.interrupt();
            },
          }),
    });
    if (background) {
      // A server is listening, or a program has said its first words (ping's PING line), before the next command.
      const listening = listeningPort(command);
      if (listening !== undefined) await this.waitListening(ns, listening, program);
      else for (let waited = 0; waited < 1000 && program.running && program.output.length === 0; waited += 10) await sleep(10);
      if (identifier !== undefined) this.countPing(program.output);
      this.jobs.push({ kind: 'program', program, redirect, taken: 0 });
      return 0;
    }
    const exit = await program.exited;
    output.push(...program.output);
    if (identifier !== undefined) this.countPing(program.output);
    if (exit.timedOut && (stopAfter === undefined || replies < stopAfter)) {
      output.push({ stream: 'stderr', text: `twinnet replay: ${command.argv[0]} interrupted (as by ^C) at the replay's time limit\n`, at: this.now() });
    }
    if (command.kind === 'netns.list') {
      const json = command.options.json;
      const text = output.splice(0).filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
      const errText = program.output.filter((c) => c.stream === 'stderr');
      output.push({ stream: 'stdout', text: this.netnsListNewestFirst(rewriteNetnsList(text, { prefix: this.sandbox.prefix }, json), json), at: this.now() }, ...errText);
    }
    await this.afterChange(command, ns, exit.status);
    return exit.status;
  }

  /**
   * `ip netns list` as on a machine whose /run/netns is a tmpfs (Debian's /run), where readdir gives the newest
   * name first: the sandbox shares the machine's /run/netns, whose order may be a disk's hash order.
   */
  private netnsListNewestFirst(text: string, json: boolean): string {
    const order = this.sandbox.namespaces.map((n) => this.sandbox.scenarioName(n));
    const age = (name: string): number => -order.lastIndexOf(name);
    if (json) {
      if (text.trim() === '') return text;
      const entries = JSON.parse(text) as { name: string }[];
      return `${JSON.stringify(entries.sort((a, b) => age(a.name) - age(b.name)))}\n`;
    }
    const lines = text.split('\n').filter((l) => l !== '');
    lines.sort((a, b) => age(a.split(' ')[0]!) - age(b.split(' ')[0]!));
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  /**
   * What runs a tool inside `ip netns exec` (which gives it a private mount namespace, a slave of the machine's):
   * the run's own resolv.conf and nsswitch.conf bound over the machine's there, so that a name lookup (`arp -a`,
   * `route`, `iptables -L` without -n) fails at once on the sandbox's loopback instead of reaching the machine's
   * resolver through the scenario's routes or a resolver daemon; then `stdbuf -oL`, so that a tool writing to a
   * pipe flushes each line as it would on a terminal (ping's PING line first).
   */
  private toolWrapper(): string[] {
    const script = 'mount --bind "$1" /etc/resolv.conf 2>/dev/null; mount --bind "$2" /etc/nsswitch.conf 2>/dev/null; shift 2; exec stdbuf -oL "$@"';
    return ['sh', '-c', script, 'sh', this.resolver.resolvConf, this.resolver.nsswitchConf];
  }

  /** Waits (at most 2 s) until a socket listens on the port in the namespace (`ss -Hln`), or the program ends. */
  private async waitListening(ns: string | undefined, port: { readonly protocol: 'tcp' | 'udp'; readonly port: number }, program: Program): Promise<void> {
    const argv = ['ss', '-Hn', port.protocol === 'tcp' ? '-lt' : '-lu', 'sport', '=', `:${port.port}`];
    for (let waited = 0; waited < 2000 && program.running; waited += 20) {
      const r = await this.sandbox.execAsync(ns, argv);
      if (r.status !== 0 || r.stdout.trim() !== '') return;
      await sleep(20);
    }
  }

  /** A ping that printed its PING line took an identifier (iputils, as the simulator: after its route is found). */
  private countPing(output: readonly OutputChunk[]): void {
    if (output.some((c) => c.stream === 'stdout' && c.text.startsWith('PING '))) this.pings++;
  }

  /**
   * After a command that creates, moves or renames devices, or changes neighbour sysctls: veth MACs (`macs`,
   * right after creation), per-device neighbour defaults, and the reachable times read back.
   */
  private async afterChange(command: Command, ns: string | undefined, status: number): Promise<void> {
    if (status !== 0) return;
    if (command.kind === 'link.add') {
      const made = this.devices.get(command);
      const targets: { place: NonNullable<CreatedDevices['peer']>; given: boolean }[] = [];
      if (made) {
        targets.push({ place: made.self, given: command.address !== undefined });
        if (made.peer) targets.push({ place: made.peer, given: command.peer?.address !== undefined });
      }
      for (const { place, given } of targets) {
        if (command.linkType === 'veth' && !given) {
          const mac = this.options.macs.get(place.final ?? place.created) ?? this.options.macs.get(place.created);
          if (mac !== undefined) {
            const r = await this.sandbox.execAsync(place.namespace, ['ip', 'link', 'set', 'dev', place.name, 'address', formatMac(mac)]);
            if (r.status === 0) this.macsSet.set(place.created, mac);
            else this.warnings.push(`could not set ${place.created}'s MAC to ${formatMac(mac)}: ${this.rewrite(place.namespace, r.stderr.trim())}`);
          }
        }
        this.neighDefaults(place.namespace, place.name);
      }
      await this.readReachable([...new Set(targets.map((t) => t.place.namespace))]);
    } else if (command.kind === 'link.set' && (command.netns !== undefined || command.name !== undefined)) {
      const where = command.netns ?? ns;
      const name = command.name ?? command.device;
      if (netnsExists(this.sandbox.nsName(where))) this.neighDefaults(where, name);
      await this.readReachable([where]);
    } else if (command.kind === 'sysctl' && command.write && command.settings.some((s) => s.key.startsWith('net.ipv4.neigh.'))) {
      await this.readReachable([ns]);
    }
  }

  /** The arp_tbl defaults on a device created or moved (Sandbox.applyNeighDefaults); a failure is a warning. */
  private neighDefaults(ns: string | undefined, device: string): void {
    try {
      this.sandbox.applyNeighDefaults(ns, device);
    } catch (e) {
      this.warnings.push(this.rewrite(ns, (e as Error).message));
    }
  }

  /** Reads `ip ntable show` in each namespace and keeps every device's reachable_time (ns). */
  private async readReachable(namespaces: readonly (string | undefined)[]): Promise<void> {
    for (const ns of namespaces) {
      if (!netnsExists(this.sandbox.nsName(ns))) continue;
      const r = await this.sandbox.execAsync(ns, ['ip', 'ntable', 'show', 'name', 'arp_cache']);
      if (r.status !== 0) continue;
      for (const e of parseNtable(r.stdout)) this.reachableTimes.set(placeKey(ns, e.device), e.reachableMs * 1_000_000);
    }
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Captures                                                                                                     */

  /** A private file for a capture session. */
  private captureFile(point: string): string {
    return join(this.options.workDir, `${++this.files}-${point.replace(/[^\w.-]/g, '_')}.pcap`);
  }

  private resolvePath(file: string): string {
    return isAbsolute(file) || this.options.pcapDir === undefined ? file : join(this.options.pcapDir, file);
  }

  /** A `tcpdump` line: a background capture until the end, a script's capture for the next command, or a document's show. */
  private async startTcpdump(command: Tcpdump & Command, ns: string | undefined, output: OutputChunk[], background: boolean): Promise<number> {
    const run = new TcpdumpRun(command, ns, (f) => this.resolvePath(f));
    const document = this.documentMode && !background;
    const error = await run.start(this.sandbox, this.captureFile(run.point), { backend: this.options.backend, origin: this.origin, realOrigin: this.realOrigin }, !document);
    if (error !== undefined) {
      output.push({ stream: 'stderr', text: error, at: this.now() });
      return 1;
    }
    output.push({ stream: 'stderr', text: tcpdumpBanner(command), at: this.now() });
    if (document) {
      const shown = run.show(this.lastTraffic.get(run.point) ?? [], this.now);
      this.keepFrames(run.point, shown.frames);
      output.push(...shown.chunks);
    } else if (background) {
      this.jobs.push({ kind: 'capture', run });
    } else {
      this.armed.push(run);
    }
    return 0;
  }

  /** Stops a tcpdump's capture: its frames are kept, its printed lines returned. */
  private async finishCapture(run: TcpdumpRun): Promise<OutputChunk[]> {
    const { chunks, frames } = await run.finish(this.now);
    this.keepFrames(run.point, frames);
    return chunks;
  }

  private keepFrames(point: string, frames: readonly KernelFrame[]): void {
    if (this.options.captureAll || frames.length === 0) return;
    const list = this.captures.get(point) ?? [];
    list.push(...frames);
    this.captures.set(point, list);
  }

  /**
   * Before a traffic command: in a document, captures on the points its tcpdumps show (to keep this command's
   * frames for them); with `--capture-all`, on every device that is up and not yet captured.
   */
  private async startWatching(): Promise<CaptureSession[]> {
    const starts: Promise<void>[] = [];
    const watching: CaptureSession[] = [];
    const options = { backend: this.options.backend, origin: this.origin, realOrigin: this.realOrigin };
    const byNamespace = new Map<string | undefined, Promise<string[]>>();
    const up = (ns: string | undefined): Promise<string[]> => {
      let p = byNamespace.get(ns);
      if (!p) byNamespace.set(ns, (p = devicesUp(this.sandbox, ns)));
      return p;
    };
    const start = async (ns: string | undefined, device: string, into: CaptureSession[]): Promise<void> => {
      const s = await CaptureSession.start(this.sandbox, ns, device, this.captureFile(placeKey(ns, device)), options);
      if (s.ok) into.push(s.value);
    };
    if (this.documentMode) {
      for (const point of this.watched) {
        const [ns, device] = splitPoint(point);
        if (ns !== undefined && !netnsExists(this.sandbox.nsName(ns))) continue;
        starts.push(up(ns).then((devices) => (devices.includes(device) ? start(ns, device, watching) : undefined)));
      }
    }
    if (this.options.captureAll) {
      for (const sandboxNs of this.sandbox.namespaces) {
        const ns = this.sandbox.scenarioName(sandboxNs);
        if (ns === null) continue;
        starts.push(
          up(ns).then(async (devices) => {
            const fresh = devices.filter((d) => !this.allSessions.some((s) => s.running && s.namespace === ns && s.device === d));
            await Promise.all(fresh.map((d) => start(ns, d, this.allSessions)));
          }),
        );
      }
    }
    await Promise.all(starts);
    return watching;
  }

  /** After a traffic command: a document's watched points keep this command's frames when it made any. */
  private async stopWatching(watching: readonly CaptureSession[]): Promise<void> {
    const stopped = await Promise.all(watching.map(async (s) => ({ point: s.point, ...(await s.stop()) })));
    for (const { point, frames } of stopped) if (frames.length > 0) this.lastTraffic.set(point, frames);
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* State                                                                                                        */

  /** Dumps the namespace of a show command (the entry being built is the next one of the transcript). */
  private snapshot(command: Command, ns: string | undefined): void {
    let state: StateSnapshot['state'];
    try {
      state = dumpNamespaceState(this.sandbox, ns);
    } catch (e) {
      state = { error: this.rewrite(ns, (e as Error).message) };
    }
    this.snapshots.push({ entry: this.transcript.length, command: command.text, namespace: ns, state });
  }

  /** Output printed in `ns` back to the scenario's names. */
  private rewrite(ns: string | undefined, text: string): string {
    if (!text.includes(this.sandbox.prefix)) return text;
    const global = `${this.sandbox.prefix}${GLOBAL_SUFFIX}`;
    const rewrite = text.includes(global) && netnsExists(this.sandbox.nsName(ns)) ? this.sandbox.nameRewrite(ns) : { prefix: this.sandbox.prefix };
    return rewriteNames(text, rewrite);
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* End of run                                                                                                   */

  /**
   * Stops what still runs, as the shell's end would (SIGINT, so ping and tcpdump print their statistics): a
   * background capture's frame lines go to the entries during which the frames came, its counts and every other
   * late word to the epilogue; `--capture-all` sessions are collected.
   */
  private async finish(): Promise<void> {
    const late: OutputChunk[] = [];
    for (const run of this.armed.splice(0)) this.epilogue.push(...(await this.finishCapture(run)));
    const programs = this.jobs.flatMap((j) => (j.kind === 'program' ? [j] : []));
    // A program ^C'd in its first moments may not have its handler yet (ping prints no statistics then).
    const youngest = Math.max(0, ...programs.map((j) => j.program.startedAt));
    const settle = (youngest + MIN_RUN_BEFORE_INTERRUPT - this.now()) / 1e6;
    if (settle > 0) await sleep(settle);
    for (const j of programs) j.program.interrupt();
    await Promise.all(
      programs.map(async (j) => {
        const timer = setTimeout(() => j.program.kill(), 3_000);
        await j.program.exited;
        clearTimeout(timer);
      }),
    );
    for (const j of programs) {
      for (const c of j.program.output.slice(j.taken)) {
        const routed = j.redirect.route(c);
        if (routed) this.epilogue.push(routed);
      }
      j.taken = j.program.output.length;
      j.redirect.close();
    }
    for (const j of this.jobs) {
      if (j.kind !== 'capture') continue;
      const chunks = await this.finishCapture(j.run);
      for (const c of chunks) (c.stream === 'stdout' ? late : this.epilogue).push(c);
    }
    this.placeLate(late);
    if (this.options.captureAll) {
      const stopped = await Promise.all(this.allSessions.map(async (s) => ({ point: s.point, ...(await s.stop()) })));
      for (const { point, frames } of stopped) {
        const list = this.captures.get(point) ?? [];
        list.push(...frames);
        this.captures.set(point, list);
      }
    }
    for (const frames of this.captures.values()) frames.sort((a, b) => a.at - b.at);
  }

  /** Background tcpdump lines join the entry that was running when their frame came (the first one ending after it). */
  private placeLate(chunks: readonly OutputChunk[]): void {
    for (const c of chunks) {
      const i = this.transcript.findIndex((e) => e.endedAt >= c.at);
      if (i < 0) {
        this.epilogue.push(c);
        continue;
      }
      const e = this.transcript[i]!;
      this.transcript[i] = { ...e, output: [...e.output, c].sort((a, b) => a.at - b.at) };
    }
    this.epilogue.sort((a, b) => a.at - b.at);
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Documents                                                                                                    */

  private async runDocCommand(doc: DocCommand): Promise<number> {
    const entry = this.beginEntry(doc.prompt, doc.text, doc.position, doc.namespace);
    let status = 0;
    try {
      for (const statement of doc.statements) {
        const stop = doc.longRunning?.tool === 'ping' ? doc.longRunning.shown || 4 : undefined;
        status = await this.runStatement(statement, entry.output, doc.namespace, stop);
      }
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      status = e.status;
    }
    // What background programs printed during the command belongs to its output before it is checked (a server's
    // line that the client's command made it print), in time order, as the simulator's runner checks it.
    await drainPipes();
    this.pumpJobs(entry.output);
    entry.output.sort((a, b) => a.at - b.at);
    const check = checkDocCommand(doc.expected, entryOutput({ output: entry.output }), this.renamings, this.options.divergences);
    countCheck(this.summary, check);
    if (check.kind === 'mismatch') this.failed = true;
    this.endEntry(entry, status, check);
    return status;
  }

  private skipEntry(doc: DocCommand, reason: string): void {
    this.summary.skipped++;
    const entry = this.beginEntry(doc.prompt, doc.text, doc.position, doc.namespace);
    this.endEntry(entry, 0, { kind: 'skipped', reason });
  }

  /* ------------------------------------------------------------------------------------------------------------ */

  private beginEntry(prompt: string, command: string, position: TranscriptEntry['position'], namespace: string | undefined): OpenEntry {
    return { prompt, command, position, namespace, output: [], startedAt: this.now() };
  }

  /** What background programs printed and the transcript has not taken yet, through their redirections. */
  private pumpJobs(output: OutputChunk[]): void {
    for (const job of this.jobs) {
      if (job.kind !== 'program') continue;
      job.program.flush();
      for (; job.taken < job.program.output.length; job.taken++) {
        const routed = job.redirect.route(job.program.output[job.taken]!);
        if (routed) output.push(routed);
      }
    }
  }

  private endEntry(entry: OpenEntry, status: number, check?: CommandCheck): void {
    // What background programs printed so far joins this entry, as on a terminal, interleaved by time.
    this.pumpJobs(entry.output);
    entry.output.sort((a, b) => a.at - b.at);
    const done: TranscriptEntry = { ...entry, status, endedAt: this.now(), ...(check ? { check } : {}), ...(this.preamble ? { preamble: true } : {}) };
    this.transcript.push(done);
    this.options.onEntry?.(done);
  }
}

/** The port a background server listens on: `httpd PORT`, `nc -l [-u] PORT` / `nc -l -p PORT`. */
function listeningPort(command: Command): { protocol: 'tcp' | 'udp'; port: number } | undefined {
  if (command.kind === 'httpd') return { protocol: 'tcp', port: command.port };
  if (command.kind === 'nc' && command.listen) {
    const port = command.port ?? command.sourcePort;
    return port === undefined ? undefined : { protocol: command.udp ? 'udp' : 'tcp', port };
  }
  return undefined;
}

/** `NS:DEV` → [NS, DEV]; `DEV` → [undefined, DEV]. */
function splitPoint(point: string): [string | undefined, string] {
  const i = point.indexOf(':');
  return i < 0 ? [undefined, point] : [point.slice(0, i), point.slice(i + 1)];
}

/** The points a document's foreground tcpdumps show (their frames come from the traffic command before each). */
function documentTcpdumpPoints(scenario: Scenario): Set<string> {
  const points = new Set<string>();
  if (scenario.form !== 'document') return points;
  for (const block of scenario.blocks) {
    if (block.skipped !== undefined || block.kind === 'other') continue;
    const statements = [...block.statements, ...block.commands.flatMap((c) => c.statements)];
    const walk = (list: readonly Statement[]): void => {
      for (const s of list) {
        for (const p of s.pipelines) {
          for (const c of p.commands) {
            if (c.kind === 'tcpdump' && !s.background) points.add(placeKey(c.namespace, c.interface));
            if (c.kind === 'sh') walk(c.body);
          }
        }
      }
    };
    walk(statements);
  }
  return points;
}

/** A statement as typed: its commands, pipes and operators (as sim/runner.ts statementText()). */
export function statementText(statement: Statement): string {
  let text = '';
  statement.pipelines.forEach((p, i) => {
    if (i > 0) text += ` ${statement.operators[i - 1]} `;
    text += p.commands.map((c) => c.text).join(' | ');
  });
  return statement.background ? `${text} &` : text;
}

/** Makes sure a directory exists (the pcap directory). */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
