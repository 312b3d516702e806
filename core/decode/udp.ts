import { pseudoHeaderSum, sum16 } from '../checksum.ts';
import { judgeChecksum } from '../wire/checksum-field.ts';
import { IpProtocol } from '../wire/ipv4.ts';
import type { Dissection } from './context.ts';
import type { IpInfo } from './ip.ts';

/**
 * Ports for which tcpdump 4.99.3 hands a UDP payload to an application printer (print-udp.c: udp_print()'s
 * IS_SRC_OR_DST_PORT chain); twinnet prints them as plain UDP, so its output differs there.
 */
export const UDP_APPLICATION_PORTS: ReadonlySet<number> = new Set([
  53, 67, 68, 69, 88, 123, 137, 138, 161, 162, 319, 320, 496, 500, 514, 520, 521, 525, 546, 547, 646, 654, 698, 701, 750, 921, 1645, 1646, 1701,
  1812, 1813, 1985, 2049, 2103, 2104, 3457, 3503, 3784, 3785, 3799, 4341, 4342, 4500, 4567, 4784, 4789, 4790, 5060, 5246, 5247, 5353, 5359, 6081,
  6343, 6635, 6696, 6697, 6784, 7000, 7001, 7002, 7003, 7004, 7005, 7006, 7007, 7008, 7009, 7500, 8231, 8472, 8500, 12222, 12223, 17754, 30490,
  49152,
]);

/**
 * Prints a UDP datagram whose IP payload is `length` bytes [RFC 768]: `A.p > B.q: UDP, length 6`, with the checksum
 * verdict under -vv only (print-udp.c: udp_print()).
 */
export function udpPrint(d: Dissection, at: number, length: number, ip: IpInfo): void {
  d.protocol = 'udp';
  const source = d.ipaddr(ip.at + 12);
  const destination = d.ipaddr(ip.at + 16);
  if (!d.has(at + 2, 2)) {
    d.print(`${source} > ${destination}: `);
    d.printTrunc();
    return;
  }
  const sport = d.u16(at);
  const dport = d.u16(at + 2);
  const addresses = `${source}.${d.names.udpport(sport)} > ${destination}.${d.names.udpport(dport)}: `;
  if (length < 8) {
    d.print(`${addresses}truncated-udp ${length}`);
    return;
  }
  if (!d.has(at + 4, 2)) {
    d.print(addresses);
    d.printTrunc();
    return;
  }
  let ulen = d.u16(at + 4);
  if (ulen < 8) {
    d.print(`${addresses}truncated-udplength ${ulen}`);
    return;
  }
  ulen -= 8;
  let len = length - 8;
  if (ulen < len) len = ulen;
  if (at + 8 > d.snapend) {
    d.print(addresses);
    d.printTrunc();
    return;
  }
  d.print(addresses);
  if (d.flags.v > 1 && !d.flags.K && !ip.fragmented) {
    const field = d.u16(at + 6);
    if (field === 0) {
      d.print('[no cksum] ');
    } else if (d.has(at + 8, len)) {
      const covered = len + 8;
      const check = judgeChecksum(field, sum16(d.bytes, at, at + covered, pseudoHeaderSum(ip.source, ip.pseudoDestination, IpProtocol.Udp, covered)));
      d.print(check.valid ? '[udp sum ok] ' : `[bad udp cksum 0x${hex4(field)} -> 0x${hex4(check.expected)}!] `);
    }
  }
  d.print(ulen > len && !ip.fragmented ? `UDP, bad length ${ulen} > ${len}` : `UDP, length ${ulen}`);
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}
