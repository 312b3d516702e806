/**
 * Each normalisation rule of DESIGN.md §5, twice: the variation it declares legitimate goes through (no
 * divergence), and a real difference in the same field is still caught and named.
 */
import { describe, expect, it } from 'vitest';
import { MILLISECOND } from '../../../core/clock.ts';
import { diffCaptures, diffCaptureSets, type FrameDiffOptions } from '../../../core/diff/capture-diff.ts';
import type { DiffFrame } from '../../../core/diff/frame.ts';
import type { FramesReport } from '../../../core/diff/report.ts';
import { TcpFlag } from '../../../core/wire/tcp.ts';
import { arpExchange, arpProbe, at, H1, H2, igmpReport, ip, mac, ping, refresh, segment, udpExchange, withByte } from './frames.ts';

/** Field differences of a report as `name a ≠ b`, with `!` for divergences and the variation's name otherwise. */
function fields(r: FramesReport): string[] {
  return r.points.flatMap((p) => p.differences.flatMap((d) => d.fields.map((f) => `${f.classification.kind === 'divergence' ? '!' : f.classification.variation} ${f.field} ${f.a} ≠ ${f.b}`)));
}

/** `kind class` of each frame difference. */
function kinds(r: FramesReport): string[] {
  return r.points.flatMap((p) => p.differences.map((d) => `${d.kind} ${d.classification.kind === 'divergence' ? 'divergence' : d.classification.variation}`));
}

function diff(a: readonly DiffFrame[], b: readonly DiffFrame[], options: FrameDiffOptions = {}): FramesReport {
  return diffCaptures(a, b, options);
}

const H1b = { ip: H1.ip, mac: mac('0a:11:22:33:44:01') };
const H2b = { ip: H2.ip, mac: mac('0a:11:22:33:44:02') };
const H3b = { ip: ip('10.0.0.3'), mac: mac('0a:11:22:33:44:03') };

describe('mac-address: random veth MACs correspond one-to-one (without --same-macs)', () => {
  const a = [...arpExchange(H1, H2, 0), ...ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 1 })];
  it('lets other MACs through when used consistently', () => {
    const b = [...arpExchange(H1b, H2b, 0), ...ping({ from: H1b, to: H2b, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 1 })];
    const r = diff(a, b);
    expect(r.divergences).toBe(0);
    expect(r.points[0]!.normalised['mac-address']).toBe(4);
  });
  it('catches a reply sent to another MAC than the one the request came from', () => {
    const b = [...arpExchange(H1b, H2b, 0), ...ping({ from: H1b, to: H2b, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 1, replyMac: H3b.mac })];
    const r = diff(a, b);
    expect(fields(r)).toEqual([`! eth.dst 02:00:00:00:00:01 ≠ 0a:11:22:33:44:03`]);
  });
  it('with the set of MACs the replay shared, lets another (a bridge\u2019s random MAC) vary, but not a shared one', () => {
    const bridge = { ip: H1.ip, mac: mac('0a:6d:3d:de:83:1f') };
    const simBridge = { ip: H1.ip, mac: mac('a2:1f:ed:af:0e:5a') };
    const shared = new Set([H2.mac]);
    const x = arpExchange(bridge, H2, 0);
    expect(diff(x, arpExchange(simBridge, H2, 0), { sameMacs: shared }).divergences).toBe(0);
    expect(fields(diff(x, arpExchange(bridge, H2b, 0), { sameMacs: shared }))).toEqual([
      '! eth.src 02:00:00:00:00:02 ≠ 0a:11:22:33:44:02',
      '! arp.sha 02:00:00:00:00:02 ≠ 0a:11:22:33:44:02',
    ]);
  });
  it('compares MACs byte for byte under --same-macs', () => {
    const b = [...arpExchange(H1b, H2, 0), ...ping({ from: H1b, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 1 })];
    expect(diff(a, b).divergences).toBe(0);
    expect(fields(diff(a, b, { sameMacs: true }))).toContain('! eth.src 02:00:00:00:00:01 ≠ 0a:11:22:33:44:01');
  });
});

describe('ip-id: IP IDs correspond one-to-one per (source, destination, protocol)', () => {
  it('lets hashed IDs differ', () => {
    const a = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [16594, 36119], timevals: [1, 1], ms: 0 });
    const b = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [5, 9], timevals: [1, 1], ms: 0 });
    const r = diff(a, b);
    expect(r.divergences).toBe(0);
    expect(r.points[0]!.normalised['ip-id']).toBe(2);
  });
  it('catches an ID of 0 where the kernel sends one', () => {
    const a = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [16594, 36119], timevals: [1, 1], ms: 0 });
    const b = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [16594, 0], timevals: [1, 1], ms: 0 });
    expect(fields(diff(a, b))).toEqual(['! ipv4.id 36119 ≠ 0']);
  });
  it('catches a forwarded packet that changed its ID (the same packet at two capture points)', () => {
    const before = (id: number): DiffFrame[] => ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [id, 900], timevals: [1, 1], ms: 0 }).slice(0, 1);
    const a = new Map([['in', before(4000)], ['out', before(4000)]]);
    const b = new Map([['in', before(17)], ['out', before(18)]]);
    const r = diffCaptureSets(a, b);
    expect(r.divergences).toBe(1);
    expect(r.points.find((p) => p.point === 'out')!.differences[0]!.fields.map((f) => f.field)).toEqual(['ipv4.id']);
  });
});

describe('icmp-echo-id: ping identifiers correspond one-to-one', () => {
  const a = ping({ from: H1, to: H2, id: 8754, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 0 });
  it('lets the identifier differ', () => {
    const r = diff(a, ping({ from: H1, to: H2, id: 1234, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 0 }));
    expect(r.divergences).toBe(0);
    expect(r.points[0]!.normalised['icmp-echo-id']).toBe(2);
  });
  it('catches a reply that does not echo the request\u2019s identifier', () => {
    const r = diff(a, ping({ from: H1, to: H2, id: 1234, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 0, replyId: 1235 }));
    expect(fields(r)).toEqual(['! icmp.id 8754 ≠ 1235']);
  });
});

describe('icmp-echo-timeval: iputils\u2019 timevals correspond one-to-one', () => {
  const a = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 0 });
  it('lets the timeval differ', () => {
    const r = diff(a, ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [9, 9], ms: 0 }));
    expect(r.divergences).toBe(0);
    expect(r.points[0]!.normalised['icmp-echo-timeval']).toBe(2);
  });
  it('catches a reply that does not echo the request\u2019s data', () => {
    const r = diff(a, ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [9, 10], ms: 0 }));
    expect(fields(r).map((f) => f.split(' ').slice(0, 2).join(' '))).toEqual(['! icmp.timeval']);
  });
  it('still compares the data after the timeval byte for byte', () => {
    const b = withByte(a, 1, 14 + 20 + 8 + 20, 0x99);
    expect(fields(diff(a, b)).map((f) => f.split(' ').slice(0, 2).join(' '))).toEqual(['! icmp.data']);
  });
});

describe('ephemeral-port: ports from ip_local_port_range correspond one-to-one', () => {
  const a = udpExchange(H1, H2, 40000, 53, 0);
  it('lets the ephemeral port differ', () => {
    const r = diff(a, udpExchange(H1, H2, 51234, 53, 0));
    expect(r.divergences).toBe(0);
    expect(r.points[0]!.normalised['ephemeral-port']).toBe(2);
  });
  it('catches a reply to another port', () => {
    expect(fields(diff(a, udpExchange(H1, H2, 51234, 53, 0, 51236)))).toEqual(['! udp.dport 40000 ≠ 51236']);
  });
  it('compares a well-known port as it is', () => {
    expect(fields(diff(a, udpExchange(H1, H2, 40000, 5353, 0)))).toEqual(['! udp.dport 53 ≠ 5353', '! udp.sport 53 ≠ 5353']);
  });
});

describe('checksums: judged (valid, partial, or how far off), not compared', () => {
  const a = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 0 });
  it('lets valid checksums of different values through', () => {
    const b = ping({ from: H1, to: H2, id: 99, seq: 1, ipIds: [50, 60], timevals: [3, 3], ms: 0 });
    expect(diff(a, b).divergences).toBe(0);
  });
  it('declares a full checksum against a partial one (offload) as variation', () => {
    const partial = udpExchange(H1, H2, 40000, 53, 0);
    const full = partial.map((f) => {
      const d = f.data.slice();
      d[14 + 20 + 6] = 0;
      d[14 + 20 + 7] = 0;
      return refresh({ ...f, data: d });
    });
    const r = diff(partial, full);
    expect(r.divergences).toBe(0);
    expect(fields(r)).toEqual([expect.stringMatching(/^checksum-offload udp\.checksum 0x[0-9a-f]{4} \(partial\) ≠ 0x[0-9a-f]{4} \(valid\)$/), expect.stringMatching(/^checksum-offload udp\.checksum/)]);
  });
  it('catches a wrong checksum, and says what it should be', () => {
    const b = a.map((f) => f);
    const d = b[1]!.data.slice();
    d[14 + 20 + 3] = d[14 + 20 + 3]! ^ 0x01;
    b[1] = { ...b[1]!, data: d };
    expect(fields(diff(a, b))).toEqual([expect.stringMatching(/^! icmp\.checksum 0x[0-9a-f]{4} \(valid\) ≠ 0x[0-9a-f]{4} \(bad, should be 0x[0-9a-f]{4}\)$/)]);
  });
  it('compares wrong checksums by how far off they are, after the other normalisations', () => {
    // Each ICMP checksum one more than it should be (a sum, not a bit flip: the distance is then the same).
    const off = (frames: DiffFrame[]): DiffFrame[] =>
      frames.map((f) => {
        const d = f.data.slice();
        const at = 14 + 20 + 2;
        const v = ((d[at]! << 8) | d[at + 1]!) === 0xfffe ? 0 : ((d[at]! << 8) | d[at + 1]!) + 1;
        d[at] = v >> 8;
        d[at + 1] = v & 0xff;
        return { ...f, data: d };
      });
    const b = ping({ from: H1, to: H2, id: 99, seq: 1, ipIds: [50, 60], timevals: [3, 3], ms: 0 });
    expect(diff(off(a), off(b)).divergences).toBe(0);
  });
});

describe('tcp-isn: sequence and acknowledgment numbers relative per connection', () => {
  const conn = (isnA: number, isnB: number, thirdSeq = isnA + 1): DiffFrame[] => [
    segment(H1, H2, 40000, 80, isnA, 0, TcpFlag.Syn, [1000, 0], 0),
    segment(H2, H1, 80, 40000, isnB, isnA + 1, TcpFlag.Syn | TcpFlag.Ack, [5000, 1000], 1),
    segment(H1, H2, 40000, 80, thirdSeq, isnB + 1, TcpFlag.Ack, [1001, 5000], 2),
  ];
  it('lets the initial sequence numbers differ', () => {
    expect(diff(conn(1_000_000, 2_000_000), conn(3_999_999_999, 7)).divergences).toBe(0);
  });
  it('catches a sequence number off by one', () => {
    expect(fields(diff(conn(1_000_000, 2_000_000), conn(3_999_999_999, 7, 3_999_999_999 + 2)))).toEqual(['! tcp.seq 1 (relative) ≠ 2 (relative)']);
  });
});

describe('tcp-timestamp: TSval/TSecr relative per connection, within a tolerance', () => {
  const conn = (tsA: number, tsB: number, late = 0): DiffFrame[] => [
    segment(H1, H2, 40000, 80, 100, 0, TcpFlag.Syn, [tsA, 0], 0),
    segment(H2, H1, 80, 40000, 500, 101, TcpFlag.Syn | TcpFlag.Ack, [tsB, tsA], 1),
    segment(H1, H2, 40000, 80, 101, 501, TcpFlag.Ack, [tsA + 1 + late, tsB], 2),
  ];
  it('lets the random offsets differ, and a few ms of clock', () => {
    expect(diff(conn(1000, 2000), conn(4_000_000_000, 77, 30)).divergences).toBe(0);
  });
  it('catches a timestamp far off', () => {
    expect(fields(diff(conn(1000, 2000), conn(4_000_000_000, 77, 5000)))).toEqual(['! tcp.options.tsval 1 ms (relative) ≠ 5001 ms (relative)']);
  });
});

describe('frame-time: timestamps compared as order, optionally within a tolerance', () => {
  const a = [...arpExchange(H1, H2, 0), ...ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 10 })];
  const later = (frames: DiffFrame[], ms: number): DiffFrame[] => frames.map((f, i) => ({ ...f, at: f.at + (i >= 2 ? ms * MILLISECOND : 0) }));
  it('lets times differ when only order is compared', () => {
    expect(diff(a, later(a, 900)).divergences).toBe(0);
  });
  it('catches a gap beyond the tolerance', () => {
    const r = diff(a, later(a, 900), { tolerance: 10 * MILLISECOND });
    expect(fields(r)).toEqual(['! frame.time +9.980 ms ≠ +909.980 ms']);
  });
  it('declares a frame reordered within the tolerance as variation, and catches one beyond it', () => {
    // Two pings 0.1 ms apart; B sees the second request 0.08 ms earlier, before the first reply.
    const two = [...ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 0 }), ...ping({ from: H1, to: H2, id: 7, seq: 2, ipIds: [3, 4], timevals: [2, 2], ms: 0.1 })];
    const b = [two[0]!, { ...two[2]!, at: 0.02 * MILLISECOND }, two[1]!, two[3]!];
    const reorders = (r: FramesReport): string[] => kinds(r).filter((k) => k.startsWith('reordered'));
    expect(reorders(diff(two, b, { tolerance: 1 * MILLISECOND }))).toEqual(['reordered frame-time']);
    expect(reorders(diff(two, b, { tolerance: 0.01 * MILLISECOND }))).toEqual(['reordered divergence']);
    expect(kinds(diff(two, b))).toEqual(['reordered divergence']);
  });
  it('declares a reordered ARP frame within the timer bound as nud-timer-jitter even without a tolerance', () => {
    const b = [a[0]!, a[2]!, a[1]!, a[3]!].map((f, i) => ({ ...f, at: a[i]!.at }));
    expect(kinds(diff(a, b))).toEqual(['reordered nud-timer-jitter']);
  });
});

describe('igmp-report-timing and ipv6-noise: frames the kernel sends at random times', () => {
  const base = ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 10 });
  it('declares a missing or moved IGMP report as variation', () => {
    expect(kinds(diff([igmpReport(H1, 0), ...base], base))).toEqual(['missing igmp-report-timing']);
    expect(kinds(diff([igmpReport(H1, 0), ...base], [...base, igmpReport(H1, 30)]))).toEqual(['reordered igmp-report-timing']);
  });
  it('catches a report for another group, and a missing frame that is not noise', () => {
    // Both checksums are valid, so only the group record differs.
    expect(fields(diff([igmpReport(H1, 0), ...base], [igmpReport(H1, 0, ip('224.0.0.107')), ...base]))).toEqual(['! igmp.body 12 bytes: 00 00 00 01 04 00 00 00 e0 00 00 6a ≠ 12 bytes: 00 00 00 01 04 00 00 00 e0 00 00 6b']);
    expect(kinds(diff(base, base.slice(0, 1)))).toEqual(['missing divergence']);
  });
  it('declares extra IPv6 frames as variation', () => {
    const v6 = { at: 0, data: new Uint8Array([0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 0, 58, 255]) };
    expect(kinds(diff(base, [v6, ...base]))).toEqual(['extra ipv6-noise']);
  });
});

describe('nud-timer-jitter: ARP frames moved by the kernel\u2019s late timers', () => {
  // A ping a second; the kernel's unicast probe comes after the second echo pair, the simulator's before it.
  const pings = (n: number): DiffFrame[] => Array.from({ length: n }, (_, k) => ping({ from: H1, to: H2, id: 7, seq: k + 1, ipIds: [k + 1, k + 50], timevals: [k, k], ms: 1000 * k })).flat();
  const withProbe = (ms: number, after: number): DiffFrame[] => {
    const frames = pings(3);
    frames.splice(after, 0, arpProbe(H2, H1, ms));
    return frames;
  };
  it('declares an ARP probe moved by less than the bound as variation', () => {
    expect(kinds(diff(withProbe(1100, 4), withProbe(950, 2)))).toEqual(['reordered nud-timer-jitter']);
  });
  it('catches an ARP probe a second off, and a missing one', () => {
    expect(kinds(diff(withProbe(2100, 6), withProbe(950, 2)))).toEqual(['reordered divergence']);
    expect(kinds(diff(withProbe(1100, 4), pings(3)))).toEqual(['missing divergence']);
  });
  it('declares a probe one side made just before its run ended as variation: the other side\u2019s may have come after its capture', () => {
    // Found live (fixtures/kernel/nud-idle-reprobe): the simulator re-probed 0.2 s before the end, the kernel later.
    const tail = withProbe(2900, 6);
    expect(kinds(diff(pings(3), tail, { runEnds: { a: 3000 * MILLISECOND, b: 3000 * MILLISECOND } }))).toEqual(['extra nud-timer-jitter']);
    expect(kinds(diff(tail, pings(3), { runEnds: { a: 3000 * MILLISECOND, b: 3000 * MILLISECOND } }))).toEqual(['missing nud-timer-jitter']);
    // Not when the run went on for longer than the timer bound, nor before the capture's last aligned frame.
    expect(kinds(diff(pings(3), tail, { runEnds: { a: 3500 * MILLISECOND, b: 3500 * MILLISECOND } }))).toEqual(['extra divergence']);
    expect(kinds(diff(pings(3), withProbe(1900, 4), { runEnds: { a: 2100 * MILLISECOND, b: 2100 * MILLISECOND } }))).toEqual(['extra divergence']);
  });
});

describe('a frame at another place is reported as reordered, not as missing and extra', () => {
  it('names the two places', () => {
    const a = [...arpExchange(H1, H2, 0), ...ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 10 })];
    const b = [a[2]!, a[0]!, a[1]!, a[3]!];
    const d = diff(a, b).points[0]!.differences;
    expect(d.map((x) => [x.kind, x.a?.index, x.b?.index])).toEqual([['reordered', 2, 0]]);
  });
});

describe('non-Ethernet frames and frames too short to parse', () => {
  it('compares them byte for byte', () => {
    const odd = [{ at: 0, data: new Uint8Array([1, 2, 3]) }, { at: 1, data: new Uint8Array([4, 5, 6, 7]), linkType: 113 }];
    expect(diff(odd, odd).divergences).toBe(0);
    const other = [odd[0]!, { ...odd[1]!, data: new Uint8Array([4, 5, 6, 8]) }];
    expect(fields(diff(odd, other))).toEqual(['! frame.bytes 4 bytes: 04 05 06 07 ≠ 4 bytes: 04 05 06 08']);
  });
});

