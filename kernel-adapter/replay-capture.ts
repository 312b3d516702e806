/**
 * A replay's captures (DESIGN.md §4 "Capture"): a session is one capture process (`cap` helper by default) on one
 * device of a sandbox namespace, writing a private pcap file that is read back when it stops. Frames carry the
 * helper's stamp, nanoseconds since the run's origin, the same clock as the transcript's. A `cap` capture ends by
 * itself when its device goes down or away (as tcpdump does); what it saw until then is kept.
 */
import { readCapture } from '../core/pcap/reader.ts';
import { err, ok, type Result } from '../core/result.ts';
import { CaptureError, startCapture, type CaptureBackend, type CaptureHandle } from './capture/capture.ts';
import { placeKey } from './replay-devices.ts';
import type { Sandbox } from './sandbox.ts';

/** A frame a replay captured: when (ns since the run's origin), its bytes, its length on the wire, its link type. */
export interface KernelFrame {
  readonly at: number;
  readonly data: Uint8Array;
  readonly originalLength: number;
  readonly linkType: number;
}

/** Options of a capture session. */
export interface SessionOptions {
  readonly backend: CaptureBackend;
  /** The run's origin (`process.hrtime.bigint()` at its start). */
  readonly origin: bigint;
  /**
   * The wall-clock time of the origin in ns since the epoch: `tcpdump -w` stamps frames with the kernel's
   * (CLOCK_REALTIME) time of capture, which this turns into the run's clock.
   */
  readonly realOrigin: bigint;
  /** A pcap-filter(7) expression, compiled by libpcap. */
  readonly filter?: string;
}

/** A running capture on one device. */
export class CaptureSession {
  private stopped: Promise<{ frames: KernelFrame[]; endedEarly: boolean }> | undefined;

  private constructor(
    readonly namespace: string | undefined,
    readonly device: string,
    readonly file: string,
    private readonly handle: CaptureHandle,
    /** What to subtract from a frame's pcap time to get the run's clock (0 for `cap`, which stamps on the run's clock). */
    private readonly base: bigint,
  ) {}

  /** `NS:DEV`, or `DEV` in the global namespace. */
  get point(): string {
    return placeKey(this.namespace, this.device);
  }

  /** Whether it still captures (false once stopped, or once its device went down or away). */
  get running(): boolean {
    return this.stopped === undefined && this.handle.running;
  }

  /**
   * Starts capturing into `file`; resolves once the capture is open. The error is what the capture program said,
   * first line only (`cannot capture on veth1: That device is not up`).
   */
  static async start(sandbox: Sandbox, ns: string | undefined, device: string, file: string, options: SessionOptions): Promise<Result<CaptureSession, string>> {
    try {
      const handle = await startCapture(sandbox, ns, device, file, { backend: options.backend, origin: options.origin, ...(options.filter !== undefined ? { filter: options.filter } : {}) });
      return ok(new CaptureSession(ns, device, file, handle, options.backend === 'tcpdump' ? options.realOrigin : 0n));
    } catch (e) {
      if (e instanceof CaptureError) return err(e.message.split('\n')[0]!);
      throw e;
    }
  }

  /** Stops (after the kernel's queue has drained) and reads the frames back; idempotent. */
  stop(): Promise<{ frames: KernelFrame[]; endedEarly: boolean }> {
    this.stopped ??= (async () => {
      let endedEarly = false;
      try {
        await this.handle.stop();
      } catch (e) {
        if (!(e instanceof CaptureError)) throw e;
        endedEarly = true;
      }
      return { frames: readFrames(this.file, this.base), endedEarly };
    })();
    return this.stopped;
  }
}

/**
 * The frames of a pcap file a session wrote (up to the first damaged record of a capture that died), each at its
 * pcap time minus `base` (exact: a pcap time since the epoch is beyond a number's 2^53).
 */
export function readFrames(file: string, base = 0n): KernelFrame[] {
  const frames: KernelFrame[] = [];
  try {
    for (const r of readCapture(file, { copy: true })) {
      if (!r.ok) break;
      frames.push({ at: Number(r.value.timestamp - base), data: r.value.data, originalLength: r.value.originalLength, linkType: r.value.linkType });
    }
  } catch {
    // A capture that never wrote its header has no frames.
  }
  return frames;
}

/** The devices of a sandbox namespace that are up (tcpdump refuses the others), from `ip -o link`. */
export async function devicesUp(sandbox: Sandbox, ns: string | undefined): Promise<string[]> {
  const r = await sandbox.execAsync(ns, ['ip', '-o', 'link', 'show', 'up']);
  if (r.status !== 0) return [];
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\d+: ([^:@\s]+)(?:@[^:\s]*)?: <([^>]*)>/.exec(line);
    if (m && m[2]!.split(',').includes('UP')) out.push(m[1]!);
  }
  return out;
}
