import { openCapture } from '../pcap/reader.ts';
import type { PcapError } from '../pcap/error.ts';
import { err, ok, type Result } from '../result.ts';
import type { DiffFrame, FrameList } from './frame.ts';

/**
 * A frame read from a file: its bytes stay in the reader's buffer and `data` is a view made when asked, so that a
 * million frames cost a million small objects, not three million (the garbage collector walks every one).
 */
class StoredFrame implements DiffFrame {
  constructor(
    readonly at: number,
    private readonly buffer: ArrayBufferLike,
    private readonly offset: number,
    private readonly length: number,
    readonly linkType: number,
    readonly originalLength: number,
  ) {}

  get data(): Uint8Array {
    return new Uint8Array(this.buffer, this.offset, this.length);
  }
}

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
    const d = rec.data;
    frames.push(new StoredFrame((rec.seconds - firstSeconds) * 1_000_000_000 + rec.nanoseconds, d.buffer, d.byteOffset, d.byteLength, rec.linkType, rec.originalLength));
  }
  return reader.error === undefined ? ok(frames) : err(reader.error);
}

/** A growable typed array. */
class Column<T extends Float64Array | Uint32Array> {
  values: T;
  constructor(private readonly make: (n: number) => T) {
    this.values = make(1024);
  }
  set(i: number, v: number): void {
    if (i === this.values.length) {
      const grown = this.make(i * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[i] = v;
  }
}

/**
 * The frames of a pcap or pcapng file as a compact table (DESIGN.md §5; what `twinnet diff` reads): the bytes stay
 * in the reader's buffers, and each frame is a row of numbers (time, buffer, offset, length, link type, length on
 * the wire), so a capture of a million frames adds no million objects for the garbage collector to walk. Times
 * as `readDiffFrames` gives them.
 */
export function readFrameTable(path: string): Result<FrameList, PcapError> {
  const opened = openCapture(path);
  if (!opened.ok) return opened;
  const reader = opened.value;
  const buffers: ArrayBufferLike[] = [];
  const at = new Column((n) => new Float64Array(n));
  const buffer = new Column((n) => new Uint32Array(n));
  const offset = new Column((n) => new Uint32Array(n));
  const length = new Column((n) => new Uint32Array(n));
  const linkType = new Column((n) => new Uint32Array(n));
  const wire = new Column((n) => new Uint32Array(n));
  let n = 0;
  let firstSeconds: number | undefined;
  for (let rec = reader.read(); rec !== undefined; rec = reader.read(), n++) {
    firstSeconds ??= rec.seconds < RUN_RELATIVE_SECONDS ? 0 : rec.seconds;
    const d = rec.data;
    if (buffers[buffers.length - 1] !== d.buffer) buffers.push(d.buffer);
    at.set(n, (rec.seconds - firstSeconds) * 1_000_000_000 + rec.nanoseconds);
    buffer.set(n, buffers.length - 1);
    offset.set(n, d.byteOffset);
    length.set(n, d.byteLength);
    linkType.set(n, rec.linkType);
    wire.set(n, rec.originalLength);
  }
  if (reader.error !== undefined) return err(reader.error);
  const times = at.values;
  const buf = buffer.values;
  const off = offset.values;
  const len = length.values;
  const link = linkType.values;
  const orig = wire.values;
  return ok({
    length: n,
    at: (i) => times[i]!,
    data: (i) => new Uint8Array(buffers[buf[i]!]!, off[i]!, len[i]!),
    linkType: (i) => link[i]!,
    originalLength: (i) => orig[i]!,
  });
}
