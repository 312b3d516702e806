import { openCapture } from '../pcap/reader.ts';
import type { PcapError } from '../pcap/error.ts';
import { err, ok, type Result } from '../result.ts';
import type { DiffFrame } from './frame.ts';

/**
 * Every frame of a pcap or pcapng file as the diff reads it (through the streaming reader, `core/pcap/reader.ts`),
 * times in nanoseconds from the file's first frame so that they stay exact; or the reader's error (a file that is
 * not a capture, a damaged record), which names the byte offset.
 */
export function readDiffFrames(path: string): Result<DiffFrame[], PcapError> {
  const opened = openCapture(path);
  if (!opened.ok) return opened;
  const reader = opened.value;
  const frames: DiffFrame[] = [];
  let firstSeconds: number | undefined;
  for (let rec = reader.read(); rec !== undefined; rec = reader.read()) {
    firstSeconds ??= rec.seconds;
    frames.push({ at: (rec.seconds - firstSeconds) * 1_000_000_000 + rec.nanoseconds, data: rec.data, linkType: rec.linkType, originalLength: rec.originalLength });
  }
  return reader.error === undefined ? ok(frames) : err(reader.error);
}
