import { readFileSync } from 'node:fs';
import { formatIpv4 } from '../../core/ipv4.ts';
import { checkTcpChecksum, parseTcp, parseTcpOptions, TcpFlag } from '../../core/wire/tcp.ts';
import { checkUdpChecksum, parseUdp } from '../../core/wire/udp.ts';

/** A frame with its time in nanoseconds from the first frame of its capture. */
export interface TimedFrame {
  readonly at: number;
  readonly data: Uint8Array;
}

/** The frames of a classic little-endian microsecond pcap file (fixtures/pcap, fixtures/transport). */
export function readPcap(path: string | URL): TimedFrame[] {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${String(path)}: not a little-endian microsecond pcap`);
  const frames: TimedFrame[] = [];
  let first: number | undefined;
  for (let at = 24; at + 16 <= file.length; ) {
    const t = view.getUint32(at, true) * 1e9 + view.getUint32(at + 4, true) * 1e3;
    first ??= t;
    const captured = view.getUint32(at + 8, true);
    frames.push({ at: t - first, data: file.slice(at + 16, at + 16 + captured) });
    at += 16 + captured;
  }
  return frames;
}

/** A port in the ephemeral range (net.ipv4.ip_local_port_range) is drawn at random: it prints as `eph`. */
function ephemeral(port: number): string {
  return port >= 32768 && port <= 60999 ? 'eph' : String(port);
}

/** Big-endian 16 and 32 bit reads. */
export const r16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
export const r32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

const FLAG_NAMES: [number, string][] = [
  [TcpFlag.Fin, 'F'],
  [TcpFlag.Syn, 'S'],
  [TcpFlag.Rst, 'R'],
  [TcpFlag.Psh, 'P'],
  [TcpFlag.Ack, '.'],
];

/**
 * One line per IPv4 frame with what two runs of the same exchange share: direction (by source address), flags,
 * sequence and acknowledgment numbers relative to each side's ISN, window, the option layout with timestamps
 * replaced by their kind, payload length, TTL, TOS, DF, whether the IP ID is zero, and the checksum's kind
 * (`partial`, `full`, or `bad`), UDP ports with an ephemeral one as `eph`. ISNs, timestamp values, ephemeral ports
 * and non-zero IP IDs vary between runs
 * (fixtures/pcap/README.md). ARP frames are left out.
 */
export function describeFrames(frames: readonly TimedFrame[]): string[] {
  const isn = new Map<string, number>();
  const lines: string[] = [];
  for (const { data } of frames) {
    if (r16(data, 12) !== 0x0800) continue;
    const ip = data.subarray(14);
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = r16(ip, 2);
    const source = r32(ip, 12);
    const destination = r32(ip, 16);
    const head = `${formatIpv4(source)}>${formatIpv4(destination)} ttl ${ip[8]} tos 0x${ip[1]!.toString(16)} ${ip[6]! & 0x40 ? 'DF' : 'noDF'} id ${r16(ip, 4) === 0 ? '0' : 'set'}`;
    const body = ip.subarray(ihl, total);
    if (ip[9] === 6) {
      const t = parseTcp(body);
      if (!t.ok) throw new Error('bad TCP');
      const tcp = t.value;
      const from = `${formatIpv4(source)}:${tcp.sourcePort}`;
      const to = `${formatIpv4(destination)}:${tcp.destinationPort}`;
      if (tcp.flags & TcpFlag.Syn) isn.set(from, tcp.sequenceNumber);
      const base = isn.get(from) ?? tcp.sequenceNumber;
      const peerBase = isn.get(to);
      const flags = FLAG_NAMES.filter(([bit]) => tcp.flags & bit).map(([, n]) => n).join('');
      const options = parseTcpOptions(tcp.options)
        .map((o) => (o.kind === 'mss' ? `mss ${o.value}` : o.kind === 'windowScale' ? `wscale ${o.shift}` : o.kind === 'timestamps' ? (o.echoReply === 0 ? 'TS ecr0' : 'TS') : o.kind === 'sack' ? `sack ${o.blocks.length}` : o.kind))
        .join(',');
      const check = checkTcpChecksum(body, source, destination);
      const seq = (tcp.sequenceNumber - base) >>> 0;
      const ack = tcp.flags & TcpFlag.Ack && peerBase !== undefined ? ` ack ${(tcp.acknowledgmentNumber - peerBase) >>> 0}` : tcp.flags & TcpFlag.Ack ? ` ack ${tcp.acknowledgmentNumber}` : '';
      lines.push(`${head} TCP [${flags}] seq ${seq}${ack} win ${tcp.window} [${options}] len ${tcp.payload.length} ${check.valid ? 'full' : check.partial ? 'partial' : 'bad'}`);
    } else if (ip[9] === 17) {
      const u = parseUdp(body);
      if (!u.ok) throw new Error('bad UDP');
      const check = checkUdpChecksum(body, source, destination);
      lines.push(`${head} UDP ${ephemeral(u.value.sourcePort)}>${ephemeral(u.value.destinationPort)} len ${u.value.payload.length} ${check.valid ? 'full' : check.partial ? 'partial' : 'bad'}`);
    } else if (ip[9] === 1) {
      lines.push(`${head} ICMP ${body[0]}/${body[1]} len ${body.length}`);
    } else {
      lines.push(`${head} proto ${ip[9]}`);
    }
  }
  return lines;
}
