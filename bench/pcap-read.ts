/**
 * Reading speed and memory of twinnet's pcap reader (issue 2): `npx tsx bench/pcap-read.ts [frames]`.
 *
 * Writes a capture of `frames` frames (default 1,000,000) with twinnet's writer into a temporary folder, then
 * reads it with twinnet's reader (both its forms), with pcap-parser directly and with `tcpdump -r FILE -w
 * /dev/null`, and prints frames/s side by side with the ratios; then the resident memory growth between
 * 100,000 frames read and all of them. Prints numbers only: nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openCapture } from '../core/pcap/reader.ts';
import { createPcapFile } from '../core/pcap/writer.ts';
import { Random } from '../core/random.ts';

const frames = Number(process.argv[2] ?? 1_000_000);
const MEMORY_FIRST = Math.min(100_000, frames);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Frame templates like a ping and a TCP transfer: ARP, echo request/reply, ACKs, MSS-sized data, and odd sizes. */
function templates(random: Random): Uint8Array[] {
  const sizes = [42, 60, 98, 98, 66, 66, 66, 74, 1514, 1514, 1514, 1514, 590, 1078];
  for (let i = 0; i < 18; i++) sizes.push(random.between(60, 1514));
  return sizes.map((size) => {
    const frame = new Uint8Array(size);
    for (let i = 0; i < size; i++) frame[i] = random.below(256);
    frame[12] = 0x08;
    frame[13] = 0x00;
    return frame;
  });
}

function rate(count: number, ms: number): number {
  return (count / ms) * 1000;
}

function time<T>(run: () => T): [T, number] {
  const start = performance.now();
  const value = run();
  return [value, performance.now() - start];
}

function rssMb(): number {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}

const dir = mkdtempSync(join(tmpdir(), 'twinnet-bench-'));
const file = join(dir, 'bench.pcap');
try {
  const random = new Random(2);
  const pool = templates(random);
  const [, writeMs] = time(() => {
    const writer = createPcapFile(file);
    let at = 0;
    for (let i = 0; i < frames; i++) {
      at += 1 + random.below(200_000);
      writer.write(at, pool[random.below(pool.length)]!);
    }
    writer.close();
  });
  const bytes = statSync(file).size;
  console.log(`file: ${frames} frames, ${(bytes / 2 ** 20).toFixed(1)} MiB, written by twinnet at ${(rate(frames, writeMs) / 1e6).toFixed(2)} M frames/s`);

  // Memory first, in a fresh heap: RSS after 100,000 frames and after all of them, with gc before each sample.
  {
    const opened = openCapture(file);
    if (!opened.ok) throw new Error(opened.error.message);
    const reader = opened.value;
    let n = 0;
    while (n < MEMORY_FIRST && reader.read() !== undefined) n++;
    const afterFirst = rssMb();
    while (reader.read() !== undefined) n++;
    const afterAll = rssMb();
    console.log(
      `memory: rss ${afterFirst.toFixed(1)} MiB after ${MEMORY_FIRST} frames, ${afterAll.toFixed(1)} MiB after ${n}: growth ${(afterAll - afterFirst).toFixed(1)} MiB`,
    );
  }

  const twinnetRead = (): number => {
    const opened = openCapture(file);
    if (!opened.ok) throw new Error(opened.error.message);
    const reader = opened.value;
    let n = 0;
    let sum = 0;
    for (let r = reader.read(); r !== undefined; r = reader.read()) {
      n++;
      sum += r.data.length;
    }
    if (reader.error) throw new Error(reader.error.message);
    return n + (sum < 0 ? 1 : 0);
  };
  const twinnetIterate = (): number => {
    const opened = openCapture(file);
    if (!opened.ok) throw new Error(opened.error.message);
    let n = 0;
    for (const r of opened.value) {
      if (!r.ok) throw new Error(r.error.message);
      n++;
    }
    return n;
  };
  const pcapParser = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const parser = createRequire(import.meta.url)('pcap-parser') as {
        parse(path: string): { on(event: string, f: (x: unknown) => void): void };
      };
      let n = 0;
      const p = parser.parse(file);
      p.on('packet', () => n++);
      p.on('error', reject);
      p.on('end', () => resolve(n));
    });
  const tcpdump = (): number => {
    const r = spawnSync('tcpdump', ['-r', file, '-w', '/dev/null'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tcpdump failed: ${r.stderr}`);
    return frames;
  };

  // Best of three runs each, after one warm-up read that also brings the file into the page cache.
  twinnetRead();
  const best = async (name: string, run: () => number | Promise<number>): Promise<number> => {
    let fastest = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const n = await run();
      const ms = performance.now() - start;
      if (n !== frames) throw new Error(`${name} read ${n} frames, not ${frames}`);
      fastest = Math.min(fastest, ms);
    }
    return rate(frames, fastest);
  };
  const results: [string, number][] = [
    ['twinnet read()', await best('twinnet read()', twinnetRead)],
    ['twinnet for-of Results', await best('twinnet iterate', twinnetIterate)],
    ['pcap-parser', await best('pcap-parser', pcapParser)],
    ['tcpdump -r -w /dev/null', await best('tcpdump', tcpdump)],
  ];
  const parserRate = results[2]![1];
  console.log('reader                      frames/s      x pcap-parser');
  for (const [name, r] of results) {
    console.log(`${name.padEnd(26)} ${(r / 1e6).toFixed(2).padStart(7)} M   ${(r / parserRate).toFixed(2).padStart(8)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
