import { formatIpv4, readIpv4 } from '../../core/ipv4.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';

/** A kernel log line and when it was written (virtual nanoseconds). */
export interface KernelLogRecord {
  readonly at: number;
  /** The syslog level (`--log-level`). */
  readonly level: number;
  /** The line as dmesg prints it: `[    5.000001] PREFIX IN=… OUT=… …` (with the kernel's trailing space). */
  readonly text: string;
}

function read16(d: Uint8Array, at: number): number {
  return (d[at]! << 8) | d[at + 1]!;
}

/**
 * dump_ipv4_packet() of net/netfilter/nf_log_syslog.c: the header fields, then TCP, UDP or ICMP details; an ICMP
 * error's quoted packet in brackets (once, as the kernel recurses one level only).
 */
export function dumpIpv4(d: Uint8Array, at: number, limit: number, recurse: boolean): string {
  if (limit - at < 20) return 'TRUNCATED';
  const ihl = (d[at]! & 0x0f) * 4;
  const length = read16(d, at + 2);
  const tos = d[at + 1]!;
  const flags = read16(d, at + 6);
  let s = `SRC=${formatIpv4(readIpv4(d, at + 12))} DST=${formatIpv4(readIpv4(d, at + 16))} `;
  s += `LEN=${length} TOS=0x${(tos & 0x1e).toString(16).toUpperCase().padStart(2, '0')} PREC=0x${(tos & 0xe0).toString(16).toUpperCase().padStart(2, '0')} TTL=${d[at + 8]} ID=${read16(d, at + 4)} `;
  if (flags & 0x8000) s += 'CE ';
  if (flags & 0x4000) s += 'DF ';
  if (flags & 0x2000) s += 'MF ';
  const offset = flags & 0x1fff;
  if (offset) s += `FRAG:${offset} `;
  const protocol = d[at + 9]!;
  const l4 = at + ihl;
  switch (protocol) {
    case IpProtocol.Tcp: {
      s += 'PROTO=TCP ';
      if (offset) break;
      if (limit - l4 < 20) return `${s}INCOMPLETE [${limit - l4} bytes] `;
      // SEQ= and ACK= only with --log-tcp-sequence, which twinnet does not take.
      s += `SPT=${read16(d, l4)} DPT=${read16(d, l4 + 2)} `;
      s += `WINDOW=${read16(d, l4 + 14)} `;
      const f = d[l4 + 13]!;
      // RES: the four reserved bits after the data offset, as (tcp_flag_word & TCP_RESERVED_BITS) >> 22.
      s += `RES=0x${((d[l4 + 12]! & 0x0f) << 2).toString(16).padStart(2, '0')} `;
      if (f & 0x80) s += 'CWR ';
      if (f & 0x40) s += 'ECE ';
      if (f & 0x20) s += 'URG ';
      if (f & 0x10) s += 'ACK ';
      if (f & 0x08) s += 'PSH ';
      if (f & 0x04) s += 'RST ';
      if (f & 0x02) s += 'SYN ';
      if (f & 0x01) s += 'FIN ';
      s += `URGP=${read16(d, l4 + 18)} `;
      break;
    }
    case IpProtocol.Udp: {
      s += 'PROTO=UDP ';
      if (offset) break;
      if (limit - l4 < 8) return `${s}INCOMPLETE [${limit - l4} bytes] `;
      s += `SPT=${read16(d, l4)} DPT=${read16(d, l4 + 2)} LEN=${read16(d, l4 + 4)} `;
      break;
    }
    case IpProtocol.Icmp: {
      s += 'PROTO=ICMP ';
      if (offset) break;
      if (limit - l4 < 4) return `${s}INCOMPLETE [${limit - l4} bytes] `;
      const type = d[l4]!;
      s += `TYPE=${type} CODE=${d[l4 + 1]} `;
      if ((type === 0 || type === 8) && limit - l4 >= 8) s += `ID=${read16(d, l4 + 4)} SEQ=${read16(d, l4 + 6)} `;
      if (type === 12) s += `PARAMETER=${d[l4 + 4]} `;
      if (type === 5) s += `GATEWAY=${formatIpv4(readIpv4(d, l4 + 4))} `;
      if (type === 3 || type === 4 || type === 5 || type === 11) {
        if (recurse) s += `[${dumpIpv4(d, l4 + 8, limit, false)}] `;
        if (type === 3 && d[l4 + 1] === 4) s += `MTU=${read16(d, l4 + 6)} `;
      }
      break;
    }
    default:
      s += `PROTO=${protocol} `;
  }
  return s;
}

/** printk's `[seconds.micros] ` time stamp of the virtual clock. */
function stamp(at: number): string {
  const micros = Math.floor(at / 1000);
  return `[${String(Math.floor(micros / 1_000_000)).padStart(5)}.${String(micros % 1_000_000).padStart(6, '0')}] `;
}

/**
 * nf_log_ip_packet(): the LOG target's line — its prefix, `IN=` and `OUT=`, the MAC header of a received
 * packet (`MAC=dst:src:type`), then the packet (dump_ipv4_packet()).
 */
export function logLine(at: number, prefix: string, inName: string | undefined, outName: string | undefined, mac: Uint8Array | undefined, d: Uint8Array): string {
  let s = `${prefix}IN=${inName ?? ''} OUT=${outName ?? ''} `;
  if (inName !== undefined) s += `MAC=${mac ? [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':') : ''} `;
  return stamp(at) + s + dumpIpv4(d, 0, d.length, true);
}
