import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType } from '../../../core/pcap/format.ts';
import { captureFromBytes, openCapture, readCapture, readCaptureAsync, type CaptureReader } from '../../../core/pcap/reader.ts';
import type { PcapRecord } from '../../../core/pcap/record.ts';
import { pcapBytes, type PcapFrame } from '../../../core/pcap/writer.ts';
import { classicHeader, classicRecord, concat, PcapngBuilder, toBigEndianClassic } from './build.ts';

const FORMATS = new URL('../../../fixtures/pcap/formats/', import.meta.url);
const fixturePath = (name: string): string => new URL(name, FORMATS).pathname;
const dir = mkdtempSync(join(tmpdir(), 'twinnet-pcap-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A record as plain data, for comparing. */
function plain(r: PcapRecord) {
  return { timestamp: r.timestamp, data: Buffer.from(r.data).toString('hex'), originalLength: r.originalLength, interfaceId: r.interfaceId, linkType: r.linkType };
}

/** Every record of a reader; fails the test on an error. */
function all(reader: CaptureReader): PcapRecord[] {
  const records: PcapRecord[] = [];
  for (const r of reader) {
    if (!r.ok) throw new Error(r.error.message);
    records.push(r.value);
  }
  return records;
}

function openOk(path: string, options = {}): CaptureReader {
  const opened = openCapture(path, options);
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}

function fromBytes(bytes: Uint8Array): CaptureReader {
  const opened = captureFromBytes(bytes);
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}

/** The tshark oracle beside a fixture (see fixtures/pcap/formats/make.sh). */
function oracle(name: string) {
  const lines = readFileSync(fixturePath(`${name}.tshark.txt`), 'utf8').trimEnd().split('\n');
  const header = /link-type (\S+) .*snapshot length (\d+)$/.exec(lines[0]!);
  const frames = lines.slice(1).map((line) => {
    const [time, iface, capLen, len, hex] = line.split(' ');
    const [s, ns] = time!.split('.');
    return {
      timestamp: BigInt(s!) * 1_000_000_000n + BigInt(ns!.padEnd(9, '0')),
      interfaceId: iface === '' ? 0 : Number(iface),
      capturedLength: Number(capLen),
      originalLength: Number(len),
      data: hex!,
    };
  });
  return { linkTypeName: header![1]!, snaplen: Number(header![2]), frames };
}

const LINK_TYPE_NUMBER: Record<string, number> = { EN10MB: LinkType.En10mb, LINUX_SLL2: LinkType.LinuxSll2 };

/** pcap-parser's records of a classic microsecond file, read directly. */
function pcapParserRecords(path: string): Promise<{ records: { seconds: number; micro: number; data: string; originalLength: number }[]; errors: string[] }> {
  const parser = createRequire(import.meta.url)('pcap-parser') as { parse(input: string): NodeJS.EventEmitter };
  return new Promise((resolve) => {
    const records: { seconds: number; micro: number; data: string; originalLength: number }[] = [];
    const errors: string[] = [];
    const p = parser.parse(path);
    p.on('packet', (packet: { header: { timestampSeconds: number; timestampMicroseconds: number; originalLength: number }; data: Buffer }) =>
      records.push({ seconds: packet.header.timestampSeconds, micro: packet.header.timestampMicroseconds, data: packet.data.toString('hex'), originalLength: packet.header.originalLength }),
    );
    p.on('error', (e: Error) => errors.push(e.message));
    p.on('end', () => resolve({ records, errors }));
  });
}

describe('reading files written by real tools', () => {
  const files = [
    'ping-usec.pcap',
    'ping-nsec.pcap',
    'ping-any-sll2.pcap',
    'ping-usec-as-nsec.pcap',
    'ping-usec.pcapng',
    'ping-nsec.pcapng',
    'merged.pcapng',
    'two-sections.pcapng',
  ];
  for (const name of files) {
    it(`reads ${name} as tshark does (times, interfaces, lengths, bytes)`, () => {
      const expected = oracle(name);
      const reader = openOk(fixturePath(name));
      expect(reader.format).toBe(name.endsWith('.pcapng') ? 'pcapng' : 'pcap');
      // tcpdump's header line names the first interface's link type and snaplen.
      expect(reader.interfaces[0]!.linkType).toBe(LINK_TYPE_NUMBER[expected.linkTypeName]);
      expect(reader.interfaces[0]!.snaplen).toBe(expected.snaplen);
      const records = all(reader);
      expect(records.length).toBeGreaterThan(0);
      expect(
        records.map((r) => ({ timestamp: r.timestamp, interfaceId: r.interfaceId, capturedLength: r.data.length, originalLength: r.originalLength, data: Buffer.from(r.data).toString('hex') })),
      ).toEqual(expected.frames);
    });
  }

  it("reads merged.pcapng's three interfaces: two Ethernet (microseconds, nanoseconds) and one Linux cooked v2", () => {
    const reader = openOk(fixturePath('merged.pcapng'));
    const records = all(reader);
    expect(reader.interfaces.map((i) => [i.linkType, i.snaplen, i.tsresol])).toEqual([
      [LinkType.En10mb, 262144, 6],
      [LinkType.En10mb, 262144, 9],
      [LinkType.LinuxSll2, 96, 6],
    ]);
    expect(new Set(records.map((r) => `${r.interfaceId}:${r.linkType}`))).toEqual(new Set(['0:1', '1:1', '2:276']));
    // The merged interfaces carry the same frames as the source captures.
    for (const [i, source] of ['ping-usec.pcap', 'ping-nsec.pcap', 'ping-any-sll2.pcap'].entries()) {
      expect(records.filter((r) => r.interfaceId === i).map(plain)).toEqual(all(openOk(fixturePath(source))).map((r) => ({ ...plain(r), interfaceId: i })));
    }
  });

  it('reads the second section of two-sections.pcapng with its own interface (nanoseconds)', () => {
    const reader = openOk(fixturePath('two-sections.pcapng'));
    const records = all(reader);
    expect(reader.interfaces.map((i) => i.tsresol)).toEqual([9]);
    const half = records.length / 2;
    expect(records.slice(0, half).map(plain)).toEqual(all(openOk(fixturePath('ping-usec.pcap'))).map(plain));
    expect(records.slice(half).map(plain)).toEqual(all(openOk(fixturePath('ping-nsec.pcap'))).map(plain));
  });

  it('gives the same records as pcap-parser on classic microsecond files', async () => {
    const frames = Array.from({ length: 40 }, (_, i): PcapFrame => ({ at: i * 1_234_567_891, data: new Uint8Array(60 + i * 37).fill(i), originalLength: 60 + i * 40 }));
    const written = join(dir, 'parser.pcap');
    writeFileSync(written, pcapBytes(frames, { snaplen: 1000 }));
    const bigEndian = join(dir, 'parser-be.pcap');
    writeFileSync(bigEndian, toBigEndianClassic(pcapBytes(frames, { snaplen: 1000 })));
    for (const path of [fixturePath('ping-usec.pcap'), fixturePath('ping-any-sll2.pcap'), written, bigEndian]) {
      const theirs = await pcapParserRecords(path);
      expect(theirs.errors).toEqual([]);
      const ours = all(openOk(path)).map((r) => ({ seconds: r.seconds, micro: r.nanoseconds / 1000, data: Buffer.from(r.data).toString('hex'), originalLength: r.originalLength }));
      expect(ours).toEqual(theirs.records);
    }
  });
});

describe('streaming', () => {
  it('yields the same records whatever the chunk size, and earlier views stay valid', () => {
    const pcapng = readFileSync(fixturePath('merged.pcapng'));
    const classic = readFileSync(fixturePath('ping-nsec.pcap'));
    const expectedNg = all(fromBytes(pcapng)).map(plain);
    const expectedClassic = all(fromBytes(classic)).map(plain);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.boolean(), (chunkSize, copy) => {
        // Collected first and compared after: a view overwritten by a later read would show here.
        expect(all(openOk(fixturePath('merged.pcapng'), { chunkSize, copy })).map(plain)).toEqual(expectedNg);
        expect(all(openOk(fixturePath('ping-nsec.pcap'), { chunkSize, copy })).map(plain)).toEqual(expectedClassic);
      }),
      { numRuns: 40 },
    );
  });

  it('gives views into its buffer by default and copies when asked', () => {
    const view = all(openOk(fixturePath('ping-usec.pcap')))[0]!.data;
    const copied = all(openOk(fixturePath('ping-usec.pcap'), { copy: true }))[0]!.data;
    expect(view.byteLength).toBeLessThan(view.buffer.byteLength);
    expect(copied.buffer.byteLength).toBe(copied.byteLength);
    expect(copied).toEqual(view);
  });

  it('reads with read() as with iteration', () => {
    const reader = openOk(fixturePath('two-sections.pcapng'));
    const records: PcapRecord[] = [];
    for (let r = reader.read(); r !== undefined; r = reader.read()) records.push(r);
    expect(reader.error).toBeUndefined();
    expect(records.map(plain)).toEqual(all(openOk(fixturePath('two-sections.pcapng'))).map(plain));
  });

  it('reads from a pipe, whose length it cannot know, as from a file', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const name of ['merged.pcapng', 'ping-nsec.pcap']) {
      const writer = spawn('sh', ['-c', `cat "$0" > "$1"`, fixturePath(name), fifo], { stdio: 'ignore' });
      const records = all(openOk(fifo, { chunkSize: 64 }));
      writer.kill();
      expect(records.map(plain)).toEqual(all(openOk(fixturePath(name))).map(plain));
    }
  });

  it('reads asynchronously the same records as synchronously', async () => {
    for (const name of ['merged.pcapng', 'ping-usec.pcap']) {
      const records: PcapRecord[] = [];
      for await (const r of readCaptureAsync(fixturePath(name), { chunkSize: 100 })) {
        if (!r.ok) throw new Error(r.error.message);
        records.push(r.value);
      }
      expect(records.map(plain)).toEqual(all(openOk(fixturePath(name))).map(plain));
    }
  });

  it('readCapture (the CLI hook) yields records, then an error as its last item', () => {
    const results = [...readCapture(fixturePath('ping-usec.pcapng'))];
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results).toHaveLength(10);
    const missing = [...readCapture(join(dir, 'no-such.pcap'))];
    expect(missing).toHaveLength(1);
    expect(missing[0]!.ok).toBe(false);
    if (!missing[0]!.ok) {
      expect(missing[0]!.error.kind).toBe('io');
      expect(missing[0]!.error.message).toMatch(/^offset 0: cannot open: ENOENT/);
    }
  });
});

describe('pcapng built field by field', () => {
  const frame = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

  it('reads big-endian sections as little-endian ones, and mixed byte orders across sections', () => {
    const build = (le1: boolean, le2: boolean): Uint8Array => {
      const b = new PcapngBuilder()
        .shb(le1)
        .idb(1, 0, [])
        .epb(0, 1_700_000_000_123_456n, frame(60, 1))
        .epb(0, 1_700_000_001_000_000n, frame(61, 2), { original: 1000 })
        .shb(le2);
      return b.idb(276, 128, [b.option(9, new Uint8Array([9]))]).epb(0, 1_700_000_002_000_000_001n, frame(62, 3)).bytes();
    };
    const expected = [
      { timestamp: 1_700_000_000_123_456_000n, data: '01'.repeat(60), originalLength: 60, interfaceId: 0, linkType: 1 },
      { timestamp: 1_700_000_001_000_000_000n, data: '02'.repeat(61), originalLength: 1000, interfaceId: 0, linkType: 1 },
      { timestamp: 1_700_000_002_000_000_001n, data: '03'.repeat(62), originalLength: 62, interfaceId: 0, linkType: 276 },
    ];
    for (const [le1, le2] of [
      [true, true],
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const reader = fromBytes(build(le1, le2));
      expect(reader.littleEndian).toBe(le1);
      expect(all(reader).map(plain)).toEqual(expected);
      expect(reader.littleEndian).toBe(le2);
    }
  });

  it('applies if_tsresol (powers of ten and of two) and if_tsoffset', () => {
    for (const le of [true, false]) {
      const b = new PcapngBuilder().shb(le);
      b.idb(1, 0, [b.option(9, new Uint8Array([0x80 | 20])), b.tsoffset(-100n)]) // 2^-20 s, 100 s earlier
        .idb(1, 0, [b.option(9, new Uint8Array([12])), b.tsoffset(1_000_000_000n)]) // picoseconds
        .idb(1, 0, [b.option(2, new TextEncoder().encode('veth0')), b.option(9, new Uint8Array([3]))]) // milliseconds
        .epb(0, (1_700_000_000n << 20n) + (1n << 19n), frame(60, 0)) // x.5 s
        .epb(1, 10_000_123_456_789_999n, frame(60, 1))
        .epb(2, 1_700_000_000_999n, frame(60, 2));
      const reader = fromBytes(b.bytes());
      expect(all(reader).map((r) => r.timestamp)).toEqual([1_699_999_900_500_000_000n, 1_000_010_000_123_456_789n, 1_700_000_000_999_000_000n]);
      expect(reader.interfaces.map((i) => [i.name, i.tsresol, i.tsoffset])).toEqual([
        [undefined, 0x80 | 20, -100],
        [undefined, 12, 1_000_000_000],
        ['veth0', 3, 0],
      ]);
    }
  });

  it('skips the block types it does not read, however long, and reads Simple and obsolete Packet Blocks', () => {
    const b = new PcapngBuilder().shb(false).idb(1, 64);
    b.block(4, frame(40, 0)) // Name Resolution
      .block(5, frame(20, 0)) // Interface Statistics
      .epb(0, 5n, frame(60, 1))
      .block(0x0a, frame(3000, 0)) // Decryption Secrets
      .block(0x0bad, frame(8, 0)) // Custom
      .block(0x4000_0bad, frame(8, 0))
      .block(0x8000_1234, frame(100, 0)) // local use
      .spb(100, frame(64, 2))
      .pb(0, 7n, frame(30, 3));
    const bytes = b.bytes();
    const expected = [
      { timestamp: 5000n, data: '01'.repeat(60), originalLength: 60, interfaceId: 0, linkType: 1 },
      { timestamp: 0n, data: '02'.repeat(64), originalLength: 100, interfaceId: 0, linkType: 1 },
      { timestamp: 7000n, data: '03'.repeat(30), originalLength: 30, interfaceId: 0, linkType: 1 },
    ];
    expect(all(fromBytes(bytes)).map(plain)).toEqual(expected);
    const path = join(dir, 'skips.pcapng');
    writeFileSync(path, bytes);
    for (const chunkSize of [64, 100, 1000]) expect(all(openOk(path, { chunkSize })).map(plain)).toEqual(expected);
  });
});

describe('classic files built field by field', () => {
  it('reads big-endian microsecond and nanosecond files', () => {
    for (const magic of [0xa1b2c3d4, 0xa1b23c4d]) {
      const nano = magic === 0xa1b23c4d;
      const bytes = concat([classicHeader({ le: false, magic, snaplen: 100, linkType: 101 }), classicRecord(10, nano ? 999_999_999 : 999_999, new Uint8Array(20).fill(7), { le: false, original: 40 })]);
      const reader = fromBytes(bytes);
      expect(reader.littleEndian).toBe(false);
      expect(reader.interfaces[0]).toEqual({ linkType: 101, snaplen: 100, name: undefined, tsresol: nano ? 9 : 6, tsoffset: 0 });
      expect(all(reader).map(plain)).toEqual([{ timestamp: nano ? 10_999_999_999n : 10_999_999_000n, data: '07'.repeat(20), originalLength: 40, interfaceId: 0, linkType: 101 }]);
    }
  });

  it('keeps the link type without the FCS bits above it', () => {
    const reader = fromBytes(classicHeader({ linkType: 0x1400_0001 }));
    expect(reader.interfaces[0]!.linkType).toBe(1);
  });
});
