/**
 * Builds pcapng and classic pcap bytes field by field for the reader tests, in either byte order, with hooks to
 * write wrong lengths and magics [draft-ietf-opsawg-pcapng-02 §3-4, pcap-savefile(5)].
 */

/** Overrides that make a block malformed. */
export interface BlockFaults {
  /** The leading block total length to write instead of the true one. */
  readonly totalLength?: number;
  /** The trailing block total length to write instead of the leading one. */
  readonly trailer?: number;
}

function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

/** Accumulates pcapng blocks; `le` is the byte order of the section being written. */
export class PcapngBuilder {
  private parts: Uint8Array[] = [];
  le = true;

  /** Offset the next block will start at. */
  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  /** A raw block: type, lengths and a body padded to 32 bits. */
  block(type: number, body: Uint8Array, faults: BlockFaults = {}): this {
    const total = 12 + pad4(body.length);
    const bytes = new Uint8Array(total);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, faults.totalLength ?? total, this.le);
    bytes.set(body, 8);
    v.setUint32(total - 4, faults.trailer ?? faults.totalLength ?? total, this.le);
    this.parts.push(bytes);
    return this;
  }

  /** A Section Header Block starting a section in the given byte order. */
  shb(le = true, faults: BlockFaults & { readonly byteOrderMagic?: number; readonly major?: number } = {}): this {
    this.le = le;
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, faults.byteOrderMagic ?? 0x1a2b3c4d, le);
    v.setUint16(4, faults.major ?? 1, le);
    v.setUint16(6, 0, le);
    v.setInt32(8, -1, le);
    v.setInt32(12, -1, le);
    return this.block(0x0a0d0d0a, body, faults);
  }

  /** An option: code, length, value padded to 32 bits. */
  option(code: number, value: Uint8Array): Uint8Array {
    const bytes = new Uint8Array(4 + pad4(value.length));
    const v = new DataView(bytes.buffer);
    v.setUint16(0, code, this.le);
    v.setUint16(2, value.length, this.le);
    bytes.set(value, 4);
    return bytes;
  }

  /** An if_tsoffset option value (signed 64-bit seconds) in the section's byte order. */
  tsoffset(seconds: bigint): Uint8Array {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigInt64(0, seconds, this.le);
    return this.option(14, value);
  }

  /** An Interface Description Block with options (each from `option`), ended by opt_endofopt. */
  idb(linkType: number, snaplen: number, options: readonly Uint8Array[] = [], faults: BlockFaults = {}): this {
    const optionBytes = options.length > 0 ? concat([...options, new Uint8Array(4)]) : new Uint8Array(0);
    const body = new Uint8Array(8 + optionBytes.length);
    const v = new DataView(body.buffer);
    v.setUint16(0, linkType, this.le);
    v.setUint32(4, snaplen, this.le);
    body.set(optionBytes, 8);
    return this.block(1, body, faults);
  }

  /** An Enhanced Packet Block; `timestamp` is the 64-bit count of interface time units. */
  epb(
    interfaceId: number,
    timestamp: bigint,
    data: Uint8Array,
    lengths: { readonly captured?: number; readonly original?: number } = {},
    faults: BlockFaults = {},
  ): this {
    const body = new Uint8Array(20 + pad4(data.length));
    const v = new DataView(body.buffer);
    v.setUint32(0, interfaceId, this.le);
    v.setUint32(4, Number(timestamp >> 32n), this.le);
    v.setUint32(8, Number(timestamp & 0xffff_ffffn), this.le);
    v.setUint32(12, lengths.captured ?? data.length, this.le);
    v.setUint32(16, lengths.original ?? data.length, this.le);
    body.set(data, 20);
    return this.block(6, body, faults);
  }

  /** An obsolete Packet Block (16-bit interface id, drops count). */
  pb(interfaceId: number, timestamp: bigint, data: Uint8Array): this {
    const body = new Uint8Array(20 + pad4(data.length));
    const v = new DataView(body.buffer);
    v.setUint16(0, interfaceId, this.le);
    v.setUint16(2, 0xffff, this.le);
    v.setUint32(4, Number(timestamp >> 32n), this.le);
    v.setUint32(8, Number(timestamp & 0xffff_ffffn), this.le);
    v.setUint32(12, data.length, this.le);
    v.setUint32(16, data.length, this.le);
    body.set(data, 20);
    return this.block(2, body);
  }

  /** A Simple Packet Block. */
  spb(originalLength: number, data: Uint8Array): this {
    const body = new Uint8Array(4 + pad4(data.length));
    new DataView(body.buffer).setUint32(0, originalLength, this.le);
    body.set(data, 4);
    return this.block(3, body);
  }

  /** Raw bytes appended as they are (for truncation tests). */
  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  bytes(): Uint8Array {
    return concat(this.parts);
  }
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** A classic file header [pcap-savefile(5)]. */
export function classicHeader(options: { le?: boolean; magic?: number; snaplen?: number; linkType?: number; major?: number } = {}): Uint8Array {
  const le = options.le ?? true;
  const bytes = new Uint8Array(24);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, options.magic ?? 0xa1b2c3d4, le);
  v.setUint16(4, options.major ?? 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, options.snaplen ?? 262144, le);
  v.setUint32(20, options.linkType ?? 1, le);
  return bytes;
}

/** A classic record: header and data. */
export function classicRecord(
  seconds: number,
  fraction: number,
  data: Uint8Array,
  options: { le?: boolean; captured?: number; original?: number } = {},
): Uint8Array {
  const le = options.le ?? true;
  const bytes = new Uint8Array(16 + data.length);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, seconds, le);
  v.setUint32(4, fraction, le);
  v.setUint32(8, options.captured ?? data.length, le);
  v.setUint32(12, options.original ?? data.length, le);
  bytes.set(data, 16);
  return bytes;
}

/**
 * Rewrites a little-endian classic file (as twinnet writes) in big-endian byte order, as a big-endian host's
 * libpcap would have written it.
 */
export function toBigEndianClassic(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const src = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const dst = new DataView(out.buffer);
  const swap32 = (at: number): void => dst.setUint32(at, src.getUint32(at, true), false);
  const swap16 = (at: number): void => dst.setUint16(at, src.getUint16(at, true), false);
  swap32(0);
  swap16(4);
  swap16(6);
  for (const at of [8, 12, 16, 20]) swap32(at);
  for (let at = 24; at < file.length; ) {
    const caplen = src.getUint32(at + 8, true);
    for (let f = 0; f < 16; f += 4) swap32(at + f);
    at += 16 + caplen;
  }
  return out;
}
