/**
 * A scenario's `tcpdump` line on the kernel (DESIGN.md §4 "Capture", §1 "Long-running commands"): a capture
 * session on the device, and what tcpdump 4.99.3 would print for the frames it saw: its stderr banner, each frame
 * decoded by core/decode's printer with the command's flags (or written to `-w FILE`), `-c N` honoured, then the
 * counts it prints when it stops.
 */
import { compileFilter } from '../core/decode/filter.ts';
import { createPrinter } from '../core/decode/printer.ts';
import { createPcapFile, type PcapWriter } from '../core/pcap/writer.ts';
import type { CommandBase, Tcpdump } from '../core/scenario/index.ts';
import type { OutputChunk } from '../core/transcript.ts';
import { CaptureSession, type KernelFrame, type SessionOptions } from './replay-capture.ts';
import { placeKey } from './replay-devices.ts';
import type { Sandbox } from './sandbox.ts';

const SECOND = 1_000_000_000;

/** What tcpdump prints on stderr as it starts (tcpdump.c main(): the -v hint, then "listening on"). */
export function tcpdumpBanner(command: Tcpdump): string {
  let text = '';
  if (command.writeFile === undefined && command.verbose === 0) text += 'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n';
  const prefix = command.writeFile !== undefined || command.verbose > 0 ? 'tcpdump: ' : '';
  return `${text}${prefix}listening on ${command.interface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`;
}

/** tcpdump's words for a capture that could not start, from the capture program's message. */
export function tcpdumpError(device: string, message: string): string {
  if (/No such device exists/.test(message)) return `tcpdump: ${device}: No such device exists\n(No such device exists)\n`;
  if (/That device is not up/.test(message)) return `tcpdump: ${device}: That device is not up\n`;
  const filter = /can't parse filter expression: .*/.exec(message);
  if (filter) return `tcpdump: ${filter[0]}\n`;
  return `tcpdump: ${message.replace(/^cannot capture on [^:]+: /, `${device}: `)}\n`;
}

/** One `tcpdump` command being replayed. */
export class TcpdumpRun {
  private session: CaptureSession | undefined;
  private writer: PcapWriter | undefined;
  private done = false;

  constructor(
    readonly command: Tcpdump & CommandBase,
    readonly namespace: string | undefined,
    /** Where `-w FILE` goes (relative to the run's pcap directory). */
    private readonly resolvePath: (file: string) => string,
  ) {}

  /** The capture point: `NS:DEV`, or `DEV` in the global namespace. */
  get point(): string {
    return placeKey(this.namespace, this.command.interface);
  }

  /**
   * Opens `-w FILE` and (unless `capture` is false: a document's tcpdump shows frames captured before it) starts
   * the capture into the private file `file`; returns tcpdump's error text when it cannot start.
   */
  async start(sandbox: Sandbox, file: string, options: Omit<SessionOptions, 'filter'>, capture = true): Promise<string | undefined> {
    const c = this.command;
    if (c.writeFile !== undefined) {
      try {
        this.writer = createPcapFile(this.resolvePath(c.writeFile));
      } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
        return `tcpdump: ${c.writeFile}: ${reason}\n`;
      }
    }
    if (!capture) return undefined;
    const started = await CaptureSession.start(sandbox, this.namespace, c.interface, file, { ...options, ...(c.filterText !== undefined ? { filter: c.filterText } : {}) });
    if (!started.ok) {
      this.writer?.close();
      return tcpdumpError(c.interface, started.error);
    }
    this.session = started.value;
    return undefined;
  }

  /** Whether its capture still runs. */
  get running(): boolean {
    return !this.done && (this.session?.running ?? false);
  }

  /** Stops the capture and gives what tcpdump prints from now (frame lines at their times, counts at `now()`). */
  async finish(now: () => number): Promise<{ chunks: OutputChunk[]; frames: KernelFrame[] }> {
    if (this.done || this.session === undefined) return { chunks: [], frames: [] };
    const { frames } = await this.session.stop();
    return this.emit(frames, now, false);
  }

  /**
   * A document's tcpdump: shows frames captured earlier (the traffic command before it, DESIGN.md §1), through
   * its own filter, each printed now; then it stops as if by ^C.
   */
  show(frames: readonly KernelFrame[], now: () => number): { chunks: OutputChunk[]; frames: KernelFrame[] } {
    const source = this.command.filterText;
    const compiled = source === undefined ? undefined : compileFilter(source);
    if (compiled !== undefined && !compiled.ok) {
      this.done = true;
      return { chunks: [{ stream: 'stderr', text: `tcpdump: ${compiled.error.message}\n`, at: now() }], frames: [] };
    }
    const passing = compiled === undefined ? frames : frames.filter((f) => compiled.value.matches(f.data));
    return this.emit(passing, now, true);
  }

  private emit(frames: readonly KernelFrame[], now: () => number, printedNow: boolean): { chunks: OutputChunk[]; frames: KernelFrame[] } {
    this.done = true;
    const c = this.command;
    const kept = c.count === undefined ? [...frames] : frames.slice(0, c.count);
    const chunks: OutputChunk[] = [];
    if (this.writer !== undefined) {
      for (const f of kept) this.writer.write(f.at, f.data, f.originalLength);
      this.writer.close();
    } else {
      const printer = createPrinter({ e: c.linkLevel, n: c.numeric, q: c.quick, t: c.timestamps, v: c.verbose }, { timeZone: process.env.TZ ?? 'UTC' });
      for (const f of kept) {
        const seconds = Math.floor(f.at / SECOND);
        const text = printer.print({ seconds, nanoseconds: f.at - seconds * SECOND, data: f.data, originalLength: f.originalLength, linkType: f.linkType });
        chunks.push({ stream: 'stdout', text: `${text}\n`, at: printedNow ? now() : f.at });
      }
    }
    const interrupted = c.count === undefined || kept.length < c.count;
    const n = kept.length;
    const s = n === 1 ? '' : 's';
    chunks.push({ stream: 'stderr', text: `${interrupted ? '\n' : ''}${n} packet${s} captured\n${n} packet${s} received by filter\n0 packets dropped by kernel\n`, at: now() });
    return { chunks, frames: kept };
  }
}
