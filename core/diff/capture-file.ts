import { openCapture } from '../pcap/reader.ts';
import type { PcapError } from '../pcap/error.ts';
import { err, ok, type Result } from '../result.ts';
import type { DiffFrame } from './frame.ts';

/** Timestamps below this many seconds are kept as they are (twinnet's captures count from the run's start). */
const RUN_RELATIVE_SECONDS = 9_000_000;

/**
 * Every frame of a pcap or pcapng file as the diff reads it (through the streaming reader, `core/pcap/reader.ts`),
 * or the reader's error (a file that is not a capture, a damaged record), which names the byte offset. Times are in
 * nanoseconds: as written when they count from a run's start (twinnet's own captures, the replay's), else from
 * the file's first whole second, so that epoch times stay exact.
 */
export function readDiffFrames(path: string): Result<DiffFrame[], PcapError> {
  const opened = openCapture(path);
  if (!opened.ok) return opened;
  const reader = opened.value;
  const frames: DiffFrame[] = [];
  let firstSeconds: number | undefined;
  for (let rec = reader.read(); rec !== undefined; rec = reader.read()) {
    firstSeconds ??= rec.seconds < RUN_RELATIVE_SECONDS ? 0 : rec.seconds;
    frames.push({ at: (rec.seconds - firstSeconds) * 1_000_000_000 + rec.nanoseconds, data: rec.data, linkType: rec.linkType, originalLength: rec.originalLength });
  }
  return reader.error === undefined ? ok(frames) : err(reader.error);
}
