import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PcapError } from '../../../core/pcap/error.ts';
import { captureFromBytes, openCapture, type CaptureReadOptions } from '../../../core/pcap/reader.ts';
import { pcapBytes } from '../../../core/pcap/writer.ts';
import { classicHeader, classicRecord, concat, PcapngBuilder } from './build.ts';

const dir = mkdtempSync(join(tmpdir(), 'twinnet-pcap-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  readonly records: number;
  readonly error: PcapError | undefined;
}

function readPath(path: string, options: CaptureReadOptions = {}): Outcome {
  const opened = openCapture(path, options);
  if (!opened.ok) return { records: 0, error: opened.error };
  let records = 0;
  for (const r of opened.value) {
    if (r.ok) records++;
    else return { records, error: r.error };
  }
  return { records, error: undefined };
}

let files = 0;

/**
 * How a file ends when read from memory, from a file (whole chunks and 64-byte chunks) and from a pipe, whose
 * length the reader cannot know in advance: all four must agree on the records read and the error's kind and offset.
 */
function outcome(bytes: Uint8Array): Outcome {
  const opened = captureFromBytes(bytes);
  let memory: Outcome;
  if (!opened.ok) memory = { records: 0, error: opened.error };
  else {
    let records = 0;
    let error: PcapError | undefined;
    for (const r of opened.value) {
      if (r.ok) records++;
      else error = r.error;
    }
    memory = { records, error };
  }
  const path = join(dir, `bad-${files++}`);
  writeFileSync(path, bytes);
  expect(readPath(path)).toEqual(memory);
  expect(readPath(path, { chunkSize: 64 })).toEqual(memory);
  const fifo = `${path}.fifo`;
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', path, fifo], { stdio: 'ignore' });
  const piped = readPath(fifo, { chunkSize: 64 });
  writer.kill();
  expect({ records: piped.records, kind: piped.error?.kind, offset: piped.error?.offset }).toEqual({
    records: memory.records,
    kind: memory.error?.kind,
    offset: memory.error?.offset,
  });
  return memory;
}

/** Asserts a file fails after `records` good records with this kind, offset and message. */
function expectError(bytes: Uint8Array, records: number, kind: PcapError['kind'], offset: number, message: string | RegExp): void {
  const result = outcome(bytes);
  expect(result.records).toBe(records);
  expect(result.error?.kind).toBe(kind);
  expect(result.error?.offset).toBe(offset);
  if (typeof message === 'string') expect(result.error?.message).toBe(`offset ${offset}: ${message}`);
  else expect(result.error?.message).toMatch(message);
}

const frame = (n: number): Uint8Array => new Uint8Array(n).fill(0xa5);
const good = pcapBytes([{ at: 1_000, data: frame(60) }]); // header (24) + one record (16 + 60) = 100 bytes

describe('classic pcap errors', () => {
  it('wrong magic', () => {
    expectError(new TextEncoder().encode('hello, world! this is not a capture'), 0, 'bad-magic', 0, 'not a pcap or pcapng file: magic number 0x68656c6c');
    // The modified-pcap (Kuznetsov) magic is a different format.
    expectError(classicHeader({ magic: 0xa1b2cd34 }), 0, 'bad-magic', 0, 'not a pcap or pcapng file: magic number 0x34cdb2a1');
  });

  it('truncated file header', () => {
    expectError(good.subarray(0, 10), 0, 'truncated-file-header', 0, 'truncated file header: 10 of 24 bytes');
    expectError(good.subarray(0, 3), 0, 'truncated-file-header', 0, 'truncated file header: 3 bytes, fewer than the 4 of a magic number');
    expectError(new Uint8Array(0), 0, 'truncated-file-header', 0, 'truncated file header: 0 bytes, fewer than the 4 of a magic number');
  });

  it('unsupported version', () => {
    expectError(classicHeader({ major: 3 }), 0, 'unsupported-version', 4, 'unsupported pcap version 3.4 (twinnet reads 2.x)');
  });

  it('truncated record header', () => {
    expectError(concat([good, frame(5)]), 1, 'truncated-record-header', 100, 'truncated record header: 5 of 16 bytes');
    expectError(concat([classicHeader({ le: false }), classicRecord(1, 2, frame(10), { le: false }).subarray(0, 15)]), 0, 'truncated-record-header', 24, 'truncated record header: 15 of 16 bytes');
  });

  it('truncated record data, and a length past the end of the file', () => {
    expectError(good.subarray(0, 90), 0, 'truncated-record-data', 24, 'truncated record: captured length 60, but the file has 50 bytes after the record header');
    expectError(concat([good, classicRecord(0, 0, frame(4), { captured: 200_000, original: 200_000 })]), 1, 'truncated-record-data', 100, 'truncated record: captured length 200000, but the file has 4 bytes after the record header');
  });

  it('a record over 262,144 bytes, or over the snaplen of a sane file', () => {
    const insane = classicHeader({ snaplen: 0 }); // as libpcap, a snaplen of 0 means the maximum
    expectError(concat([insane, classicRecord(0, 0, frame(8), { captured: 262_145, original: 262_145 })]), 0, 'record-too-long', 24, 'captured length 262145 is over the maximum of 262144');
    expectError(concat([insane, classicRecord(0, 0, frame(8), { captured: 0xffff_ffff, original: 0xffff_ffff })]), 0, 'record-too-long', 24, 'captured length 4294967295 is over the maximum of 262144');
    const sane = classicHeader({ snaplen: 100 });
    expectError(concat([sane, classicRecord(0, 0, frame(100)), classicRecord(0, 0, frame(101))]), 1, 'record-too-long', 140, "captured length 101 is over the file's snaplen of 100");
  });

  it('captured length greater than the original length', () => {
    expectError(concat([good, classicRecord(0, 0, frame(60), { original: 59 })]), 1, 'caplen-over-origlen', 100, 'captured length 60 is greater than the original length 59');
  });

  it('pcap-parser silently stops at a truncated record; twinnet reports it', async () => {
    const path = join(dir, 'truncated-for-pcap-parser.pcap');
    const bytes = pcapBytes([{ at: 0, data: frame(60) }, { at: 1, data: frame(60) }, { at: 2, data: frame(60) }]);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const parser = createRequire(import.meta.url)('pcap-parser') as { parse(path: string): NodeJS.EventEmitter };
    const theirs = await new Promise<{ packets: number; errors: number }>((resolve) => {
      let packets = 0;
      let errors = 0;
      const p = parser.parse(path);
      p.on('packet', () => packets++);
      p.on('error', () => errors++);
      p.on('end', () => resolve({ packets, errors }));
    });
    expect(theirs).toEqual({ packets: 2, errors: 0 });
    const ours = readPath(path);
    expect(ours.records).toBe(2);
    expect(ours.error?.message).toBe('offset 176: truncated record: captured length 60, but the file has 50 bytes after the record header');
  });
});

/** SHB (28 bytes) + IDB (20 bytes): the first packet block starts at 48. */
function section(le = true, snaplen = 0): PcapngBuilder {
  return new PcapngBuilder().shb(le).idb(1, snaplen);
}

describe('pcapng errors', () => {
  it('byte-order magic wrong', () => {
    expectError(new PcapngBuilder().shb(true, { byteOrderMagic: 0x01020304 }).bytes(), 0, 'bad-byte-order-magic', 8, 'byte-order magic 0x04030201 is neither 0x1a2b3c4d nor 0x4d3c2b1a');
    // In a later section too.
    expectError(concat([section().epb(0, 0n, frame(60)).bytes(), new PcapngBuilder().shb(false, { byteOrderMagic: 0 }).bytes()]), 1, 'bad-byte-order-magic', 148, /byte-order magic 0x00000000/);
  });

  it('unsupported section version', () => {
    expectError(new PcapngBuilder().shb(false, { major: 2 }).bytes(), 0, 'unsupported-version', 12, 'unsupported pcapng section version 2.0 (twinnet reads 1.x)');
  });

  it('block total length not a multiple of 4', () => {
    expectError(section().epb(0, 0n, frame(60), {}, { totalLength: 94 }).bytes(), 0, 'bad-block-length', 48, 'block total length 94 is not a multiple of 4');
    expectError(new PcapngBuilder().shb(true, { totalLength: 30 }).bytes(), 0, 'bad-block-length', 0, 'section header block total length 30 is not a multiple of 4');
  });

  it('block total length under the minimum', () => {
    expectError(section().epb(0, 0n, frame(0), {}, { totalLength: 28 }).bytes(), 0, 'bad-block-length', 48, 'enhanced packet block total length 28 is under the minimum of 32');
    expectError(section().block(4, frame(0), { totalLength: 8 }).bytes(), 0, 'bad-block-length', 48, 'block total length 8 is under the minimum of 12');
    expectError(new PcapngBuilder().shb().idb(1, 0, [], { totalLength: 16 }).bytes(), 0, 'bad-block-length', 28, 'interface description block total length 16 is under the minimum of 20');
  });

  it('block total length that differs from its trailing copy', () => {
    expectError(section(false).epb(0, 0n, frame(60), {}, { trailer: 96 }).bytes(), 0, 'bad-block-length', 48, 'enhanced packet block total length 92 differs from its trailing copy 96');
    // A skipped block's trailer is checked too, also when the block is longer than the read chunk.
    expectError(section().block(0x0a, frame(1000), { trailer: 4 }).epb(0, 0n, frame(60)).bytes(), 0, 'bad-block-length', 48, 'block total length 1012 differs from its trailing copy 4');
  });

  it('block total length that cannot hold the captured bytes, or over the limit', () => {
    expectError(section().epb(0, 0n, frame(60), { captured: 100, original: 200 }).bytes(), 0, 'bad-block-length', 48, 'enhanced packet block total length 92 cannot hold its 100 captured bytes');
    expectError(section().epb(0, 0n, frame(60), {}, { totalLength: 600_000 }).bytes(), 0, 'bad-block-length', 48, 'enhanced packet block total length 600000 is over the limit of 393248');
  });

  it('unknown block type', () => {
    expectError(section().epb(0, 0n, frame(60)).block(0xbae, frame(4)).bytes(), 1, 'unknown-block-type', 140, 'unknown block type 0x00000bae');
    expectError(section().block(0, frame(4)).bytes(), 0, 'unknown-block-type', 48, 'unknown block type 0x00000000');
    // A file passed through an FTP transfer in text mode.
    expectError(section().block(0x0d0d0a00, frame(4)).bytes(), 0, 'unknown-block-type', 48, 'unknown block type 0x0d0d0a00');
  });

  it('packet blocks referring to an interface not yet described', () => {
    expectError(section().epb(1, 0n, frame(60)).bytes(), 0, 'unknown-interface', 48, 'enhanced packet block refers to interface 1, but section 0 describes 1');
    expectError(new PcapngBuilder().shb().epb(0, 0n, frame(60)).bytes(), 0, 'unknown-interface', 28, 'enhanced packet block refers to interface 0, but section 0 describes 0');
    // Interfaces belong to their section: a new section starts with none.
    expectError(section().epb(0, 0n, frame(60)).shb().epb(0, 0n, frame(60)).bytes(), 1, 'unknown-interface', 168, 'enhanced packet block refers to interface 0, but section 1 describes 0');
    expectError(new PcapngBuilder().shb().spb(60, frame(60)).bytes(), 0, 'unknown-interface', 28, 'simple packet block refers to interface 0, but section 0 describes none');
  });

  it('records over 262,144 bytes or the snaplen of the interface, and caplen over the original length', () => {
    expectError(section().epb(0, 0n, frame(8), { captured: 262_148, original: 262_148 }).bytes(), 0, 'record-too-long', 48, 'captured length 262148 is over the maximum of 262144');
    expectError(section(true, 64).epb(0, 0n, frame(64)).epb(0, 0n, frame(68)).bytes(), 1, 'record-too-long', 144, "captured length 68 is over interface 0's snaplen of 64");
    expectError(section().epb(0, 0n, frame(60), { original: 50 }).bytes(), 0, 'caplen-over-origlen', 48, 'captured length 60 is greater than the original length 50');
  });

  it('truncated blocks, and lengths past the end of the file', () => {
    const two = section().epb(0, 0n, frame(60)).epb(0, 0n, frame(60)).bytes(); // EPBs at 48 and 140, 232 bytes
    expectError(two.subarray(0, 200), 1, 'truncated-block', 140, /^offset 140: enhanced packet block of total length 92 runs past the end of the file/);
    expectError(two.subarray(0, 150), 1, 'truncated-block', 140, /^offset 140: enhanced packet block of total length 92 runs past the end of the file/);
    expectError(two.subarray(0, 145), 1, 'truncated-block', 140, 'truncated block header: 5 of 8 bytes');
    expectError(two.subarray(0, 20), 0, 'truncated-block', 0, /^offset 0: section header block of total length 28 runs past the end of the file/);
    // A skipped block claiming 4 GiB in a small file: an error, not a 4 GiB allocation.
    expectError(section().block(0x0a, frame(8), { totalLength: 0xffff_fffc }).bytes(), 0, 'truncated-block', 48, /^offset 48: block of total length 4294967292 runs past the end of the file/);
  });

  it('bad options', () => {
    const b = new PcapngBuilder().shb();
    expectError(b.idb(1, 0, [b.option(9, new Uint8Array([6, 6]))]).bytes(), 0, 'bad-option', 44, 'if_tsresol has length 2, not 1');
    const c = new PcapngBuilder().shb(false);
    const long = c.option(2, frame(8));
    new DataView(long.buffer).setUint16(2, 200, false);
    expectError(c.idb(1, 0, [long]).bytes(), 0, 'bad-option', 44, 'option 2 of length 200 runs past the end of its block');
  });
});
