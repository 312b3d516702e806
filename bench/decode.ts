/**
 * Printing speed of twinnet's tcpdump decoder (issue 2): `npx tsx bench/decode.ts [frames] [flags…]`.
 *
 * Writes a capture of `frames` frames (default 200,000: ARP, pings, TCP, UDP, ICMP errors, IGMP, VLAN, odd frames,
 * from the random-frame generator of the decoder's tests) into a temporary folder, then prints it with twinnet
 * (`createPrinter` over `openCapture`, output discarded) and with `tcpdump -r FILE FLAGS > /dev/null`, and prints
 * frames/s side by side. Flags default to -nn. Prints numbers only: nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseTcpdumpArgs } from '../core/decode/flags.ts';
import { createPrinter } from '../core/decode/printer.ts';
import { openCapture } from '../core/pcap/reader.ts';
import { createPcapFile } from '../core/pcap/writer.ts';
import { damagedFrame } from '../test/core/decode/frames.ts';

const frames = Number(process.argv[2] ?? 200_000);
const flags = process.argv.length > 3 ? process.argv.slice(3) : ['-nn'];
const dir = mkdtempSync(join(tmpdir(), 'twinnet-bench-decode-'));
const path = join(dir, 'bench.pcap');

try {
  const templates = fc.sample(damagedFrame, { seed: 7, numRuns: 5000 });
  const writer = createPcapFile(path);
  for (let i = 0; i < frames; i++) {
    const t = templates[i % templates.length]!;
    writer.write(1_000_000_000_000_000 + i * 1_000_123, t.data, t.originalLength);
  }
  writer.close();

  const parsed = parseTcpdumpArgs(flags);
  if (!parsed.ok) throw new Error(parsed.error);
  const started = performance.now();
  const opened = openCapture(path);
  if (!opened.ok) throw new Error(opened.error.message);
  const printer = createPrinter(parsed.value.flags, { timeZone: 'UTC' });
  let chars = 0;
  let count = 0;
  for (let r = opened.value.read(); r !== undefined; r = opened.value.read()) {
    chars += printer.print(r).length + 1;
    count++;
  }
  const ours = performance.now() - started;

  const t0 = performance.now();
  const run = spawnSync('sh', ['-c', `tcpdump -r "${path}" ${flags.join(' ')} > /dev/null 2>&1`], { env: { ...process.env, TZ: 'UTC' } });
  const theirs = performance.now() - t0;

  const rate = (ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en-US')} frames/s`;
  console.log(`frames: ${count.toLocaleString('en-US')}, flags: ${flags.join(' ')}, output: ${(chars / 1e6).toFixed(1)} MB`);
  console.log(`twinnet decode: ${ours.toFixed(0)} ms, ${rate(ours)}`);
  console.log(run.status === 0 ? `tcpdump -r:     ${theirs.toFixed(0)} ms, ${rate(theirs)} (ratio ${(ours / theirs).toFixed(2)})` : 'tcpdump -r:     not available');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
