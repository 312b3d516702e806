import { fold, sum16 } from '../checksum.ts';
import { checkIcmpChecksum, IcmpType } from '../wire/icmp.ts';
import { IpProtocol } from '../wire/ipv4.ts';
import type { Dissection } from './context.ts';
import { hexPrint } from './hex.ts';
import type { IpInfo } from './ip.ts';
import { ipPrint } from './ip.ts';

/** Unreachable codes 5 to 15 as tcpdump words them, `%s` standing for the quoted destination (print-icmp.c). */
const UNREACH_FORMATS: ReadonlyMap<number, string> = new Map([
  [0, 'net %s unreachable'],
  [1, 'host %s unreachable'],
  [5, '%s unreachable - source route failed'],
  [6, 'net %s unreachable - unknown'],
  [7, 'host %s unreachable - unknown'],
  [8, '%s unreachable - source host isolated'],
  [9, 'net %s unreachable - admin prohibited'],
  [10, 'host %s unreachable - admin prohibited'],
  [11, 'net %s unreachable - tos prohibited'],
  [12, 'host %s unreachable - tos prohibited'],
  [13, 'host %s unreachable - admin prohibited filter'],
  [14, 'host %s unreachable - host precedence violation'],
  [15, 'host %s unreachable - precedence cutoff'],
]);

const REDIRECT_FORMATS: ReadonlyMap<number, string> = new Map([
  [0, 'redirect %s to net %s'],
  [1, 'redirect %s to host %s'],
  [2, 'redirect-tos %s to net %s'],
  [3, 'redirect-tos %s to host %s'],
]);

const OTHER_TYPES: ReadonlyMap<number, string> = new Map([
  [4, 'source quench'],
  [10, 'router solicitation'],
  [13, 'time stamp request'],
  [14, 'time stamp reply'],
  [15, 'information request'],
  [16, 'information reply'],
  [17, 'address mask request'],
]);

/** Types that quote the offending datagram (print-icmp.c: ICMP_ERRTYPE). */
const ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);
/** Types that may carry RFC 4884 extensions (print-icmp.c: ICMP_MULTIPART_EXT_TYPE). */
const MULTIPART_TYPES: ReadonlySet<number> = new Set([3, 11, 12]);
/** Where the extension header starts: 8 + 128 bytes (print-icmp.c: ICMP_EXTD_MINLEN). */
const ICMP_EXTD_MINLEN = 136;

function fill(format: string, ...values: string[]): string {
  let i = 0;
  return format.replace(/%s/g, () => values[i++] ?? '');
}

/** Milliseconds since midnight UT as `HH:MM:SS.mmm` (print-icmp.c: icmp_tstamp_print()). */
function timestampString(ms: number): string {
  const msec = ms % 1000;
  let sec = Math.floor(ms / 1000);
  let min = Math.floor(sec / 60);
  sec -= min * 60;
  const hrs = Math.floor(min / 60);
  min -= hrs * 60;
  return `${String(hrs).padStart(2, '0')}:${String(min).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${String(msec).padStart(3, '0')}`;
}

function lifetimeString(lifetime: number): string {
  if (lifetime < 60) return String(lifetime);
  if (lifetime < 3600) return `${Math.floor(lifetime / 60)}:${String(lifetime % 60).padStart(2, '0')}`;
  return `${Math.floor(lifetime / 3600)}:${String(Math.floor((lifetime % 3600) / 60)).padStart(2, '0')}:${String(lifetime % 60).padStart(2, '0')}`;
}

/** The text after `ICMP ` up to `, length`; undefined after printing ` [|icmp]` (print-icmp.c: icmp_print()'s switch). */
function describe(d: Dissection, at: number, type: number, code: number): string | undefined {
  const quotedDestination = (): string => d.ipaddr(at + 8 + 16);
  switch (type) {
    case IcmpType.EchoRequest:
    case IcmpType.EchoReply:
      return `echo ${type === IcmpType.EchoRequest ? 'request' : 'reply'}, id ${d.u16(at + 4)}, seq ${d.u16(at + 6)}`;
    case IcmpType.DestinationUnreachable:
      switch (code) {
        case 2:
          return `${quotedDestination()} protocol ${d.u8(at + 8 + 9)} unreachable`;
        case 3: {
          if (!d.has(at + 8 + 9, 1)) {
            d.printTrunc();
            return undefined;
          }
          const hlen = (d.u8(at + 8) & 0x0f) * 4;
          const dport = d.u16(at + 8 + hlen + 2);
          const protocol = d.u8(at + 8 + 9);
          if (protocol === IpProtocol.Tcp) return `${quotedDestination()} tcp port ${d.names.tcpport(dport)} unreachable`;
          if (protocol === IpProtocol.Udp) return `${quotedDestination()} udp port ${d.names.udpport(dport)} unreachable`;
          return `${quotedDestination()} protocol ${protocol} port ${dport} unreachable`;
        }
        case 4: {
          const mtu = d.u16(at + 6);
          return mtu ? `${quotedDestination()} unreachable - need to frag (mtu ${mtu})` : `${quotedDestination()} unreachable - need to frag`;
        }
        default: {
          const format = UNREACH_FORMATS.get(code);
          return format !== undefined ? fill(format, quotedDestination()) : `${quotedDestination()} unreachable - #${code}`;
        }
      }
    case IcmpType.Redirect: {
      const format = REDIRECT_FORMATS.get(code);
      const destination = quotedDestination();
      const gateway = d.ipaddr(at + 4);
      return format !== undefined ? fill(format, destination, gateway) : `redirect-#${code} ${destination} to ${gateway}`;
    }
    case 9: {
      if (!d.has(at + 4, 4)) {
        d.printTrunc();
        return undefined;
      }
      let num = d.u8(at + 4);
      let text = `router advertisement lifetime ${lifetimeString(d.u16(at + 6))} ${num}:`;
      const size = d.u8(at + 5);
      if (size !== 2) return `${text} [size ${size}]`;
      let entry = at + 8;
      for (; num > 0; num--, entry += 8) {
        if (!d.has(entry, 8)) {
          d.printTrunc();
          return undefined;
        }
        text += ` {${d.ipaddr(entry)} ${d.u32(entry + 4)}}`;
      }
      return text;
    }
    case IcmpType.TimeExceeded:
      if (!d.has(at + 8 + 16, 4)) {
        d.printTrunc();
        return undefined;
      }
      return code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
    case IcmpType.ParameterProblem:
      return code ? `parameter problem - code ${code}` : `parameter problem - octet ${d.u8(at + 4)}`;
    case 18:
      return `address mask is 0x${d.u32(at + 8).toString(16).padStart(8, '0')}`;
    case IcmpType.TimestampRequest:
      return `time stamp query id ${d.u16(at + 4)} seq ${d.u16(at + 6)}`;
    case IcmpType.TimestampReply:
      if (!d.has(at + 16, 4)) {
        d.printTrunc();
        return undefined;
      }
      return (
        `time stamp reply id ${d.u16(at + 4)} seq ${d.u16(at + 6)}: org ${timestampString(d.u32(at + 8))}` +
        `, recv ${timestampString(d.u32(at + 12))}, xmit ${timestampString(d.u32(at + 16))}`
      );
    default:
      return OTHER_TYPES.get(type) ?? `type-#${type}`;
  }
}

/** RFC 4884 extension objects after the quoted datagram, under -v (print-icmp.c: the multi-part part of icmp_print()). */
function printExtensions(d: Dissection, at: number, plen: number): void {
  if (!d.has(at, ICMP_EXTD_MINLEN + 5)) {
    d.printTrunc();
    return;
  }
  const ext = at + ICMP_EXTD_MINLEN;
  if (d.bytes[at + 5] === 0 && d.has(ext, plen - ICMP_EXTD_MINLEN)) {
    if (fold(sum16(d.bytes, ext, at + plen)) !== 0xffff) return;
  }
  const version = d.bytes[ext]! >> 4;
  d.print(`\n\tICMP Multi-Part extension v${version}`);
  if (version !== 2) {
    d.print(' packet not supported');
    return;
  }
  let hlen = plen - ICMP_EXTD_MINLEN;
  if (d.has(ext, hlen)) {
    const valid = fold(sum16(d.bytes, ext, ext + hlen)) === 0xffff;
    d.print(`, checksum 0x${d.u16(ext + 2).toString(16).padStart(4, '0')} (${valid ? '' : 'in'}correct), length ${hlen}`);
  }
  hlen -= 4;
  let obj = ext + 4;
  while (hlen > 4) {
    d.need(obj, 4);
    let length = d.u16(obj);
    const classNum = d.u8(obj + 2);
    const ctype = d.u8(obj + 3);
    obj += 4;
    const name = classNum === 1 ? 'MPLS Stack Entry' : classNum === 2 ? 'Interface Identification' : 'unknown';
    d.print(`\n\t  ${name} Object (${classNum}), Class-Type: ${ctype}, length ${length}`);
    hlen -= 4;
    if (classNum === 0 || length < 4) return;
    length -= 4;
    if (classNum === 1 && ctype === 1) {
      const label = d.u32(obj);
      d.print(`\n\t    label ${label >>> 12}, tc ${(label >>> 9) & 7}${label & 0x100 ? ', [S]' : ''}, ttl ${label & 0xff}`);
    } else {
      hexPrint(d, '\n\t    ', obj, Math.min(length, d.available(obj)));
    }
    if (hlen < length) break;
    hlen -= length;
    obj += length;
  }
}

/**
 * Prints an ICMP message of `plen` bytes [RFC 792]: `ICMP echo request, id 1, seq 1, length 64`, the checksum
 * check and, for errors under -v, the quoted datagram on the next line (print-icmp.c: icmp_print()).
 */
export function icmpPrint(d: Dissection, at: number, plen: number, ip: IpInfo): void {
  d.protocol = 'icmp';
  const type = d.u8(at);
  const code = d.u8(at + 1);
  const text = describe(d, at, type, code);
  if (text === undefined) return;
  d.print(`ICMP ${text}, length ${plen}`);
  if (d.flags.v > 0 && !ip.fragmented && d.has(at, plen)) {
    const check = checkIcmpChecksum(d.bytes.subarray(at, at + plen));
    if (!check.valid) d.print(` (wrong icmp cksum ${d.u16(at + 2).toString(16)} (->${check.expected.toString(16)})!)`);
  }
  if (d.flags.v > 0 && ERROR_TYPES.has(type)) {
    const inner = at + 8;
    d.print('\n\t');
    const saved = d.snapend;
    const innerLength = d.u16(inner + 2);
    d.snapend = Math.min(inner + innerLength, d.snapend);
    ipPrint(d, inner, innerLength);
    d.snapend = saved;
  }
  d.protocol = 'icmp';
  if (d.flags.v > 0 && plen > ICMP_EXTD_MINLEN && MULTIPART_TYPES.has(type)) printExtensions(d, at, plen);
}
