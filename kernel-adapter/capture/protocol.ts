/**
 * The capture helper's messages: one JSON object per line on its stdout. The parent writes `stop` (a line) on
 * the helper's stdin, or closes it; the helper then drains what the kernel has already queued, closes the file
 * and reports.
 */

/** The capture is open: frames sent from now on are captured. */
export interface ReadyMessage {
  readonly type: 'ready';
  /** cap's name of the link type (`ETHERNET`, …) and the pcap LINKTYPE written. */
  readonly linkType: string;
  readonly pcapLinkType: number;
}

/** The file is complete and closed. */
export interface StoppedMessage {
  readonly type: 'stopped';
  readonly frames: number;
  /** Frames longer than the capture buffer (65,535 bytes), written cut. */
  readonly truncated: number;
}

/** The helper failed (the device does not exist, a bad filter, cap not loadable …). */
export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

export type CaptureMessage = ReadyMessage | StoppedMessage | ErrorMessage;

/** The line the parent writes to stop a capture. */
export const STOP_LINE = 'stop';

/** Parses one stdout line of the helper; undefined for anything else (libpcap may print warnings). */
export function parseCaptureMessage(line: string): CaptureMessage | undefined {
  try {
    const v = JSON.parse(line) as CaptureMessage;
    return v !== null && typeof v === 'object' && (v.type === 'ready' || v.type === 'stopped' || v.type === 'error') ? v : undefined;
  } catch {
    return undefined;
  }
}
