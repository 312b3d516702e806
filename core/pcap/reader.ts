import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open as openAsync, type FileHandle } from 'node:fs/promises';
import { err, ok, type Result } from '../result.ts';
import { ClassicDecoder, isClassicMagic } from './classic.ts';
import { END, NEED_MORE, type CaptureInterface, type Decoder } from './decoder.ts';
import { pcapError, type PcapError } from './error.ts';
import { BlockType } from './format.ts';
import { PcapngDecoder } from './pcapng.ts';
import { PcapRecord } from './record.ts';
import { ByteWindow } from './window.ts';

/** Options of the capture readers. */
export interface CaptureReadOptions {
  /** Give each record its own copy of its bytes instead of a view into the read buffer (default false). */
  readonly copy?: boolean;
  /** Bytes read from the file at a time (default 1 MiB; at least 64). A larger block gets a larger buffer. */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;
/** The smallest chunk size taken; a chunk grows for a block larger than it. */
const MIN_CHUNK = 64;

/** Where a reader's bytes come from: a file descriptor read in order, or bytes already in memory. */
interface Source {
  /** Reads into `buf` at `at`, up to `length` bytes; 0 at the end. */
  read(buf: Uint8Array, at: number, length: number): number;
  close(): void;
}

/**
 * A streaming reader of one pcap or pcapng file [pcap-savefile(5), draft-ietf-opsawg-pcapng-02]: it reads the
 * file in chunks (never all of it), and yields records until the end or the first error.
 *
 * `read()` is the fastest form: a record, or undefined at the end or on an error, after which `error` tells
 * which. Iterating gives the same records as Results, the last one the error if there is one.
 */
export class CaptureReader implements Iterable<Result<PcapRecord, PcapError>> {
  /** The error that stopped the reader, if one did. */
  error: PcapError | undefined;
  private done = false;
  /** Whether iteration has yielded `error`. */
  private reported = false;

  /** @internal Use `openCapture` or `captureFromBytes`. */
  constructor(
    private readonly window: ByteWindow,
    private readonly decoder: Decoder,
    private source: Source | undefined,
  ) {}

  /** 'pcap' for classic libpcap files, 'pcapng' for pcapng. */
  get format(): 'pcap' | 'pcapng' {
    return this.decoder.format;
  }

  /**
   * The interfaces of the current section; for a classic file its one interface (link type and snaplen from the
   * file header). After opening a pcapng file this holds at least the first interface, if the file has one.
   */
  get interfaces(): readonly CaptureInterface[] {
    return this.decoder.interfaces;
  }

  /** Whether the current section (or the classic file) is little-endian. */
  get littleEndian(): boolean {
    return this.decoder.littleEndian;
  }

  /** The next record, or undefined at the end of the file or on an error (then `error` is set). */
  read(): PcapRecord | undefined {
    if (this.done) return undefined;
    const w = this.window;
    for (;;) {
      const r = this.decoder.next(w);
      if (r instanceof PcapRecord) return r;
      if (r === NEED_MORE) {
        const problem = this.fill();
        if (problem !== undefined) return this.stop(problem);
        continue;
      }
      return this.stop(r === END ? undefined : r);
    }
  }

  /** Closes the file; reading after this gives nothing. Iterating to the end or to an error closes it too. */
  close(): void {
    this.done = true;
    const source = this.source;
    this.source = undefined;
    source?.close();
  }

  [Symbol.iterator](): Iterator<Result<PcapRecord, PcapError>> {
    return {
      next: (): IteratorResult<Result<PcapRecord, PcapError>> => {
        const record = this.read();
        if (record !== undefined) return { done: false, value: { ok: true, value: record } };
        const error = this.error;
        if (error !== undefined && !this.reported) {
          this.reported = true;
          return { done: false, value: { ok: false, error } };
        }
        return { done: true, value: undefined };
      },
      return: (): IteratorResult<Result<PcapRecord, PcapError>> => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** @internal Reads the header; used by the open functions. */
  readHeader(): PcapError | undefined {
    for (;;) {
      const r = this.decoder.header(this.window);
      if (r !== NEED_MORE) return typeof r === 'number' ? undefined : r;
      const problem = this.fill();
      if (problem !== undefined) return problem;
    }
  }

  private stop(error: PcapError | undefined): undefined {
    this.error = error;
    this.close();
    return undefined;
  }

  private fill(): PcapError | undefined {
    if (this.source === undefined) {
      this.window.eof = true;
      return undefined;
    }
    return fillSync(this.window, this.source);
  }
}

/** Reads at least `window.needed` bytes from `window.pos` (after any bytes to skip), or up to the end of the file. */
function fillSync(w: ByteWindow, source: Source): PcapError | undefined {
  try {
    let skip = w.prepare();
    while (skip > 0) {
      const n = source.read(w.buf, 0, Math.min(skip, w.buf.length));
      if (n === 0) {
        w.endedWhileSkipping();
        return undefined;
      }
      skip -= n;
    }
    while (w.wantsMore) w.received(source.read(w.buf, w.end, w.buf.length - w.end));
    return undefined;
  } catch (e) {
    return pcapError('io', w.offset, `read failed: ${(e as Error).message}`);
  }
}

/** Picks the decoder for the magic number at the start of a file, or says why there is none. */
function decoderFor(first: Uint8Array, copy: boolean): Result<Decoder, PcapError> {
  if (first.length < 4) return err(pcapError('truncated-file-header', 0, `truncated file header: ${first.length} bytes, fewer than the 4 of a magic number`));
  const magic = ((first[0]! << 24) | (first[1]! << 16) | (first[2]! << 8) | first[3]!) >>> 0;
  if (isClassicMagic(magic)) return ok(new ClassicDecoder(copy));
  if (magic === BlockType.SectionHeader) return ok(new PcapngDecoder(copy));
  return err(pcapError('bad-magic', 0, `not a pcap or pcapng file: magic number 0x${magic.toString(16).padStart(8, '0')}`));
}

/**
 * Opens a pcap or pcapng file for streaming and reads its header; the CLI's `twinnet decode FILE` and the diff
 * read captures this way. Close the reader, or read it to the end, to release the file.
 */
export function openCapture(path: string, options: CaptureReadOptions = {}): Result<CaptureReader, PcapError> {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return err(pcapError('io', 0, `cannot open: ${(e as Error).message}`));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new Error(`${path} is a directory`);
    size = stat.isFile() ? stat.size : Infinity;
  } catch (e) {
    closeSync(fd);
    return err(pcapError('io', 0, `cannot open: ${(e as Error).message}`));
  }
  const source: Source = {
    read: (buf, at, length) => readSync(fd, buf, at, length, null),
    close: () => closeSync(fd),
  };
  const chunk = Math.max(MIN_CHUNK, options.chunkSize ?? DEFAULT_CHUNK);
  const window = new ByteWindow(new Uint8Array(0), false, size, chunk);
  window.needed = 4;
  const problem = fillSync(window, source);
  if (problem !== undefined) {
    source.close();
    return err(problem);
  }
  return start(window, source, options, (decoder) => new CaptureReader(window, decoder, source));
}

/** Reads a capture held in memory (a file written by `PcapWriter` to a buffer, or a fixture). */
export function captureFromBytes(bytes: Uint8Array, options: CaptureReadOptions = {}): Result<CaptureReader, PcapError> {
  const window = new ByteWindow(bytes, true, bytes.length, DEFAULT_CHUNK);
  return start(window, undefined, options, (decoder) => new CaptureReader(window, decoder, undefined));
}

function start(
  window: ByteWindow,
  source: Source | undefined,
  options: CaptureReadOptions,
  reader: (decoder: Decoder) => CaptureReader,
): Result<CaptureReader, PcapError> {
  const decoder = decoderFor(window.buf.subarray(window.pos, Math.min(window.end, window.pos + 4)), options.copy ?? false);
  if (!decoder.ok) {
    source?.close();
    return decoder;
  }
  const r = reader(decoder.value);
  const problem = r.readHeader();
  if (problem !== undefined) {
    r.close();
    return err(problem);
  }
  return ok(r);
}

/**
 * Every record of a pcap or pcapng file as a Result, in file order; an error (opening, or a bad record) is the
 * last item. This is the hook for `twinnet decode FILE`. The file is closed when the iteration ends.
 */
export function* readCapture(path: string, options: CaptureReadOptions = {}): Generator<Result<PcapRecord, PcapError>, void, undefined> {
  const opened = openCapture(path, options);
  if (!opened.ok) {
    yield opened;
    return;
  }
  const reader = opened.value;
  try {
    yield* reader;
  } finally {
    reader.close();
  }
}

/**
 * The records of a pcap or pcapng file as an async iterator of Results, reading with non-blocking file I/O; the
 * same decoders as `openCapture`, for callers that must not block the event loop.
 */
export async function* readCaptureAsync(path: string, options: CaptureReadOptions = {}): AsyncGenerator<Result<PcapRecord, PcapError>, void, undefined> {
  let handle: FileHandle;
  let size: number;
  try {
    handle = await openAsync(path, 'r');
  } catch (e) {
    yield err(pcapError('io', 0, `cannot open: ${(e as Error).message}`));
    return;
  }
  try {
    const stat = await handle.stat();
    size = stat.isFile() ? stat.size : Infinity;
    const window = new ByteWindow(new Uint8Array(0), false, size, Math.max(MIN_CHUNK, options.chunkSize ?? DEFAULT_CHUNK));
    const fill = async (): Promise<PcapError | undefined> => {
      try {
        let skip = window.prepare();
        while (skip > 0) {
          const { bytesRead } = await handle.read(window.buf, 0, Math.min(skip, window.buf.length), null);
          if (bytesRead === 0) {
            window.endedWhileSkipping();
            return undefined;
          }
          skip -= bytesRead;
        }
        while (window.wantsMore) window.received((await handle.read(window.buf, window.end, window.buf.length - window.end, null)).bytesRead);
        return undefined;
      } catch (e) {
        return pcapError('io', window.offset, `read failed: ${(e as Error).message}`);
      }
    };
    window.needed = 4;
    let problem = await fill();
    if (problem !== undefined) {
      yield err(problem);
      return;
    }
    const chosen = decoderFor(window.buf.subarray(0, Math.min(window.end, 4)), options.copy ?? false);
    if (!chosen.ok) {
      yield chosen;
      return;
    }
    const decoder = chosen.value;
    for (;;) {
      const r = decoder.header(window);
      if (r !== NEED_MORE) {
        if (typeof r !== 'number') {
          yield err(r);
          return;
        }
        break;
      }
      if ((problem = await fill()) !== undefined) {
        yield err(problem);
        return;
      }
    }
    for (;;) {
      const r = decoder.next(window);
      if (r instanceof PcapRecord) {
        yield ok(r);
      } else if (r === NEED_MORE) {
        if ((problem = await fill()) !== undefined) {
          yield err(problem);
          return;
        }
      } else {
        if (r !== END) yield err(r);
        return;
      }
    }
  } finally {
    await handle.close();
  }
}
