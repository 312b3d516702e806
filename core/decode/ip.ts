import { sum16 } from '../checksum.ts';
import { judgeChecksum } from '../wire/checksum-field.ts';
import { IpProtocol, Ipv4OptionType } from '../wire/ipv4.ts';
import type { Dissection } from './context.ts';
import { icmpPrint } from './icmp.ts';
import { igmpPrint } from './igmp.ts';
import { IPPROTO_NAMES } from './tables.ts';
import { tcpPrint } from './tcp.ts';
import { udpPrint } from './udp.ts';

/** The IPv4 header fields the upper-layer printers need (tcpdump passes them the header itself). */
export interface IpInfo {
  /** Offset of the IP header in the frame. */
  readonly at: number;
  readonly source: number;
  /** The pseudo-header destination: the last source-route hop when there is one (print-ip.c: ip_finddst()). */
  readonly pseudoDestination: number;
  readonly protocol: number;
  readonly fragmented: boolean;
}

const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [Ipv4OptionType.EndOfList, 'EOL'],
  [Ipv4OptionType.NoOperation, 'NOP'],
  [Ipv4OptionType.Timestamp, 'timestamp'],
  [130, 'security'],
  [Ipv4OptionType.RecordRoute, 'RR'],
  [Ipv4OptionType.StrictSourceRoute, 'SSRR'],
  [Ipv4OptionType.LooseSourceRoute, 'LSRR'],
  [Ipv4OptionType.RouterAlert, 'RA'],
  [82, 'traceroute'],
]);

/** RR, LSRR, SSRR: the addresses, a comma after those before the pointer (print-ip.c: ip_printroute()). */
function printRoute(d: Dissection, cp: number, length: number): void {
  if (length < 3) {
    d.print(` [bad length ${length}]`);
    return;
  }
  if ((length + 1) & 3) d.print(` [bad length ${length}]`);
  const ptr = (d.u8(cp + 2) - 1) >>> 0;
  if (ptr < 3 || (ptr + 1) & 3 || ptr > length + 1) d.print(` [bad ptr ${d.u8(cp + 2)}]`);
  for (let len = 3; len < length; len += 4) {
    d.need(cp + len, 4);
    d.print(` ${d.ipaddr(cp + len)}`);
    if (ptr > len) d.print(',');
  }
}

/** The timestamp option: `TS{TSONLY ^ 0@ 0@}` (print-ip.c: ip_printts()). */
function printTimestamp(d: Dissection, cp: number, length: number): void {
  if (length < 4) {
    d.print(`[bad length ${length}]`);
    return;
  }
  d.print(' TS{');
  const flag = d.u8(cp + 3) & 0xf;
  const hoplen = flag !== 0 ? 8 : 4;
  if ((length - 4) & (hoplen - 1)) d.print(`[bad length ${length}]`);
  const ptr = (d.u8(cp + 2) - 1) >>> 0;
  let len = 0;
  if (ptr < 4 || (ptr - 4) & (hoplen - 1) || ptr > length + 1) d.print(`[bad ptr ${d.u8(cp + 2)}]`);
  const kind = flag === 0 ? 'TSONLY' : flag === 1 ? 'TS+ADDR' : flag === 3 ? 'PRESPEC' : undefined;
  if (kind === undefined) {
    d.print(`[bad ts type ${flag}]`);
  } else {
    d.print(kind);
    let type = ' ';
    for (len = 4; len < length; len += hoplen) {
      if (ptr === len) type = ' ^ ';
      d.need(cp + len, hoplen);
      d.print(`${type}${d.u32(cp + len + hoplen - 4)}@${hoplen !== 8 ? '' : d.ipaddr(cp + len)}`);
      type = ' ';
    }
  }
  d.print(ptr === len ? ' ^ ' : '');
  const overflow = d.u8(cp + 3) >> 4;
  d.print(overflow ? ` [${overflow} hops not recorded]} ` : '}');
}

/** Prints the option list; false when an option ran past the captured bytes (print-ip.c: ip_optprint()). */
function printOptions(d: Dissection, cp: number, length: number): boolean {
  let sep = '';
  let optionLength: number;
  for (let left = length; left > 0; cp += optionLength, left -= optionLength) {
    d.print(sep);
    sep = ',';
    const code = d.u8(cp);
    d.print(OPTION_NAMES.get(code) ?? `unknown ${code}`);
    if (code === Ipv4OptionType.NoOperation || code === Ipv4OptionType.EndOfList) {
      optionLength = 1;
    } else {
      optionLength = d.u8(cp + 1);
      if (optionLength < 2) {
        d.print(` [bad length ${optionLength}]`);
        return true;
      }
    }
    if (optionLength > left) {
      d.print(` [bad length ${optionLength}]`);
      return true;
    }
    if (!d.has(cp, optionLength)) return false;
    switch (code) {
      case Ipv4OptionType.EndOfList:
        return true;
      case Ipv4OptionType.Timestamp:
        printTimestamp(d, cp, optionLength);
        break;
      case Ipv4OptionType.RecordRoute:
      case Ipv4OptionType.StrictSourceRoute:
      case Ipv4OptionType.LooseSourceRoute:
        printRoute(d, cp, optionLength);
        break;
      case Ipv4OptionType.RouterAlert:
        if (optionLength < 4) {
          d.print(` [bad length ${optionLength}]`);
          break;
        }
        if (d.u16(cp + 2) !== 0) d.print(` value ${d.u16(cp + 2)}`);
        break;
    }
  }
  return true;
}

/** The destination for the pseudo-header: the final hop of a source route, else the header's (print-ip.c: ip_finddst()). */
function findDestination(d: Dissection, at: number, hlen: number): number {
  const destination = d.u32(at + 16);
  let cp = at + 20;
  for (let length = hlen - 20; length > 0; ) {
    if (!d.has(cp, 1)) return destination;
    const type = d.bytes[cp]!;
    let len: number;
    if (type === Ipv4OptionType.EndOfList) break;
    if (type === Ipv4OptionType.NoOperation) {
      len = 1;
    } else {
      if (!d.has(cp + 1, 1)) return destination;
      len = d.bytes[cp + 1]!;
      if (len < 2) break;
    }
    if (length < len || !d.has(cp, len)) return destination;
    if ((type === Ipv4OptionType.StrictSourceRoute || type === Ipv4OptionType.LooseSourceRoute) && len >= 7) return d.u32(cp + len - 4);
    cp += len;
    length -= len;
  }
  return destination;
}

/**
 * Prints an IPv4 datagram whose bytes start at `at`, `length` of them on the wire after the link header: the -v
 * header in parentheses, the addresses and the upper layer (print-ip.c: ip_print(), print-ip-demux.c).
 */
export function ipPrint(d: Dissection, at: number, length: number): void {
  d.protocol = 'ip';
  const version = d.u8(at) >> 4;
  if (version !== 4) {
    d.print(version === 6 ? 'IP6, wrong link-layer encapsulation' : `IP${version}`);
    d.print(' (invalid)');
    return;
  }
  if (!d.flags.e) d.print('IP ');
  if (!d.has(at, 20)) {
    d.printTrunc();
    return;
  }
  if (length < 20) {
    d.print(`truncated-ip ${length}`);
    return;
  }
  const hlen = (d.u8(at) & 0x0f) * 4;
  if (hlen < 20) {
    d.print(`bad-hlen ${hlen}`);
    return;
  }
  let len = d.u16(at + 2);
  if (length < len) d.print(`truncated-ip - ${len - length} bytes missing! `);
  if (len < hlen) {
    d.print(`bad-len ${len}`);
    return;
  }
  d.pushSnaplen(at, len);
  len -= hlen;
  const off = d.u16(at + 6);
  const protocol = d.u8(at + 9);
  if (d.flags.v > 0) {
    const tos = d.u8(at + 1);
    d.print(`(tos 0x${tos.toString(16)}`);
    d.print(['', ',ECT(1)', ',ECT(0)', ',CE'][tos & 3]!);
    const ttl = d.u8(at + 8);
    if (ttl >= 1) d.print(`, ttl ${ttl}`);
    const flags = [off & 0x2000 ? '+' : '', off & 0x4000 ? 'DF' : '', off & 0x8000 ? 'rsvd' : ''].filter((f) => f !== '').join(', ') || 'none';
    d.print(`, id ${d.u16(at + 4)}, offset ${(off & 0x1fff) * 8}, flags [${flags}], proto ${IPPROTO_NAMES.get(protocol) ?? 'unknown'} (${protocol})`);
    d.print(`, length ${d.u16(at + 2)}`);
    let truncated = false;
    if (hlen > 20) {
      d.print(', options (');
      if (!printOptions(d, at + 20, hlen - 20)) {
        d.print(' [truncated-option]');
        truncated = true;
      }
      d.print(')');
    }
    if (!d.flags.K && d.has(at, hlen)) {
      const check = judgeChecksum(d.u16(at + 10), sum16(d.bytes, at, at + hlen));
      if (!check.valid) d.print(`, bad cksum ${d.u16(at + 10).toString(16)} (->${check.expected.toString(16)})!`);
    }
    d.print(')\n    ');
    if (truncated) {
      d.print(`${d.ipaddr(at + 12)} > ${d.ipaddr(at + 16)}: `);
      d.printTrunc();
      d.popSnaplen();
      return;
    }
  }
  if ((off & 0x1fff) === 0) {
    if (protocol !== IpProtocol.Tcp && protocol !== IpProtocol.Udp && protocol !== 132 && protocol !== 33) {
      d.print(`${d.ipaddr(at + 12)} > ${d.ipaddr(at + 16)}: `);
    }
    if (!d.has(at, hlen)) {
      d.print(` [remaining caplen(${d.available(at)}) < header length(${hlen})]`);
      d.need(at, hlen);
    }
    const info: IpInfo = {
      at,
      source: d.u32(at + 12),
      pseudoDestination: hlen === 20 ? d.u32(at + 16) : findDestination(d, at, hlen),
      protocol,
      fragmented: (off & 0x2000) !== 0,
    };
    ipDemuxPrint(d, at + hlen, len, info);
  } else {
    d.print(`${d.ipaddr(at + 12)} > ${d.ipaddr(at + 16)}:`);
    const name = d.names.protoname(protocol);
    d.print(name !== undefined ? ` ${name}` : ` ip-proto-${protocol}`);
  }
  d.popSnaplen();
}

/** Hands the payload to its protocol's printer (print-ip-demux.c: ip_demux_print()). */
function ipDemuxPrint(d: Dissection, at: number, length: number, ip: IpInfo): void {
  switch (ip.protocol) {
    case IpProtocol.Tcp:
      tcpPrint(d, at, length, ip);
      return;
    case IpProtocol.Udp:
      udpPrint(d, at, length, ip);
      return;
    case IpProtocol.Icmp:
      icmpPrint(d, at, length, ip);
      return;
    case IpProtocol.Igmp:
      igmpPrint(d, at, length);
      return;
    case 4:
      ipPrint(d, at, length);
      return;
    case 58:
      d.print('[ICMPv6 requires IPv6] (invalid)');
      return;
    case 143:
      d.print('[Ethernet requires IPv6] (invalid)');
      return;
    case 59:
      d.print('no next header');
      return;
    case 77:
      d.print(` nd ${length}`);
      return;
    default: {
      const name = d.names.protoname(ip.protocol);
      d.print(name !== undefined ? ` ${name}` : ` ip-proto-${ip.protocol}`);
      d.print(` ${length}`);
    }
  }
}
