import { END, NEED_MORE, READY, type CaptureInterface, type Decoder } from './decoder.ts';
import { pcapError, type PcapError } from './error.ts';
import {
  BlockType,
  BYTE_ORDER_MAGIC,
  DEFAULT_TSRESOL,
  InterfaceOption,
  isSkippedBlockType,
  MAX_PARSED_BLOCK_LEN,
  MAX_SNAPLEN,
  MIN_BLOCK_LEN,
  MIN_ENHANCED_PACKET_LEN,
  MIN_INTERFACE_DESCRIPTION_LEN,
  MIN_PACKET_LEN,
  MIN_SECTION_HEADER_LEN,
  MIN_SIMPLE_PACKET_LEN,
  pad4,
} from './format.ts';
import { PcapRecord } from './record.ts';
import { TimestampScale } from './timestamp.ts';
import type { ByteWindow } from './window.ts';

/*
 * Enhanced Packet Block [draft-ietf-opsawg-pcapng-02 §4.3]; the obsolete Packet Block (Appendix A) has the same
 * layout with a 16-bit interface id followed by a 16-bit drops count.
 *
 *    0 | block type = 6 | 4 | block total length | 8 | interface id | 12 | timestamp (upper 32 bits) |
 *   16 | timestamp (lower 32 bits) | 20 | captured packet length | 24 | original packet length |
 *   28 / packet data, padded to 32 bits / options / block total length |
 */
const Epb = { interfaceId: 8, timestampHigh: 12, timestampLow: 16, capturedLength: 20, originalLength: 24, data: 28 } as const;
/* Simple Packet Block [§4.4]: | type = 3 | total length | original packet length | packet data | total length | */
const Spb = { originalLength: 8, data: 12 } as const;
/* Interface Description Block [§4.2]: | type = 1 | total length | link type (16) | reserved (16) | snaplen | options | */
const Idb = { linkType: 8, snaplen: 12, options: 16 } as const;
/* Section Header Block [§4.1]: | type | total length | byte-order magic | major (16) | minor (16) | section length (64) | options | */
const Shb = { byteOrderMagic: 8, versionMajor: 12, versionMinor: 14 } as const;

/** What the reader keeps of an interface to read its packets: capture limit and timestamp scale. */
interface PcapngInterface {
  readonly linkType: number;
  readonly snaplen: number;
  /** The captured length a packet may have: the snaplen when sane, else the maximum. */
  readonly limit: number;
  readonly scale: TimestampScale;
}

/** Internal answer of `block`: a block was consumed and produced no record. */
const CONTINUE = 3;
/** Internal answer of `block` in header mode: a packet block comes before any interface. */
const STOP = 4;

/**
 * Reads pcapng files [draft-ietf-opsawg-pcapng-02]: sections in either byte order, interfaces with if_tsresol
 * and if_tsoffset, Enhanced, Simple and (obsolete) Packet Blocks; the other block types the spec defines are
 * skipped by their length without being loaded.
 */
export class PcapngDecoder implements Decoder {
  readonly format = 'pcapng' as const;
  interfaces: CaptureInterface[] = [];
  private described: PcapngInterface[] = [];
  littleEndian = true;
  /** Index of the current section, from 0. */
  section = -1;
  /** Offset of a skipped block whose trailing length is still to be checked, or -1. */
  private trailerOffset = -1;
  private trailerLength = 0;

  constructor(private readonly copy: boolean) {}

  header(w: ByteWindow): typeof READY | typeof NEED_MORE | PcapError {
    for (;;) {
      const r = this.block(w, true);
      if (r === CONTINUE) {
        if (this.interfaces.length > 0) return READY;
        continue;
      }
      if (r === END || r === STOP) return READY;
      return r as typeof NEED_MORE | PcapError;
    }
  }

  next(w: ByteWindow): PcapRecord | typeof END | typeof NEED_MORE | PcapError {
    for (;;) {
      const r = this.block(w, false);
      if (r !== CONTINUE) return r as PcapRecord | typeof END | typeof NEED_MORE | PcapError;
    }
  }

  private block(w: ByteWindow, headerOnly: boolean): PcapRecord | PcapError | number {
    if (this.trailerOffset >= 0) return this.skippedTrailer(w);
    const available = w.end - w.pos;
    if (available < 8) {
      if (!w.eof) return need(w, 8);
      if (available === 0) return END;
      return pcapError('truncated-block', w.offset, `truncated block header: ${available} of 8 bytes`);
    }
    const v = w.view;
    const p = w.pos;
    const type = v.getUint32(p, this.littleEndian);
    if (type === BlockType.SectionHeader) return this.sectionHeader(w);
    const length = v.getUint32(p + 4, this.littleEndian);
    if (length % 4 !== 0) return badLength(w.offset, `block total length ${length} is not a multiple of 4`);
    switch (type) {
      case BlockType.EnhancedPacket:
        return headerOnly ? STOP : this.packet(w, length, true);
      case BlockType.SimplePacket:
        return headerOnly ? STOP : this.simplePacket(w, length);
      case BlockType.Packet:
        return headerOnly ? STOP : this.packet(w, length, false);
      case BlockType.InterfaceDescription:
        return this.interfaceDescription(w, length);
    }
    if (!isSkippedBlockType(type)) {
      return pcapError('unknown-block-type', w.offset, `unknown block type 0x${type.toString(16).padStart(8, '0')}`);
    }
    if (length < MIN_BLOCK_LEN) return badLength(w.offset, `block total length ${length} is under the minimum of ${MIN_BLOCK_LEN}`);
    if (w.offset + length > w.size) return pastEnd(w, 'block', length);
    // Skipped without loading: jump to the trailing length and check it there.
    this.trailerOffset = w.offset;
    this.trailerLength = length;
    w.pos = p + length - 4;
    return CONTINUE;
  }

  private skippedTrailer(w: ByteWindow): PcapError | number {
    if (w.end - w.pos < 4) {
      if (!w.eof) return need(w, 4);
      return pcapError('truncated-block', this.trailerOffset, `block of total length ${this.trailerLength} runs past the end of the file`);
    }
    const trailer = w.view.getUint32(w.pos, this.littleEndian);
    if (trailer !== this.trailerLength) return mismatch(this.trailerOffset, 'block', this.trailerLength, trailer);
    w.pos += 4;
    this.trailerOffset = -1;
    return CONTINUE;
  }

  /** Checks a block that is parsed whole, and makes sure all of it is in the window. */
  private load(w: ByteWindow, length: number, min: number, name: string): PcapError | typeof NEED_MORE | undefined {
    if (length < min) return badLength(w.offset, `${name} total length ${length} is under the minimum of ${min}`);
    if (length > MAX_PARSED_BLOCK_LEN) return badLength(w.offset, `${name} total length ${length} is over the limit of ${MAX_PARSED_BLOCK_LEN}`);
    if (w.offset + length > w.size) return pastEnd(w, name, length);
    if (w.end - w.pos < length) {
      if (!w.eof) return need(w, length);
      return pastEnd(w, name, length);
    }
    const trailer = w.view.getUint32(w.pos + length - 4, this.littleEndian);
    if (trailer !== length) return mismatch(w.offset, name, length, trailer);
    return undefined;
  }

  private sectionHeader(w: ByteWindow): PcapError | number {
    const available = w.end - w.pos;
    if (available < 12) {
      if (!w.eof) return need(w, 12);
      return pcapError('truncated-block', w.offset, `truncated section header block: ${available} of 12 bytes`);
    }
    const v = w.view;
    const p = w.pos;
    const magic = v.getUint32(p + Shb.byteOrderMagic, true);
    let le: boolean;
    if (magic === BYTE_ORDER_MAGIC) le = true;
    else if (v.getUint32(p + Shb.byteOrderMagic, false) === BYTE_ORDER_MAGIC) le = false;
    else {
      const shown = v.getUint32(p + Shb.byteOrderMagic, false).toString(16).padStart(8, '0');
      return pcapError('bad-byte-order-magic', w.offset + Shb.byteOrderMagic, `byte-order magic 0x${shown} is neither 0x1a2b3c4d nor 0x4d3c2b1a`);
    }
    const length = v.getUint32(p + 4, le);
    if (length % 4 !== 0) return badLength(w.offset, `section header block total length ${length} is not a multiple of 4`);
    this.littleEndian = le;
    const problem = this.load(w, length, MIN_SECTION_HEADER_LEN, 'section header block');
    if (problem !== undefined) return problem;
    const major = v.getUint16(p + Shb.versionMajor, le);
    if (major !== 1) {
      const minor = v.getUint16(p + Shb.versionMinor, le);
      return pcapError('unsupported-version', w.offset + Shb.versionMajor, `unsupported pcapng section version ${major}.${minor} (twinnet reads 1.x)`);
    }
    this.interfaces = [];
    this.described = [];
    this.section += 1;
    w.pos = p + length;
    return CONTINUE;
  }

  private interfaceDescription(w: ByteWindow, length: number): PcapError | number {
    const problem = this.load(w, length, MIN_INTERFACE_DESCRIPTION_LEN, 'interface description block');
    if (problem !== undefined) return problem;
    const v = w.view;
    const p = w.pos;
    const le = this.littleEndian;
    const linkType = v.getUint16(p + Idb.linkType, le);
    const snaplen = v.getUint32(p + Idb.snaplen, le);
    let name: string | undefined;
    let tsresol = DEFAULT_TSRESOL;
    let tsoffset = 0;
    const end = p + length - 4;
    for (let o = p + Idb.options; o + 4 <= end; ) {
      const code = v.getUint16(o, le);
      const optionLength = v.getUint16(o + 2, le);
      if (code === InterfaceOption.EndOfOptions) break;
      const at = w.base + o;
      if (o + 4 + optionLength > end) return badOption(at, `option ${code} of length ${optionLength} runs past the end of its block`);
      if (code === InterfaceOption.Name) {
        name = new TextDecoder().decode(w.buf.subarray(o + 4, o + 4 + optionLength));
      } else if (code === InterfaceOption.TsResol) {
        if (optionLength !== 1) return badOption(at, `if_tsresol has length ${optionLength}, not 1`);
        tsresol = w.buf[o + 4]!;
      } else if (code === InterfaceOption.TsOffset) {
        if (optionLength !== 8) return badOption(at, `if_tsoffset has length ${optionLength}, not 8`);
        const high = v.getInt32(o + (le ? 8 : 4), le);
        const low = v.getUint32(o + (le ? 4 : 8), le);
        tsoffset = high * 4_294_967_296 + low;
      }
      o += 4 + pad4(optionLength);
    }
    const limit = snaplen > 0 && snaplen <= MAX_SNAPLEN ? snaplen : MAX_SNAPLEN;
    this.interfaces.push({ linkType, snaplen, name, tsresol, tsoffset });
    this.described.push({ linkType, snaplen, limit, scale: new TimestampScale(tsresol, tsoffset) });
    w.pos = p + length;
    return CONTINUE;
  }

  /** An Enhanced Packet Block, or with `enhanced` false the obsolete Packet Block. */
  private packet(w: ByteWindow, length: number, enhanced: boolean): PcapRecord | PcapError | number {
    const name = enhanced ? 'enhanced packet block' : 'packet block';
    const min = enhanced ? MIN_ENHANCED_PACKET_LEN : MIN_PACKET_LEN;
    if (length < min) return badLength(w.offset, `${name} total length ${length} is under the minimum of ${min}`);
    if (w.end - w.pos < Epb.data) {
      if (!w.eof && w.offset + Epb.data <= w.size) return need(w, Epb.data);
      return pastEnd(w, name, length);
    }
    const v = w.view;
    const p = w.pos;
    const le = this.littleEndian;
    const interfaceId = enhanced ? v.getUint32(p + Epb.interfaceId, le) : v.getUint16(p + Epb.interfaceId, le);
    const iface = this.described[interfaceId];
    if (iface === undefined) {
      return pcapError('unknown-interface', w.offset, `${name} refers to interface ${interfaceId}, but section ${this.section} describes ${this.interfaces.length}`);
    }
    const capturedLength = v.getUint32(p + Epb.capturedLength, le);
    const originalLength = v.getUint32(p + Epb.originalLength, le);
    if (capturedLength > iface.limit) return tooLong(w.offset, capturedLength, iface, interfaceId);
    if (capturedLength > originalLength) {
      return pcapError('caplen-over-origlen', w.offset, `captured length ${capturedLength} is greater than the original length ${originalLength}`);
    }
    if (Epb.data + pad4(capturedLength) + 4 > length) {
      return badLength(w.offset, `${name} total length ${length} cannot hold its ${capturedLength} captured bytes`);
    }
    const problem = this.load(w, length, min, name);
    if (problem !== undefined) return problem;
    const scale = iface.scale;
    scale.split(v.getUint32(p + Epb.timestampHigh, le), v.getUint32(p + Epb.timestampLow, le));
    const start = p + Epb.data;
    const data = this.copy ? w.buf.slice(start, start + capturedLength) : w.buf.subarray(start, start + capturedLength);
    const offset = w.base + p;
    w.pos = p + length;
    return new PcapRecord(scale.seconds, scale.nanoseconds, data, originalLength, interfaceId, iface.linkType, offset);
  }

  /** A Simple Packet Block: interface 0, no timestamp (time 0), captured length min(original length, snaplen). */
  private simplePacket(w: ByteWindow, length: number): PcapRecord | PcapError | number {
    const name = 'simple packet block';
    if (length < MIN_SIMPLE_PACKET_LEN) return badLength(w.offset, `${name} total length ${length} is under the minimum of ${MIN_SIMPLE_PACKET_LEN}`);
    const iface = this.described[0];
    if (iface === undefined) return pcapError('unknown-interface', w.offset, `${name} refers to interface 0, but section ${this.section} describes none`);
    const problem = this.load(w, length, MIN_SIMPLE_PACKET_LEN, name);
    if (problem !== undefined) return problem;
    const p = w.pos;
    const originalLength = w.view.getUint32(p + Spb.originalLength, this.littleEndian);
    const capturedLength = iface.snaplen > 0 ? Math.min(originalLength, iface.snaplen) : originalLength;
    if (capturedLength > iface.limit) return tooLong(w.offset, capturedLength, iface, 0);
    if (Spb.data + pad4(capturedLength) + 4 > length) {
      return badLength(w.offset, `${name} total length ${length} cannot hold its ${capturedLength} captured bytes`);
    }
    const start = p + Spb.data;
    const data = this.copy ? w.buf.slice(start, start + capturedLength) : w.buf.subarray(start, start + capturedLength);
    const offset = w.base + p;
    w.pos = p + length;
    return new PcapRecord(0, 0, data, originalLength, 0, iface.linkType, offset);
  }
}

function need(w: ByteWindow, bytes: number): typeof NEED_MORE {
  w.needed = bytes;
  return NEED_MORE;
}

function badLength(offset: number, what: string): PcapError {
  return pcapError('bad-block-length', offset, what);
}

function badOption(offset: number, what: string): PcapError {
  return pcapError('bad-option', offset, what);
}

function mismatch(offset: number, name: string, length: number, trailer: number): PcapError {
  return badLength(offset, `${name} total length ${length} differs from its trailing copy ${trailer}`);
}

function pastEnd(w: ByteWindow, name: string, length: number): PcapError {
  const left = Math.min(w.size - w.offset, w.eof ? w.end - w.pos : Infinity);
  return pcapError('truncated-block', w.offset, `${name} of total length ${length} runs past the end of the file (${left} bytes left)`);
}

function tooLong(offset: number, capturedLength: number, iface: PcapngInterface, interfaceId: number): PcapError {
  const what = iface.limit < MAX_SNAPLEN ? `interface ${interfaceId}'s snaplen of ${iface.snaplen}` : `the maximum of ${MAX_SNAPLEN}`;
  return pcapError('record-too-long', offset, `captured length ${capturedLength} is over ${what}`);
}
