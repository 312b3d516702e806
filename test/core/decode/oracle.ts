import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTcpdumpArgs } from '../../../core/decode/flags.ts';
import { createPrinter, type DecodableFrame, type PrinterOptions } from '../../../core/decode/printer.ts';
import { captureFromBytes } from '../../../core/pcap/reader.ts';
import { pcapBytes } from '../../../core/pcap/writer.ts';
import type { TestFrame } from './frames.ts';

/** Whether the real tcpdump can be run here (the oracle of the live tests). */
export function tcpdumpAvailable(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A capture file of `frames`, one second and a few microseconds apart from a fixed epoch time. */
export function captureOf(frames: readonly TestFrame[], linkType = 1): Uint8Array {
  const base = 1_000_000_123_456_789; // 1970-01-12: twinnet's writer takes times below 2^53 ns
  return pcapBytes(
    frames.map((f, i) => ({ at: base + i * 1_000_123_000, data: f.data, originalLength: f.originalLength })),
    { linkType },
  );
}

/** tcpdump's stdout for `-r FILE FLAGS` in the time zone `tz` (default UTC), as lines. */
export function tcpdumpLines(file: Uint8Array, args: readonly string[], tz = 'UTC'): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'twinnet-decode-'));
  try {
    const path = join(dir, 'in.pcap');
    writeFileSync(path, file);
    const r = spawnSync('tcpdump', ['-r', path, ...args], { env: { ...process.env, TZ: tz }, encoding: 'latin1', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`tcpdump failed: ${r.stderr}`);
    return splitLines(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** twinnet's rendering of the same file and flags, in the time zone `tz` (default UTC), as lines. */
export function decodeLines(file: Uint8Array, args: readonly string[], tz = 'UTC', options: PrinterOptions = {}): string[] {
  const parsed = parseTcpdumpArgs(args);
  if (!parsed.ok) throw new Error(parsed.error);
  const printer = createPrinter(parsed.value.flags, { timeZone: tz, ...options });
  const opened = captureFromBytes(file);
  if (!opened.ok) throw new Error(opened.error.message);
  const out: string[] = [];
  for (const r of opened.value) {
    if (!r.ok) throw new Error(r.error.message);
    out.push(printer.print(r.value as DecodableFrame));
  }
  return splitLines(out.join('\n') + '\n');
}

/** The first differing line of two renderings, with its neighbours, or undefined when they agree. */
export function firstDifference(ours: readonly string[], theirs: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] !== theirs[i]) return `line ${i + 1}:\n  twinnet: ${JSON.stringify(ours[i])}\n  tcpdump: ${JSON.stringify(theirs[i])}`;
  }
  return undefined;
}
