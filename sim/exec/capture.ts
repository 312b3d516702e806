import { SECOND, type Instant } from '../../core/clock.ts';
import { compileFilter, type CaptureFilter } from '../../core/decode/filter.ts';
import { createPrinter, type FramePrinter } from '../../core/decode/printer.ts';
import { createPcapFile, type PcapWriter } from '../../core/pcap/writer.ts';
import type { Command, Tcpdump } from '../../core/scenario/index.ts';
import type { Direction, NetDevice, Tap } from '../../l2/device.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { SimProcess } from '../process.ts';

/** A frame as a capture saw it. */
export interface CapturedFrame {
  readonly at: Instant;
  readonly data: Uint8Array;
  readonly direction: Direction;
}

/** Where captured frames go besides the transcript: the run collects them per capture point. */
export interface CaptureSink {
  /** A capture started at `point` (`NS:DEV`, or `DEV` in the global namespace); returns its frame list. */
  open(point: string, file: string | undefined): CapturedFrame[];
  /** Resolves a `-w FILE` path (relative to the run's pcap directory). */
  resolvePath(file: string): string;
}

/** The flags of a Tcpdump command as the printer takes them. */
function printerFlags(command: Tcpdump) {
  return { e: command.linkLevel, n: command.numeric, q: command.quick, t: command.timestamps, v: command.verbose };
}

/**
 * tcpdump on a simulated device (libpcap sees a device's frames in both directions, net/core/dev.c:
 * dev_queue_xmit_nit() and __netif_receive_skb()): prints each frame that passes the filter, or writes it to a
 * pcap file with `-w`; stops after `-c N` frames, or when interrupted, with tcpdump's banners on stderr.
 */
export class CaptureProcess extends SimProcess {
  private device: NetDevice | undefined;
  private filter: CaptureFilter | undefined;
  private printer: FramePrinter | undefined;
  private writer: PcapWriter | undefined;
  private frames: CapturedFrame[] | undefined;
  private count = 0;
  private readonly tap: Tap = { frame: (_device, frame, direction, at) => this.onFrame(frame, direction, at) };

  constructor(
    private readonly ns: NetNamespace,
    private readonly command: Tcpdump,
    private readonly sink: CaptureSink,
  ) {
    super(ns.scheduler);
  }

  start(): void {
    const c = this.command;
    this.device = this.ns.device(c.interface);
    if (!this.device) {
      this.printError(`tcpdump: ${c.interface}: No such device exists\n(No such device exists)\n`);
      this.exit(1);
      return;
    }
    if (c.filterText !== undefined) {
      const compiled = compileFilter(c.filterText);
      if (!compiled.ok) {
        this.printError(`tcpdump: ${compiled.error.message}\n`);
        this.exit(1);
        return;
      }
      this.filter = compiled.value;
    }
    if (c.writeFile !== undefined) {
      try {
        this.writer = createPcapFile(this.sink.resolvePath(c.writeFile), {});
      } catch (e) {
        // tcpdump: pcap_dump_open() failing, e.g. "tcpdump: x/y.pcap: No such file or directory".
        const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
        this.printError(`tcpdump: ${c.writeFile}: ${reason}\n`);
        this.exit(1);
        return;
      }
    } else {
      this.printer = createPrinter(printerFlags(c), { timeZone: process.env.TZ ?? 'UTC' });
    }
    const point = this.ns.name === '' ? c.interface : `${this.ns.name}:${c.interface}`;
    this.frames = this.sink.open(point, c.writeFile);
    if (!c.writeFile && c.verbose === 0) this.printError('tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n');
    const prefix = c.writeFile || c.verbose > 0 ? 'tcpdump: ' : '';
    this.printError(`${prefix}listening on ${c.interface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`);
    this.device.taps.add(this.tap);
    // libpcap puts the device in promiscuous mode unless -p (a bridge then passes up what it forwards too).
    if (!c.noPromiscuous) this.device.promiscuity++;
  }

  /** Shows frames recorded earlier (a document's tcpdump of the traffic before it, DESIGN.md §1). */
  replay(frames: readonly CapturedFrame[]): void {
    for (const f of frames) {
      if (!this.running) break;
      this.onFrame(f.data, f.direction, f.at);
    }
  }

  private onFrame(frame: Uint8Array, direction: Direction, at: Instant): void {
    if (!this.running) return;
    // libpcap drops the outgoing copy of a frame on lo, which would otherwise show every packet twice
    // (pcap-linux.c: linux_check_direction()).
    if (direction === 'out' && this.device?.kind === 'loopback') return;
    if (this.filter && !this.filter.matches(frame)) return;
    this.count++;
    this.frames?.push({ at, data: frame, direction });
    if (this.writer) {
      this.writer.write(at, frame);
    } else if (this.printer) {
      const text = this.printer.print({ seconds: Math.floor(at / SECOND), nanoseconds: at % SECOND, data: frame, originalLength: frame.length, linkType: 1 });
      // Printed now: for a live capture that is the frame's time, for a document's replay the moment tcpdump runs.
      this.print(`${text}\n`);
    }
    if (this.command.count !== undefined && this.count >= this.command.count) this.stop(false);
  }

  interrupt(): void {
    this.stop(true);
  }

  private stop(interrupted: boolean): void {
    if (!this.running) return;
    if (this.device?.taps.delete(this.tap) && !this.command.noPromiscuous) this.device.promiscuity--;
    this.writer?.close();
    const s = this.count === 1 ? '' : 's';
    this.printError(`${interrupted ? '\n' : ''}${this.count} packet${s} captured\n${this.count} packet${s} received by filter\n0 packets dropped by kernel\n`);
    this.exit(0);
  }
}
