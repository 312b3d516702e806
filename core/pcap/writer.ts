import { closeSync, openSync, writeSync } from 'node:fs';
import type { Instant } from '../clock.ts';
import {
  LinkType,
  MAX_SNAPLEN,
  PCAP_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  PcapHeaderField,
  PcapMagic,
  PcapRecordField,
} from './format.ts';

/** Where a PcapWriter's bytes go; `write` must use or copy the chunk before it returns. */
export interface PcapSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** Options of a PcapWriter. */
export interface PcapWriterOptions {
  /** Timestamp resolution: 'micro' (magic 0xa1b2c3d4, tcpdump's default) or 'nano' (0xa1b23c4d). */
  readonly resolution?: 'micro' | 'nano';
  /** Bytes kept of each frame, 1 to 262,144 (default 262,144, as tcpdump). */
  readonly snaplen?: number;
  /** Link-layer header type (default 1, EN10MB). */
  readonly linkType?: number;
  /** Bytes buffered before a write to the sink (default 1 MiB). */
  readonly bufferSize?: number;
}

const DEFAULT_BUFFER = 1 << 20;

/**
 * Writes a classic libpcap file [pcap-savefile(5)], little-endian whatever the host, so that a run's captures
 * are byte-identical everywhere; timestamps come from twinnet's virtual clock. Records go through a buffer that
 * is handed to the sink when full (smoltcp phy/pcap_writer.rs writes the same layout).
 */
export class PcapWriter {
  readonly snaplen: number;
  readonly resolution: 'micro' | 'nano';
  private buf: Uint8Array;
  private view: DataView;
  private used = 0;
  private closed = false;

  constructor(
    private readonly sink: PcapSink,
    options: PcapWriterOptions = {},
  ) {
    this.snaplen = options.snaplen ?? MAX_SNAPLEN;
    this.resolution = options.resolution ?? 'micro';
    const linkType = options.linkType ?? LinkType.En10mb;
    if (!Number.isInteger(this.snaplen) || this.snaplen < 1 || this.snaplen > MAX_SNAPLEN) {
      throw new Error(`pcap writer: snaplen ${this.snaplen} is not between 1 and ${MAX_SNAPLEN}`);
    }
    const size = Math.max(options.bufferSize ?? DEFAULT_BUFFER, PCAP_RECORD_HEADER_LEN + this.snaplen, PCAP_HEADER_LEN);
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(PcapHeaderField.magic, this.resolution === 'nano' ? PcapMagic.Nanosecond : PcapMagic.Microsecond, true);
    v.setUint16(PcapHeaderField.versionMajor, PCAP_VERSION_MAJOR, true);
    v.setUint16(PcapHeaderField.versionMinor, PCAP_VERSION_MINOR, true);
    v.setInt32(PcapHeaderField.thiszone, 0, true);
    v.setUint32(PcapHeaderField.sigfigs, 0, true);
    v.setUint32(PcapHeaderField.snaplen, this.snaplen, true);
    v.setUint32(PcapHeaderField.linkType, linkType, true);
    this.used = PCAP_HEADER_LEN;
  }

  /**
   * Appends a frame seen at virtual time `at` (whole nanoseconds, not negative). Bytes past the snaplen are cut;
   * `originalLength` (default: the frame's length) is kept as the length on the wire.
   */
  write(at: Instant, frame: Uint8Array, originalLength: number = frame.length): void {
    if (this.closed) throw new Error('pcap writer: write after close');
    if (!Number.isSafeInteger(at) || at < 0) throw new Error(`pcap writer: time ${at} is not a whole, non-negative number of nanoseconds`);
    if (!Number.isInteger(originalLength) || originalLength < frame.length || originalLength > 0xffff_ffff) {
      throw new Error(`pcap writer: original length ${originalLength} is not between the frame's ${frame.length} bytes and 2^32 - 1`);
    }
    const capturedLength = Math.min(frame.length, this.snaplen);
    if (this.used + PCAP_RECORD_HEADER_LEN + capturedLength > this.buf.length) this.flush();
    const seconds = Math.floor(at / 1_000_000_000);
    const nanoseconds = at - seconds * 1_000_000_000;
    const v = this.view;
    const p = this.used;
    v.setUint32(p + PcapRecordField.seconds, seconds, true);
    v.setUint32(p + PcapRecordField.fraction, this.resolution === 'nano' ? nanoseconds : Math.floor(nanoseconds / 1000), true);
    v.setUint32(p + PcapRecordField.capturedLength, capturedLength, true);
    v.setUint32(p + PcapRecordField.originalLength, originalLength, true);
    this.buf.set(capturedLength === frame.length ? frame : frame.subarray(0, capturedLength), p + PCAP_RECORD_HEADER_LEN);
    this.used = p + PCAP_RECORD_HEADER_LEN + capturedLength;
  }

  /** Hands the buffered bytes to the sink. */
  flush(): void {
    if (this.used === 0) return;
    this.sink.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes and closes the sink; the writer takes no more frames. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.sink.close();
  }
}

/** A sink that writes to a file with fs.writeSync, creating or truncating it. */
export function fileSink(path: string): PcapSink {
  const fd = openSync(path, 'w');
  return {
    write(chunk) {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
    },
    close() {
      closeSync(fd);
    },
  };
}

/** A sink that keeps the file in memory, for tests and the library; `bytes()` gives the file so far. */
export class MemorySink implements PcapSink {
  private chunks: Uint8Array[] = [];
  private length = 0;

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk.slice());
    this.length += chunk.length;
  }

  close(): void {}

  /** The bytes written so far, as one array. */
  bytes(): Uint8Array {
    if (this.chunks.length !== 1) {
      const all = new Uint8Array(this.length);
      let at = 0;
      for (const c of this.chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.chunks = [all];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }
}

/** Creates a pcap file at `path` and returns its writer; `close()` it to flush the last bytes. */
export function createPcapFile(path: string, options: PcapWriterOptions = {}): PcapWriter {
  return new PcapWriter(fileSink(path), options);
}

/** A frame to write: its virtual time, bytes and (when it was cut before) original length. */
export interface PcapFrame {
  readonly at: Instant;
  readonly data: Uint8Array;
  readonly originalLength?: number;
}

/** The pcap file holding `frames`, in memory. */
export function pcapBytes(frames: Iterable<PcapFrame>, options: PcapWriterOptions = {}): Uint8Array {
  const sink = new MemorySink();
  const writer = new PcapWriter(sink, options);
  for (const f of frames) writer.write(f.at, f.data, f.originalLength);
  writer.close();
  return sink.bytes();
}
