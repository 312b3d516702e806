import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNameDatabase } from '../../../core/decode/names.ts';
import { buildFrame, type FrameSpec } from '../../../core/wire/frame.ts';
import { IcmpType } from '../../../core/wire/icmp.ts';
import { TcpFlag } from '../../../core/wire/tcp.ts';
import { damagedFrame, type TestFrame } from './frames.ts';
import type { PrinterOptions } from '../../../core/decode/printer.ts';
import { captureFromBytes } from '../../../core/pcap/reader.ts';
import { pcapBytes } from '../../../core/pcap/writer.ts';
import { captureOf, decodeLines, firstDifference, tcpdumpAvailable, tcpdumpLines } from './oracle.ts';

/** This host's interface names by index, which tcpdump prints for LINUX_SLL2 frames (if_indextoname()). */
function hostInterfaceNames(): (index: number) => string | undefined {
  const names = new Map<number, string>();
  for (const name of existsSync('/sys/class/net') ? readdirSync('/sys/class/net') : []) names.set(Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')), name);
  return (index) => names.get(index);
}

/** Ethernet frames re-wrapped in a Linux cooked header, v1 (16 bytes) or v2 (20 bytes), with varied packet types. */
function cooked(frames: readonly TestFrame[], version: 1 | 2): TestFrame[] {
  return frames
    .filter((f) => f.data.length >= 14 && f.originalLength >= 14)
    .map((f, i) => {
      const pkttype = i % 7;
      const halen = [6, 6, 0, 4][i % 4]!;
      const hdr = version === 1 ? 16 : 20;
      const d = new Uint8Array(hdr + f.data.length - 14);
      if (version === 1) {
        d.set([0, pkttype, 0, 1, 0, halen], 0);
        d.set(f.data.subarray(6, 12), 6);
        d.set(f.data.subarray(12, 14), 14);
      } else {
        d.set(f.data.subarray(12, 14), 0);
        d.set([0, 0, 0, [1, 2, 99][i % 3]!, 0, 1, pkttype, halen], 4);
        d.set(f.data.subarray(6, 12), 12);
      }
      d.set(f.data.subarray(14), hdr);
      return { data: d, originalLength: f.originalLength - 14 + hdr };
    });
}

/*
 * The live differential test: the real tcpdump (4.99.3 here and in CI) renders the same files with the same flags,
 * and twinnet must print every line the same. Files: every real capture in fixtures/, hand-made frames for each
 * case the brief names, and thousands of random valid and damaged frames (fixed seeds, so failures reproduce).
 */
const HAVE_TCPDUMP = tcpdumpAvailable();
if (!HAVE_TCPDUMP) console.warn('test/core/decode/live.test.ts: tcpdump is not installed; the live comparisons are skipped (the goldens still run)');
const live = HAVE_TCPDUMP ? describe : describe.skip;

const FIXTURES = new URL('../../../fixtures/pcap/', import.meta.url).pathname;
const FLAG_SETS = ['-nn', '-nnv', '-nnvv', '-nnvvv', '-ennqtvv', '-ennt', '-nne', '-nnq', '-nnqv', '-nn -tt', '-nn -ttt', '-nn -tttt', '-nn -ttttt', '-nnS', '-nnx', '-nnxx', '-nnX', '-nnXX', '-nnA', '-nn -#', '-nnvK'];

function expectSame(file: Uint8Array, flags: string, tz = 'UTC', options: PrinterOptions = {}): void {
  const args = flags.split(' ');
  const theirs = tcpdumpLines(file, args, tz);
  expect(theirs.length, `tcpdump -r FILE ${flags} printed nothing`).toBeGreaterThan(0);
  const difference = firstDifference(decodeLines(file, args, tz, options), theirs);
  expect(difference, `tcpdump -r FILE ${flags} (TZ=${tz})`).toBeUndefined();
}

const A = 0x0a000001;
const B = 0x0a000002;
const ETH = { source: 0x020000000001, destination: 0x020000000002 };

/** Frames for each behaviour the brief lists, built with core/wire. */
function craftedFrames(): TestFrame[] {
  const specs: FrameSpec[] = [];
  const quote = buildFrame({ ethernet: ETH, ipv4: { source: A, destination: B, identification: 7, dontFragment: true }, udp: { sourcePort: 40000, destinationPort: 4000, payload: new Uint8Array(6), checksum: 'partial' } }).subarray(14);
  const quoteTcp = buildFrame({ ethernet: ETH, ipv4: { source: A, destination: B }, tcp: { sourcePort: 40001, destinationPort: 5000, sequenceNumber: 1, flags: TcpFlag.Syn, window: 64240 } }).subarray(14, 14 + 28);
  for (let code = 0; code <= 16; code++) {
    specs.push({ ethernet: ETH, ipv4: { source: B, destination: A, tos: 0xc0 }, icmp: { kind: 'destinationUnreachable', code, nextHopMtu: code === 4 ? 1400 : 0, data: code % 2 ? quoteTcp : quote } });
  }
  for (let code = 0; code <= 2; code++) specs.push({ ethernet: ETH, ipv4: { source: B, destination: A }, icmp: { kind: 'timeExceeded', code, data: quote } });
  for (let code = 0; code <= 4; code++) specs.push({ ethernet: ETH, ipv4: { source: B, destination: A }, icmp: { kind: 'redirect', code, gateway: 0x0a0000fe, data: quote } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B }, icmp: { kind: 'echoRequest', code: 0, identifier: 40766, sequenceNumber: 1, data: new Uint8Array(56), checksum: 0x1234 } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B }, icmp: { kind: 'parameterProblem', code: 0, pointer: 20, data: quote } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B }, icmp: { kind: 'other', type: IcmpType.TimestampRequest + 4, code: 0, restOfHeader: 0, data: new Uint8Array(4) } });
  specs.push({ ethernet: { ...ETH, vlan: { priority: 0, dropEligible: false, vlanId: 10 } }, ipv4: { source: A, destination: B }, udp: { sourcePort: 40000, destinationPort: 4000, payload: new Uint8Array(6) } });
  specs.push({ ethernet: { ...ETH, vlan: { priority: 5, dropEligible: true, vlanId: 4095 } }, arp: { kind: 'ethernetIpv4', operation: 1, senderHardwareAddress: ETH.source, senderProtocolAddress: A, targetHardwareAddress: 0, targetProtocolAddress: B } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: 0xe0000016, ttl: 1, tos: 0xc0, dontFragment: true, options: [{ kind: 'routerAlert', value: 0 }] }, igmp: { kind: 'membershipReportV3', records: [{ recordType: 4, multicastAddress: 0xe000006a, sources: [], auxData: new Uint8Array(0) }] } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B, options: [{ kind: 'recordRoute', pointer: 8, addresses: [A, 0, 0] }] }, icmp: { kind: 'echoRequest', code: 0, identifier: 1, sequenceNumber: 1, data: new Uint8Array(8) } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B, options: [{ kind: 'timestamp', pointer: 5, overflow: 0, flag: 0, entries: [{ timestamp: 0 }, { timestamp: 0 }] }] }, icmp: { kind: 'echoRequest', code: 0, identifier: 1, sequenceNumber: 1, data: new Uint8Array(8) } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B, moreFragments: true, fragmentOffset: 1480 }, payload: new Uint8Array(40), });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B, checksum: 0x1234 }, udp: { sourcePort: 40000, destinationPort: 4000, payload: new Uint8Array(6) } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B, protocol: 253 }, payload: new Uint8Array(12) });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B }, tcp: { sourcePort: 40001, destinationPort: 5000, sequenceNumber: 123, flags: TcpFlag.Syn, window: 64240, options: [{ kind: 'mss', value: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', value: 1, echoReply: 0 }, { kind: 'nop' }, { kind: 'windowScale', shift: 7 }], checksum: 'partial' } });
  specs.push({ ethernet: ETH, ipv4: { source: B, destination: A }, tcp: { sourcePort: 5000, destinationPort: 40001, sequenceNumber: 900, acknowledgmentNumber: 124, flags: TcpFlag.Syn | TcpFlag.Ack, window: 65160 } });
  specs.push({ ethernet: ETH, ipv4: { source: A, destination: B }, tcp: { sourcePort: 40001, destinationPort: 5000, sequenceNumber: 124, acknowledgmentNumber: 901, flags: TcpFlag.Psh | TcpFlag.Ack, window: 502, payload: new TextEncoder().encode('hello\n') } });
  specs.push({ ethernet: ETH, ipv4: { source: B, destination: A }, tcp: { sourcePort: 5000, destinationPort: 40001, sequenceNumber: 901, acknowledgmentNumber: 130, flags: TcpFlag.Rst | TcpFlag.Ack, window: 0, payload: new TextEncoder().encode('reset\r\n\x01\xff') } });
  const frames: TestFrame[] = specs.map((spec) => {
    const data = buildFrame(spec);
    return { data, originalLength: data.length };
  });
  const unknownType = new Uint8Array(60);
  unknownType.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x12, 0x34, 0xde, 0xad]);
  frames.push({ data: unknownType, originalLength: 60 });
  // Snaplen-cut records: the same ping cut at 34, 40 and 60 bytes.
  const ping = buildFrame({ ethernet: ETH, ipv4: { source: A, destination: B }, icmp: { kind: 'echoRequest', code: 0, identifier: 1, sequenceNumber: 1, data: new Uint8Array(56) } });
  for (const cut of [10, 20, 34, 40, 60]) frames.push({ data: ping.slice(0, cut), originalLength: ping.length });
  return frames;
}

live('decode against the real tcpdump', () => {
  const captures = readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'));
  for (const name of captures) {
    it(`fixtures/pcap/${name} with ${FLAG_SETS.length} flag sets`, () => {
      const file = readFileSync(`${FIXTURES}${name}`);
      for (const flags of FLAG_SETS) expectSame(file, flags);
    });
  }

  it('fixtures/pcap/formats classic captures (microsecond and nanosecond files, --nano)', () => {
    for (const name of ['ping-usec.pcap', 'ping-nsec.pcap', 'ping-usec-as-nsec.pcap']) {
      const file = readFileSync(`${FIXTURES}formats/${name}`);
      for (const flags of ['-nn', '-nnv', '-nn -tt', '-nn --nano', '-nn -ttt --nano', '-nne -tttt --nano']) expectSame(file, flags);
    }
  });

  it("twinnet's own captures, which start at time 0 (tcpdump re-takes a zero -ttt/-ttttt reference), micro and nano", () => {
    const ping = readFileSync(`${FIXTURES}ping.pcap`);
    const opened = captureFromBytes(ping);
    if (!opened.ok) throw new Error(opened.error.message);
    const records = [...opened.value].flatMap((r) => (r.ok ? [r.value] : []));
    for (const resolution of ['micro', 'nano'] as const) {
      const file = pcapBytes(records.map((r, i) => ({ at: i < 2 ? 0 : i * 1_500_000_001, data: r.data })), { resolution });
      for (const flags of ['-nn -ttt', '-nn -ttttt', '-nn -tt', '-nn', '-nn -tttt', '-nn -ttttt --nano']) expectSame(file, flags);
    }
  });

  it('local time in other zones (the default and -tttt forms follow TZ)', () => {
    const file = readFileSync(`${FIXTURES}tcp.pcap`);
    for (const tz of ['Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe']) {
      expectSame(file, '-nn', tz);
      expectSame(file, '-nn -tttt', tz);
    }
  });

  it('hand-made frames for every case: unreachable codes, time exceeded, redirects, VLAN, IGMPv3, IP options, fragments, bad checksums, unknown types, TCP state, RST data, cut records', () => {
    const file = captureOf(craftedFrames());
    for (const flags of FLAG_SETS) expectSame(file, flags);
  });

  it('-n and -ne name ports from /etc/services as tcpdump does', () => {
    const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');
    const names = parseNameDatabase(read('/etc/services'), read('/etc/protocols'));
    const files = [readFileSync(`${FIXTURES}tcp.pcap`), readFileSync(`${FIXTURES}port-unreachable.pcap`), captureOf(fc.sample(damagedFrame, { seed: 404, numRuns: 1500 }))];
    for (const file of files) for (const flags of ['-n', '-nv', '-ne']) expectSame(file, flags, 'UTC', { names });
  });

  it('Linux cooked captures: the -i any fixture (SLL2) and random frames in SLL and SLL2 headers', () => {
    const interfaceName = hostInterfaceNames();
    expectSame(readFileSync(`${FIXTURES}formats/ping-any-sll2.pcap`), '-nn', 'UTC', { interfaceName });
    expectSame(readFileSync(`${FIXTURES}formats/ping-any-sll2.pcap`), '-nnev', 'UTC', { interfaceName });
    const frames = fc.sample(damagedFrame, { seed: 505, numRuns: 1500 });
    for (const [version, linkType] of [[1, 113], [2, 276]] as const) {
      const file = captureOf(cooked(frames, version), linkType);
      for (const flags of ['-nn', '-nne', '-nnv', '-ennqtvv', '-nnx', '-nnq']) expectSame(file, flags, 'UTC', { interfaceName });
    }
  });

  for (const seed of [101, 202, 303]) {
    it(`random valid and damaged frames, seed ${seed}`, { timeout: 120_000 }, () => {
      const file = captureOf(fc.sample(damagedFrame, { seed, numRuns: 3000 }));
      for (const flags of FLAG_SETS) expectSame(file, flags);
    });
  }
});
