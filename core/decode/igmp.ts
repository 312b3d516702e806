import { fold, sum16 } from '../checksum.ts';
import { igmpv3CodeValue, IgmpType } from '../wire/igmp.ts';
import type { Dissection } from './context.ts';

const RECORD_TYPES = ['', 'is_in', 'is_ex', 'to_in', 'to_ex', 'allow', 'block'];

/** Seconds as `1h2m3s` (util-print.c: unsigned_relts_print()). */
export function relativeTime(secs: number): string {
  if (secs === 0) return '0s';
  const units: [number, string][] = [[31536000, 'y'], [604800, 'w'], [86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  let s = '';
  let left = secs;
  for (const [size, unit] of units) {
    if (left >= size) {
      s += `${Math.floor(left / size)}${unit}`;
      left %= size;
    }
  }
  return s;
}

/** IGMPv3 report [RFC 3376 §4.2]: the record count, and each record under -v (print-igmp.c: print_igmpv3_report()). */
function printV3Report(d: Dissection, at: number, len: number): void {
  if (len < 16 || len & 3) {
    d.print(` [invalid len ${len}]`);
    return;
  }
  const ngroups = d.u16(at + 6);
  d.print(`, ${ngroups} group record(s)`);
  if (d.flags.v === 0) return;
  let group = 8;
  for (let i = 0; i < ngroups; i++) {
    if (len < group + 8) {
      d.print(' [invalid number of groups]');
      return;
    }
    d.print(` [gaddr ${d.ipaddr(at + group + 4)}`);
    const recordType = d.u8(at + group);
    d.print(` ${RECORD_TYPES[recordType] || ` [v3-report-#${recordType}]`}`);
    const nsrcs = d.u16(at + group + 2);
    if (len < group + 8 + nsrcs * 4) {
      d.print(` [invalid number of sources ${nsrcs}]`);
      return;
    }
    if (d.flags.v === 1) {
      d.print(`, ${nsrcs} source(s)`);
    } else {
      d.print(' {');
      for (let j = 0; j < nsrcs; j++) d.print(` ${d.ipaddr(at + group + 8 + j * 4)}`);
      d.print(' }');
    }
    group += 8 + nsrcs * 4;
    d.print(']');
  }
}

/** IGMPv3 query [RFC 3376 §4.1] (print-igmp.c: print_igmpv3_query()). */
function printV3Query(d: Dissection, at: number, len: number): void {
  d.print(' v3');
  if (len < 12 || len & 3) {
    d.print(` [invalid len ${len}]`);
    return;
  }
  const mrc = d.u8(at + 1);
  const mrt = igmpv3CodeValue(mrc);
  if (mrc !== 100) d.print(` [max resp time ${mrt < 600 ? `${(mrt * 0.1).toFixed(1)}s` : relativeTime(Math.floor(mrt / 10))}]`);
  if (d.u32(at + 4) === 0) return;
  d.print(` [gaddr ${d.ipaddr(at + 4)}`);
  const nsrcs = d.u16(at + 10);
  if (nsrcs > 0) {
    if (len < 12 + nsrcs * 4) {
      d.print(' [invalid number of sources]');
    } else if (d.flags.v > 1) {
      d.print(' {');
      for (let i = 0; i < nsrcs; i++) d.print(` ${d.ipaddr(at + 12 + i * 4)}`);
      d.print(' }');
    } else {
      d.print(`, ${nsrcs} source(s)`);
    }
  }
  d.print(']');
}

/** mtrace and mresp (print-igmp.c: print_mtrace()). */
function printMtrace(d: Dissection, name: string, at: number, len: number): void {
  if (len < 8 + 16) {
    d.print(` [invalid len ${len}]`);
    return;
  }
  const q = at + 8;
  const qid = (d.u8(q + 13) << 16) | d.u16(q + 14);
  d.print(`${name} ${qid}: ${d.ipaddr(q)} to ${d.ipaddr(q + 4)} reply-to ${d.ipaddr(q + 8)}`);
  if (d.u32(q + 8) >>> 28 === 0xe) d.print(` with-ttl ${d.u8(q + 12)}`);
}

/**
 * Prints an IGMP message of `len` bytes [RFC 2236, RFC 3376]: `igmp v3 report, 1 group record(s) [gaddr …]`, `igmp`
 * alone under -q (print-igmp.c: igmp_print()).
 */
export function igmpPrint(d: Dissection, at: number, len: number): void {
  d.protocol = 'igmp';
  if (d.flags.q) {
    d.print('igmp');
    return;
  }
  const type = d.u8(at);
  switch (type) {
    case IgmpType.MembershipQuery:
      d.print('igmp query');
      if (len >= 12) {
        printV3Query(d, at, len);
      } else {
        const mrt = d.u8(at + 1);
        if (mrt) {
          d.print(' v2');
          if (mrt !== 100) d.print(` [max resp time ${mrt}]`);
        } else {
          d.print(' v1');
        }
        if (d.u32(at + 4)) d.print(` [gaddr ${d.ipaddr(at + 4)}]`);
        if (len !== 8) d.print(` [len ${len}]`);
      }
      break;
    case IgmpType.MembershipReportV1:
      d.print(`igmp v1 report ${d.ipaddr(at + 4)}`);
      if (len !== 8) d.print(` [len ${len}]`);
      break;
    case IgmpType.MembershipReportV2:
      d.print(`igmp v2 report ${d.ipaddr(at + 4)}`);
      break;
    case IgmpType.MembershipReportV3:
      d.print('igmp v3 report');
      printV3Report(d, at, len);
      break;
    case IgmpType.LeaveGroup:
      d.print(`igmp leave ${d.ipaddr(at + 4)}`);
      break;
    case 0x1e:
      printMtrace(d, 'mresp', at, len);
      break;
    case 0x1f:
      printMtrace(d, 'mtrace', at, len);
      break;
    default:
      // 0x13 (DVMRP) and 0x14 (PIMv1) have printers of their own in tcpdump, not reproduced here.
      d.print(`igmp-${type}`);
      break;
  }
  if (d.flags.v > 0 && len >= 4 && d.has(at, len) && fold(sum16(d.bytes, at, at + len)) !== 0xffff) {
    d.print(` bad igmp cksum ${d.u16(at + 2).toString(16)}!`);
  }
}
