import { END, NEED_MORE, READY, type CaptureInterface, type Decoder } from './decoder.ts';
import { pcapError, type PcapError } from './error.ts';
import {
  linkTypeOf,
  MAX_SNAPLEN,
  PCAP_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  PCAP_VERSION_MAJOR,
  PcapHeaderField,
  PcapMagic,
  PcapRecordField,
} from './format.ts';
import { PcapRecord } from './record.ts';
import type { ByteWindow } from './window.ts';

/** Whether the first four bytes, read big-endian, are a classic pcap magic number in either byte order. */
export function isClassicMagic(magic: number): boolean {
  return (
    magic === PcapMagic.Microsecond ||
    magic === PcapMagic.Nanosecond ||
    magic === 0xd4c3b2a1 ||
    magic === 0x4d3cb2a1
  );
}

/** Reads classic libpcap files, microsecond or nanosecond, in either byte order [pcap-savefile(5)]. */
export class ClassicDecoder implements Decoder {
  readonly format = 'pcap' as const;
  interfaces: CaptureInterface[] = [];
  littleEndian = true;
  private nsPerUnit = 1000;
  private snaplen = MAX_SNAPLEN;
  private limit = MAX_SNAPLEN;
  private linkType = 1;

  constructor(private readonly copy: boolean) {}

  header(w: ByteWindow): typeof READY | typeof NEED_MORE | PcapError {
    if (w.available < PCAP_HEADER_LEN) {
      if (!w.eof) return need(w, PCAP_HEADER_LEN);
      return pcapError('truncated-file-header', w.offset, `truncated file header: ${w.available} of ${PCAP_HEADER_LEN} bytes`);
    }
    const v = w.view;
    const p = w.pos;
    const magic = v.getUint32(p + PcapHeaderField.magic, false);
    const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    const nano = magic === PcapMagic.Nanosecond || magic === 0x4d3cb2a1;
    const major = v.getUint16(p + PcapHeaderField.versionMajor, le);
    const minor = v.getUint16(p + PcapHeaderField.versionMinor, le);
    if (major !== PCAP_VERSION_MAJOR) {
      return pcapError('unsupported-version', w.offset + PcapHeaderField.versionMajor, `unsupported pcap version ${major}.${minor} (twinnet reads 2.x)`);
    }
    this.littleEndian = le;
    this.nsPerUnit = nano ? 1 : 1000;
    this.snaplen = v.getUint32(p + PcapHeaderField.snaplen, le);
    // As libpcap does (sf-pcap.c: pcap_check_header), a snaplen of 0 or over the maximum is not trusted.
    this.limit = this.snaplen > 0 && this.snaplen <= MAX_SNAPLEN ? this.snaplen : MAX_SNAPLEN;
    this.linkType = linkTypeOf(v.getUint32(p + PcapHeaderField.linkType, le));
    this.interfaces = [{ linkType: this.linkType, snaplen: this.snaplen, name: undefined, tsresol: nano ? 9 : 6, tsoffset: 0 }];
    w.pos = p + PCAP_HEADER_LEN;
    return READY;
  }

  next(w: ByteWindow): PcapRecord | typeof END | typeof NEED_MORE | PcapError {
    const available = w.end - w.pos;
    if (available < PCAP_RECORD_HEADER_LEN) {
      if (!w.eof) return need(w, PCAP_RECORD_HEADER_LEN);
      if (available === 0) return END;
      return pcapError('truncated-record-header', w.offset, `truncated record header: ${available} of ${PCAP_RECORD_HEADER_LEN} bytes`);
    }
    const v = w.view;
    const p = w.pos;
    const le = this.littleEndian;
    const capturedLength = v.getUint32(p + PcapRecordField.capturedLength, le);
    const originalLength = v.getUint32(p + PcapRecordField.originalLength, le);
    if (capturedLength > this.limit) return this.tooLong(w.offset, capturedLength);
    if (capturedLength > originalLength) {
      return pcapError('caplen-over-origlen', w.offset, `captured length ${capturedLength} is greater than the original length ${originalLength}`);
    }
    const recordLength = PCAP_RECORD_HEADER_LEN + capturedLength;
    if (available < recordLength) {
      const left = Math.min(w.size - w.offset, w.eof ? available : Infinity) - PCAP_RECORD_HEADER_LEN;
      if (left < capturedLength) {
        return pcapError('truncated-record-data', w.offset, `truncated record: captured length ${capturedLength}, but the file has ${left} bytes after the record header`);
      }
      return need(w, recordLength);
    }
    let seconds = v.getUint32(p + PcapRecordField.seconds, le);
    let nanoseconds = v.getUint32(p + PcapRecordField.fraction, le) * this.nsPerUnit;
    if (nanoseconds >= 1_000_000_000) {
      // An out-of-range fraction (possible in a damaged file) carries into the seconds.
      seconds += Math.floor(nanoseconds / 1_000_000_000);
      nanoseconds %= 1_000_000_000;
    }
    const start = p + PCAP_RECORD_HEADER_LEN;
    const data = this.copy ? w.buf.slice(start, start + capturedLength) : w.buf.subarray(start, start + capturedLength);
    const offset = w.base + p;
    w.pos = start + capturedLength;
    return new PcapRecord(seconds, nanoseconds, data, originalLength, 0, this.linkType, offset);
  }

  private tooLong(offset: number, capturedLength: number): PcapError {
    const what = this.limit < MAX_SNAPLEN ? `the file's snaplen of ${this.snaplen}` : `the maximum of ${MAX_SNAPLEN}`;
    return pcapError('record-too-long', offset, `captured length ${capturedLength} is over ${what}`);
  }
}

function need(w: ByteWindow, bytes: number): typeof NEED_MORE {
  w.needed = bytes;
  return NEED_MORE;
}
