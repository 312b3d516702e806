/**
 * `twinnet diff A.pcap B.pcap` end to end through the real entry point (cli/twinnet.js), on captures recorded on
 * the kernel (fixtures/pcap): one field of one frame changed is reported as exactly that field; reordered, missing
 * and extra frames each as such; a file that is not a capture gives the reader's error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDiffFrames } from '../../../core/diff/capture-file.ts';
import type { DiffFrame } from '../../../core/diff/frame.ts';
import type { FramesReport } from '../../../core/diff/report.ts';
import { pcapBytes } from '../../../core/pcap/writer.ts';
import { refresh, withByte } from './frames.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'twinnet-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function twinnet(...args: string[]) {
  const r = spawnSync('node', [join(ROOT, 'cli/twinnet.js'), 'diff', ...args], { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function frames(name: string): DiffFrame[] {
  const r = readDiffFrames(join(ROOT, 'fixtures/pcap', name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

let files = 0;
function write(list: readonly DiffFrame[]): string {
  const path = join(dir, `${++files}.pcap`);
  writeFileSync(path, pcapBytes(list.map((f) => ({ at: f.at, data: f.data })), { resolution: 'nano' }));
  return path;
}

/** `twinnet diff --json` on the original and a changed copy. */
function jsonDiff(a: readonly DiffFrame[], b: readonly DiffFrame[], ...flags: string[]): { status: number | null; report: FramesReport } {
  const r = twinnet(write(a), write(b), '--json', ...flags);
  return { status: r.status, report: JSON.parse(r.stdout) as FramesReport };
}

/** Every field difference as `frame field`. */
function changed(report: FramesReport): string[] {
  return report.points.flatMap((p) => p.differences.flatMap((d) => d.fields.map((f) => `#${d.a!.index} ${f.field}`)));
}

describe('twinnet diff: one field of one frame', () => {
  const ping = frames('ping.pcap');
  const arp = frames('arp.pcap');
  const tcp = frames('tcp.pcap');
  it('a capture against itself: status 0, all matched', () => {
    const r = twinnet(join(ROOT, 'fixtures/pcap/ping.pcap'), join(ROOT, 'fixtures/pcap/ping.pcap'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`capture capture: ${ping.length} matched, 0 missing, 0 extra, 0 different, 0 reordered`);
  });
  it.each([
    ['ipv4.ttl', 'ping', 3, 14 + 8, 63],
    ['ipv4.tos', 'ping', 2, 14 + 1, 0x10],
    ['icmp.seq', 'ping', 2, 14 + 20 + 7, 9],
    ['arp.operation', 'arp', 0, 14 + 7, 2],
    ['arp.tpa', 'arp', 0, 14 + 27, 9],
    ['arp.sha', 'arp', 1, 14 + 13, 0x09],
    ['tcp.flags', 'tcp', 4, 14 + 20 + 13, 0x18],
    ['tcp.window', 'tcp', 3, 14 + 20 + 15, 0x77],
    ['tcp.options.tsval', 'tcp', 8, 14 + 20 + 24, 0x99],
  ] as const)('%s', (field, name, index, offset, value) => {
    const original = { ping, arp, tcp }[name];
    const { status, report } = jsonDiff(original, withByte(original, index, offset, value));
    expect(status).toBe(1);
    expect(report.counts).toEqual({ matched: original.length - 1, missing: 0, extra: 0, different: 1, reordered: 0 });
    expect(changed(report)).toEqual([`#${index} ${field}`]);
  });
  it('prints the tcpdump line of both sides and the values: `ipv4.ttl 64 ≠ 63`', () => {
    const r = twinnet(write(ping), write(withByte(ping, 3, 14 + 8, 63)));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('different (divergence) A #4 ↔ B #4');
    expect(r.stdout).toContain('A  02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 64, id 26241');
    expect(r.stdout).toContain('B  02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 63, id 26241');
    expect(r.stdout).toContain('    ipv4.ttl 64 ≠ 63\n');
  });
});

describe('twinnet diff: frames reordered, missing, extra', () => {
  const ping = frames('ping.pcap');
  it('reports a frame moved as reordered, with its place on each side', () => {
    const b = [...ping];
    b.splice(5, 0, b.splice(2, 1)[0]!);
    const { status, report } = jsonDiff(ping, b);
    expect(status).toBe(1);
    expect(report.counts).toEqual({ matched: ping.length - 1, missing: 0, extra: 0, different: 0, reordered: 1 });
    const d = report.points[0]!.differences[0]!;
    expect([d.kind, d.a?.index, d.b?.index]).toEqual(['reordered', 2, 5]);
  });
  it('reports a frame left out as missing and one added as extra', () => {
    const { report: missing } = jsonDiff(ping, ping.filter((_, i) => i !== 4));
    expect(missing.counts).toEqual({ matched: ping.length - 1, missing: 1, extra: 0, different: 0, reordered: 0 });
    expect(missing.points[0]!.differences.map((d) => [d.kind, d.a?.index])).toEqual([['missing', 4]]);
    const extraFrame = refresh(withByte(ping, 2, 14 + 20 + 7, 77)[2]!);
    const { report: extra } = jsonDiff(ping, [...ping.slice(0, 3), extraFrame, ...ping.slice(3)]);
    expect(extra.counts).toEqual({ matched: ping.length, missing: 0, extra: 1, different: 0, reordered: 0 });
    expect(extra.points[0]!.differences.map((d) => [d.kind, d.b?.index])).toEqual([['extra', 3]]);
  });
});

describe('twinnet diff: bad input', () => {
  it('a file that is not a capture: the reader\u2019s error, status 2', () => {
    const text = join(dir, 'not.pcap');
    writeFileSync(text, '# engines: sim\nip link\n');
    const r = twinnet(join(ROOT, 'fixtures/pcap/ping.pcap'), text);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`twinnet diff: ${text}: offset 0: not a pcap or pcapng file: magic number 0x2320656e\n`);
    expect(r.stdout).toBe('');
  });
  it('a cut capture: the reader\u2019s offset', () => {
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(join(ROOT, 'fixtures/pcap/ping.pcap')).subarray(0, 100));
    const r = twinnet(cut, join(ROOT, 'fixtures/pcap/ping.pcap'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^twinnet diff: .*cut\.pcap: offset 82: truncated record/);
  });
  it('a missing file, and wrong arguments', () => {
    expect(twinnet(join(dir, 'none.pcap'), join(dir, 'none.pcap')).stderr).toMatch(/none\.pcap: offset 0: cannot open: ENOENT/);
    const r = twinnet('one.pcap');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('twinnet diff: name two capture files\nusage: twinnet diff A.pcap B.pcap [--same-macs] [--tolerance MS] [--json]\n');
  });
});
