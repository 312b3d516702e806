import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { captureFromBytes } from '../../../core/pcap/reader.ts';
import { createPcapFile, MemorySink, pcapBytes, PcapWriter, type PcapFrame, type PcapSink } from '../../../core/pcap/writer.ts';

const FORMATS = new URL('../../../fixtures/pcap/formats/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FORMATS)));
const dir = mkdtempSync(join(tmpdir(), 'twinnet-pcap-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Frames tcpdump prints plainly: an Ethernet header with the local experimental EtherType 0x88b5. */
const frameArb = fc.uint8Array({ minLength: 14, maxLength: 1600 }).map((bytes) => {
  bytes[12] = 0x88;
  bytes[13] = 0xb5;
  return bytes;
});

/** Increasing virtual times, as a capture has them. */
const timesArb = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 5_000_000_000 }), { minLength: n, maxLength: n }).map((gaps) => {
    let at = 0;
    return gaps.map((g) => (at += g));
  });

const framesArb = fc
  .array(fc.record({ data: frameArb, extra: fc.nat(100) }), { maxLength: 30 })
  .chain((frames) => timesArb(frames.length).map((times) => frames.map((f, i): PcapFrame => ({ at: times[i]!, data: f.data, originalLength: f.data.length + f.extra }))));

/** Reads back every record of a file held in memory. */
function readAll(bytes: Uint8Array) {
  const opened = captureFromBytes(bytes);
  if (!opened.ok) throw new Error(opened.error.message);
  const records = [...opened.value].map((r) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  });
  return { reader: opened.value, records };
}

describe('PcapWriter', () => {
  it('writes the same file header as tcpdump -w, in microseconds and in nanoseconds', () => {
    expect(pcapBytes([])).toEqual(fixture('ping-usec.pcap').subarray(0, 24));
    expect(pcapBytes([], { resolution: 'nano' })).toEqual(fixture('ping-nsec.pcap').subarray(0, 24));
  });

  it("rewrites tcpdump's own records byte for byte (times rebased to the first second)", () => {
    for (const name of ['ping-usec.pcap', 'ping-nsec.pcap']) {
      const real = fixture(name);
      const { reader, records } = readAll(real);
      const first = records[0]!.seconds;
      const expected = real.slice();
      const v = new DataView(expected.buffer);
      for (const r of records) v.setUint32(r.offset, r.seconds - first, true);
      const written = pcapBytes(
        records.map((r) => ({ at: (r.seconds - first) * 1e9 + r.nanoseconds, data: r.data, originalLength: r.originalLength })),
        { resolution: reader.interfaces[0]!.tsresol === 9 ? 'nano' : 'micro' },
      );
      expect(written).toEqual(expected);
    }
  });

  it('reads back what it wrote: cut to the snaplen, original length kept, time to the resolution', () => {
    fc.assert(
      fc.property(framesArb, fc.constantFrom('micro' as const, 'nano' as const), fc.integer({ min: 1, max: 2000 }), (frames, resolution, snaplen) => {
        const { reader, records } = readAll(pcapBytes(frames, { resolution, snaplen }));
        expect(reader.interfaces).toEqual([{ linkType: 1, snaplen, name: undefined, tsresol: resolution === 'nano' ? 9 : 6, tsoffset: 0 }]);
        expect(records.map((r) => [r.instant, [...r.data], r.originalLength])).toEqual(
          frames.map((f) => [resolution === 'nano' ? f.at : f.at - (f.at % 1000), [...f.data.subarray(0, snaplen)], f.originalLength]),
        );
      }),
    );
  });

  it('streams to its sink in chunks no larger than its buffer, and a file gets the same bytes', () => {
    fc.assert(
      fc.property(framesArb, fc.integer({ min: 1, max: 4000 }), (frames, bufferSize) => {
        const chunks: number[] = [];
        const memory = new MemorySink();
        const counting: PcapSink = {
          write: (chunk) => {
            chunks.push(chunk.length);
            memory.write(chunk);
          },
          close: () => {},
        };
        const writer = new PcapWriter(counting, { bufferSize, snaplen: 2000 });
        for (const f of frames) writer.write(f.at, f.data, f.originalLength);
        writer.close();
        const limit = Math.max(bufferSize, 16 + 2000);
        expect(chunks.every((n) => n <= limit)).toBe(true);
        expect(memory.bytes()).toEqual(pcapBytes(frames, { snaplen: 2000 }));
      }),
      { numRuns: 30 },
    );
    const path = join(dir, 'stream.pcap');
    const frames = Array.from({ length: 3000 }, (_, i): PcapFrame => ({ at: i * 1000, data: new Uint8Array(1514).fill(i & 0xff) }));
    const writer = createPcapFile(path, { bufferSize: 64 * 1024 });
    for (const f of frames) writer.write(f.at, f.data);
    writer.close();
    const flushes: number[] = [];
    const sized = new PcapWriter({ write: (c) => flushes.push(c.length), close: () => {} }, { bufferSize: 64 * 1024, snaplen: 1514 });
    for (const f of frames) sized.write(f.at, f.data);
    sized.close();
    expect(flushes.length).toBeGreaterThan(60);
    expect(Math.max(...flushes)).toBeLessThanOrEqual(64 * 1024);
    // Compared as Buffers: a deep equality over 4.5 MB element by element is needlessly slow.
    expect(readFileSync(path).equals(Buffer.from(pcapBytes(frames)))).toBe(true);
  });

  it('is read by the real tcpdump -r: same times, lengths and bytes', () => {
    fc.assert(
      fc.property(framesArb, fc.constantFrom('micro' as const, 'nano' as const), fc.integer({ min: 14, max: 2000 }), (frames, resolution, snaplen) => {
        const path = join(dir, `tcpdump-${resolution}.pcap`);
        writeFileSync(path, pcapBytes(frames, { resolution, snaplen }));
        const out = execFileSync('tcpdump', ['-r', path, '-tt', '-nn', '-e', '-xx', `--time-stamp-precision=${resolution}`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const printed: { time: string; length: number; hex: string }[] = [];
        for (const line of out.split('\n')) {
          if (line.startsWith('\t0x')) printed[printed.length - 1]!.hex += line.slice(10).replaceAll(' ', '');
          else if (line !== '') {
            const m = /^(\d+\.\d+) .*, length (\d+): $/.exec(line);
            expect(m, line).not.toBeNull();
            printed.push({ time: m![1]!, length: Number(m![2]), hex: '' });
          }
        }
        const digits = resolution === 'nano' ? 9 : 6;
        expect(printed).toEqual(
          frames.map((f) => ({
            time: `${Math.floor(f.at / 1e9)}.${String(Math.floor((f.at % 1e9) / 10 ** (9 - digits))).padStart(digits, '0')}`,
            length: f.originalLength,
            hex: Buffer.from(f.data.subarray(0, snaplen)).toString('hex'),
          })),
        );
      }),
      { numRuns: 25 },
    );
  });

  it('refuses times it cannot represent and writes after close', () => {
    const writer = new PcapWriter(new MemorySink());
    expect(() => writer.write(-1, new Uint8Array(60))).toThrow(/not a whole, non-negative/);
    expect(() => writer.write(1.5, new Uint8Array(60))).toThrow(/not a whole, non-negative/);
    expect(() => writer.write(0, new Uint8Array(60), 59)).toThrow(/original length 59/);
    writer.close();
    expect(() => writer.write(0, new Uint8Array(60))).toThrow(/after close/);
    expect(() => new PcapWriter(new MemorySink(), { snaplen: 262_145 })).toThrow(/snaplen 262145/);
  });
});
