import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partialChecksum } from '../../core/checksum.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import type { RunResult } from '../../sim/runner.ts';
import { fixturePath, maskSaveDates, readRecording, runFixture, streams, type Recorded } from './netfilter-support.ts';
import { printFrames, printPcap, normaliseFrameLine } from './netfilter-frames.ts';

/**
 * Traffic through netfilter, line for line against the kernel (fixtures/netfilter/NAME.out and the captures
 * NAME.DEV.pcap, recorded by fixtures/netfilter/record.sh): REJECT with each --reject-with, a FORWARD policy DROP
 * with ESTABLISHED,RELATED, port forwarding with DNAT, double MASQUERADE with an ICMP id clash. What varies
 * between runs is masked, and only that: ping times, ephemeral ports, ping and remapped identifiers, IP IDs,
 * TCP sequence numbers and timestamps, conntrack's seconds left (compared within one second) and its listing
 * order (the kernel's hash order). What a background program printed is in the kernel's `@@@@ & LINE` blocks and,
 * in the simulator, in whichever command was running then: each such line must show up once.
 */

/** Lines a background tcpdump prints (its banner, its counts at exit). */
const TCPDUMP_NOISE = /^(tcpdump: listening on |\d+ packets? (captured|received by filter|dropped by kernel)$)/;

function loose(text: string, keepIds: boolean): string {
  let t = text
    .replace(/time[=< ]?[0-9.]+ ?ms/g, 'time=T')
    .replace(/^rtt .*$/gm, 'rtt')
    .replace(/\b(sport|dport)=(\d+)/g, (m, k: string, p: string) => (Number(p) >= 32768 ? `${k}=EPH` : m));
  if (!keepIds) t = t.replace(/\bid=\d+/g, 'id=N');
  return t;
}

/** conntrack -L lines: seconds left masked, in a fixed order. */
function conntrackLines(text: string, keepIds: boolean): { lines: string[]; timeouts: Map<string, number[]> } {
  const timeouts = new Map<string, number[]>();
  const lines = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+ +\d+) (\d+) (.*)$/.exec(l);
      if (!m) return loose(l, keepIds);
      const key = loose(`${m[1]} T ${m[3]}`, keepIds);
      timeouts.set(key, [...(timeouts.get(key) ?? []), Number(m[2])]);
      return key;
    })
    .sort();
  return { lines, timeouts };
}

function runOnce(name: string): { result: RunResult; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `tw-nf-${name}-`));
  return { result: runFixture(name, { pcapDir: dir }), dir };
}

/** Compares every command of a fixture with the kernel's recording (see the file comment). */
function compareWithKernel(name: string, options: { keepIds?: boolean } = {}): { result: RunResult; dir: string } {
  const keepIds = options.keepIds ?? false;
  const recorded = readRecording(name);
  const background = recorded.filter((r) => r.command.startsWith('& '));
  const foreground = recorded.filter((r) => !r.command.startsWith('& '));
  const pool = background.flatMap((b) => b.stdout.split('\n').filter((l) => l !== ''));
  const run = runOnce(name);
  afterAll(() => rmSync(run.dir, { recursive: true, force: true }));
  const entries = run.result.transcript.filter((e) => !e.preamble);

  it('runs every recorded line', () => {
    expect(entries.map((e) => e.command)).toEqual(foreground.map((r) => r.command));
  });

  const simulated = entries.map((e) => streams(e));
  // Background output: take each line the kernel's background programs printed out of the command it ran under.
  const pending = [...pool];
  const withoutBackground = simulated.map((s): Recorded => {
    const kept: string[] = [];
    for (const line of s.stdout.split('\n').slice(0, -1)) {
      const at = pending.indexOf(line);
      if (at >= 0) pending.splice(at, 1);
      else kept.push(line);
    }
    const stderr = s.stderr.split('\n').filter((l) => l !== '' && !TCPDUMP_NOISE.test(l));
    return { ...s, stdout: kept.map((l) => `${l}\n`).join(''), stderr: stderr.map((l) => `${l}\n`).join('') };
  });

  it('prints what the kernel’s background programs printed', () => {
    expect(pending).toEqual([]);
  });

  for (const [i, r] of foreground.entries()) {
    it(`${i + 1}: ${r.command}`, () => {
      const got = withoutBackground[i]!;
      expect(got.status, 'exit status').toBe(r.status);
      expect(loose(got.stderr, keepIds), 'stderr').toBe(loose(r.stderr, keepIds));
      if (/^(ip netns exec \S+ )?conntrack -L/.test(r.command)) {
        const a = conntrackLines(got.stdout, keepIds);
        const b = conntrackLines(r.stdout, keepIds);
        expect(a.lines).toEqual(b.lines);
        for (const [key, kernel] of b.timeouts) {
          const sim = a.timeouts.get(key) ?? [];
          expect(sim.length).toBe(kernel.length);
          sim.sort().forEach((t, j) => expect(Math.abs(t - kernel.sort()[j]!), `${key}: ${t} s left, kernel ${kernel[j]}`).toBeLessThanOrEqual(1));
        }
      } else {
        expect(loose(maskSaveDates(got.stdout), keepIds)).toBe(loose(maskSaveDates(r.stdout), keepIds));
      }
    });
  }
  return run;
}

/** The frames of a capture, IPv4 only (ARP timing follows the neighbour timers, not netfilter), normalised. */
function ipFrames(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (/ethertype ARP /.test(l)) continue;
    if (l.startsWith(' ') || l.startsWith('\t')) {
      if (out.length > 0) out[out.length - 1] += `\n${normaliseFrameLine(l)}`;
      continue;
    }
    out.push(normaliseFrameLine(l));
  }
  return out;
}

function captureLines(run: { result: RunResult }, device: string): string[] {
  return ipFrames(printFrames(run.result.captures.get(device) ?? []));
}

/** The SYN to port 80 and the reset answering it, from a capture's frames. */
function synAndReset(frames: readonly Uint8Array[]): { syn: Uint8Array; rst: Uint8Array } {
  const tcp = frames.filter((f) => f.length >= 54 && f[12] === 0x08 && f[13] === 0x00 && f[23] === 6);
  const syn = tcp.find((f) => f[14 + 20 + 13] === 0x02 && ((f[36]! << 8) | f[37]!) === 80);
  const rst = tcp.find((f) => (f[14 + 20 + 13]! & 0x04) !== 0);
  if (!syn || !rst) throw new Error('no SYN and RST in the capture');
  return { syn: syn.subarray(14), rst: rst.subarray(14) };
}

/** nf_send_reset()'s reset for a SYN: IP ID 0, DF, TTL 64, no TOS, ports swapped, seq 0, ack = seq + 1, RST|ACK, window 0, partial checksum. */
function expectResetFor(syn: Uint8Array, rst: Uint8Array): void {
  const u16 = (d: Uint8Array, at: number): number => (d[at]! << 8) | d[at + 1]!;
  const u32 = (d: Uint8Array, at: number): number => ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
  expect(rst.length).toBe(40);
  expect({ tos: rst[1], id: u16(rst, 4), flags: rst[6]! >> 5, ttl: rst[8] }).toEqual({ tos: 0, id: 0, flags: 2, ttl: 64 });
  expect([...rst.subarray(12, 16)]).toEqual([...syn.subarray(16, 20)]);
  expect([...rst.subarray(16, 20)]).toEqual([...syn.subarray(12, 16)]);
  expect({ sport: u16(rst, 20), dport: u16(rst, 22) }).toEqual({ sport: u16(syn, 22), dport: u16(syn, 20) });
  expect({ seq: u32(rst, 24), ack: u32(rst, 28), offset: rst[32], flags: rst[33], window: u16(rst, 34), urgent: u16(rst, 38) }).toEqual({ seq: 0, ack: (u32(syn, 24) + 1) >>> 0, offset: 0x50, flags: 0x14, window: 0, urgent: 0 });
  expect(u16(rst, 36)).toBe(partialChecksum(u32(rst, 12), u32(rst, 16), 6, 20));
}

describe('fixtures/netfilter/reject.sh', () => {
  const run = compareWithKernel('reject');
  it('the capture on s0 shows the same errors and reset as the kernel’s', () => {
    expect(captureLines(run, 's0')).toEqual(ipFrames(printPcap(fixturePath('reject.s0.pcap'))));
  });
  it('the reset is built as nf_send_reset() builds it, in the kernel’s capture and in the simulator’s', () => {
    const kernel = [...readCapture(fixturePath('reject.s0.pcap'))].flatMap((r) => (r.ok ? [r.value.data] : []));
    const k = synAndReset(kernel);
    expectResetFor(k.syn, k.rst);
    const s = synAndReset((run.result.captures.get('s0') ?? []).map((f) => f.data));
    expectResetFor(s.syn, s.rst);
  });
  it('each ICMP error has the code of its --reject-with, in order, as the kernel’s', () => {
    const codes = (frames: readonly Uint8Array[]): number[] => frames.filter((f) => f[12] === 0x08 && f[23] === 1 && f[34] === 3).map((f) => f[35]!);
    const kernel = codes([...readCapture(fixturePath('reject.s0.pcap'))].flatMap((r) => (r.ok ? [r.value.data] : [])));
    expect(kernel).toEqual([3, 0, 1, 2, 9, 10, 13, 3]);
    expect(codes((run.result.captures.get('s0') ?? []).map((f) => f.data))).toEqual(kernel);
  });
});

describe('fixtures/netfilter/forward.sh', () => {
  const run = compareWithKernel('forward');
  it('the capture on b0 shows the same packets as the kernel’s', () => {
    expect(captureLines(run, 'b0')).toEqual(ipFrames(printPcap(fixturePath('forward.b0.pcap'))));
  });
});

describe('fixtures/netfilter/dnat.sh', () => {
  const run = compareWithKernel('dnat');
  it('the capture on w0 shows the rewritten destinations as the kernel’s', () => {
    expect(captureLines(run, 'w0')).toEqual(ipFrames(printPcap(fixturePath('dnat.w0.pcap'))));
  });
});

describe('fixtures/netfilter/masquerade-twice.sh', () => {
  const run = compareWithKernel('masquerade-twice');
  it('the capture on s0 shows both hosts as 198.51.100.1, as the kernel’s', () => {
    expect(captureLines(run, 's0')).toEqual(ipFrames(printPcap(fixturePath('masquerade-twice.s0.pcap'))));
  });
  it('r1 keeps h1’s ICMP id 7 and gives h2 another one, which r2 then keeps', () => {
    const out = (command: string): string => streams(run.result.transcript.find((e) => e.command === command)!).stdout;
    const r1 = out('ip netns exec r1 conntrack -L -p icmp');
    const h1 = /src=10\.0\.1\.2 .* id=7 src=198\.51\.100\.2 dst=10\.0\.2\.2 type=0 code=0 id=7 /.exec(r1);
    const h2 = /src=10\.0\.1\.3 .* id=7 src=198\.51\.100\.2 dst=10\.0\.2\.2 type=0 code=0 id=(\d+) /.exec(r1);
    expect(h1, r1).not.toBeNull();
    expect(h2, r1).not.toBeNull();
    const remapped = Number(h2![1]);
    expect(remapped).not.toBe(7);
    const r2 = out('conntrack -L -p icmp');
    expect(r2).toContain(`src=10.0.2.2 dst=198.51.100.2 type=8 code=0 id=${remapped} src=198.51.100.2 dst=198.51.100.1 type=0 code=0 id=${remapped} `);
    expect(r2).toContain('src=10.0.2.2 dst=198.51.100.2 type=8 code=0 id=7 src=198.51.100.2 dst=198.51.100.1 type=0 code=0 id=7 ');
  });
});

describe('fixtures/netfilter/masquerade-udp.sh', () => {
  const run = compareWithKernel('masquerade-udp');
  for (const device of ['a0', 'b0']) {
    it(`the capture on ${device} carries the kernel's checksums: partial sums, updated for the translated address`, () => {
      expect(captureLines(run, device)).toEqual(ipFrames(printPcap(fixturePath(`masquerade-udp.${device}.pcap`))));
    });
  }
  it('every UDP checksum on the outside is the pseudo-header sum of the addresses it now carries', () => {
    const u16 = (d: Uint8Array, at: number): number => (d[at]! << 8) | d[at + 1]!;
    const u32 = (d: Uint8Array, at: number): number => ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
    const udp = (run.result.captures.get('b0') ?? []).map((f) => f.data.subarray(14)).filter((d) => d[9] === 17);
    expect(udp.length).toBe(3);
    for (const d of udp) expect(u16(d, 26)).toBe(partialChecksum(u32(d, 12), u32(d, 16), 17, u16(d, 24)));
  });
});

describe('fixtures/netfilter/activation.sh', () => {
  compareWithKernel('activation', { keepIds: true });
});

describe('fixtures/netfilter/counters.sh', () => {
  compareWithKernel('counters');
});

describe('fixtures/netfilter/tcp-states.sh', () => {
  compareWithKernel('tcp-states');
});

describe('fixtures/netfilter/masquerade-events.sh', () => {
  compareWithKernel('masquerade-events', { keepIds: true });
});

describe('fixtures/netfilter/snat-range.sh', () => {
  // Each source gets the kernel's address from the range (jhash2 of the source seeded with the destination).
  compareWithKernel('snat-range', { keepIds: true });
});

describe('fixtures/netfilter/icmp-errors.sh', () => {
  const run = compareWithKernel('icmp-errors', { keepIds: true });
  for (const device of ['a0', 'm0']) {
    it(`the capture on ${device}: the time exceeded translated back (quoted packet too), fragments gathered and sent on`, () => {
      expect(captureLines(run, device)).toEqual(ipFrames(printPcap(fixturePath(`icmp-errors.${device}.pcap`))));
    });
  }
});
