import { createPrinter } from '../decode/printer.ts';
import type { FrameList } from './frame.ts';

/**
 * The tcpdump flags of a report's lines: -e -nn -t -v -S (link header, numbers, no timestamp, TTL and IDs, absolute
 * TCP sequence numbers, so that a line needs no earlier frame).
 */
export const LINE_FLAGS = { e: true, n: 2, t: 1, v: 1, S: true } as const;

/** The tcpdump lines (as `tcpdump -ennvtS` prints them, continuation lines joined) of the wanted frames of a capture. */
export function tcpdumpLines(frames: FrameList, wanted: Iterable<number>): Map<number, string> {
  const out = new Map<number, string>();
  const printer = createPrinter(LINE_FLAGS);
  for (const i of wanted) {
    if (i < 0 || i >= frames.length || out.has(i)) continue;
    const text = printer.print({ seconds: 0, nanoseconds: 0, data: frames.data(i), originalLength: frames.originalLength(i), linkType: frames.linkType(i) });
    out.set(i, text.replace(/\n\s*/g, ' ').trim());
  }
  return out;
}
