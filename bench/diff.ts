/**
 * Speed of the capture diff (issue 5, target ≥ 500,000 frames/s): `npx tsx bench/diff.ts [frames]`.
 *
 * Writes two captures of `frames` frames each (default 1,000,000) into a temporary folder: the same synthetic
 * conversation (ARP, pings, UDP, TCP with timestamps, IGMP reports; test/core/diff/traffic.ts) with different
 * random values (MACs, IP IDs, ping identifiers and timevals, ports, sequence numbers), as a kernel run and a
 * simulator run of one scenario differ; then one frame in 10,000 of B changed, dropped or moved. A fresh process
 * (so that the garbage of making the captures does not count) times reading both files, then the diff itself,
 * and prints frames/s counting the frames of both captures, in wall and CPU time. Prints numbers only: nothing
 * here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffCaptures } from '../core/diff/capture-diff.ts';
import { readFrameTable } from '../core/diff/capture-file.ts';
import type { DiffFrame } from '../core/diff/frame.ts';
import { formatCounts } from '../core/diff/report.ts';
import { createPcapFile } from '../core/pcap/writer.ts';
import { traffic } from '../test/core/diff/traffic.ts';

const frames = Number(process.argv[2] ?? 1_000_000);

/** About `n` frames of the conversation with `valueSeed`'s values. */
function capture(valueSeed: number): DiffFrame[] {
  const out = traffic({ events: Math.ceil(frames / 3.7), structureSeed: 11, valueSeed });
  return out.slice(0, frames);
}

function write(path: string, list: readonly DiffFrame[]): void {
  const w = createPcapFile(path, { resolution: 'nano' });
  for (const f of list) w.write(f.at, f.data);
  w.close();
}

/** Times reading and diffing two capture files (the child process). */
function measure(pathA: string, pathB: string): void {
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = cpu();
  const ra = readFrameTable(pathA);
  const rb = readFrameTable(pathB);
  if (!ra.ok || !rb.ok) throw new Error('cannot read the bench captures');
  const t1 = performance.now();
  const c1 = cpu();
  const report = diffCaptures(ra.value, rb.value, { maxListed: 100 });
  const t2 = performance.now();
  const c2 = cpu();

  const total = ra.value.length + rb.value.length;
  const rate = (ms: number): string => `${Math.round((total / ms) * 1000).toLocaleString('en-US')} frames/s`;
  console.log(`frames: ${ra.value.length.toLocaleString('en-US')} + ${rb.value.length.toLocaleString('en-US')}`);
  console.log(`result: ${formatCounts(report.counts)}; ${report.divergences} divergences`);
  // CPU time (user + system) beside wall time: on a shared machine the wall time includes waiting for a CPU.
  console.log(`read both files: ${(t1 - t0).toFixed(0)} ms wall, ${rate(t1 - t0)}; ${(c1 - c0).toFixed(0)} ms CPU, ${rate(c1 - c0)}`);
  console.log(`diff:            ${(t2 - t1).toFixed(0)} ms wall, ${rate(t2 - t1)}; ${(c2 - c1).toFixed(0)} ms CPU, ${rate(c2 - c1)}`);
  console.log(`read + diff:     ${(t2 - t0).toFixed(0)} ms wall, ${rate(t2 - t0)}; ${(c2 - c0).toFixed(0)} ms CPU, ${rate(c2 - c0)}`);
}

if (process.argv[2] === '--measure') {
  measure(process.argv[3]!, process.argv[4]!);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'twinnet-bench-diff-'));
  try {
    const pathA = join(dir, 'a.pcap');
    const pathB = join(dir, 'b.pcap');
    write(pathA, capture(1));
    const b = capture(2);
    // One frame in 10,000 damaged (a TTL changed), dropped, or moved ahead by three places.
    for (let i = 5000; i + 4 < b.length; i += 10_000) {
      const kind = (i / 10_000) % 3 | 0;
      if (kind === 0) {
        const data = b[i]!.data.slice();
        data[22] = (data[22]! + 1) & 0xff;
        b[i] = { at: b[i]!.at, data };
      } else if (kind === 1) b.splice(i, 1);
      else b.splice(i + 3, 0, b.splice(i, 1)[0]!);
    }
    write(pathB, b);
    b.length = 0;
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--measure', pathA, pathB], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
