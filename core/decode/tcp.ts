import { pseudoHeaderSum, sum16 } from '../checksum.ts';
import { judgeChecksum } from '../wire/checksum-field.ts';
import { IpProtocol } from '../wire/ipv4.ts';
import { TcpFlag, TcpOptionKind } from '../wire/tcp.ts';
import type { Dissection } from './context.ts';
import type { IpInfo } from './ip.ts';

/**
 * Ports for which tcpdump 4.99.3 hands a TCP payload to an application printer (print-tcp.c: tcp_print()'s port
 * chain); twinnet prints nothing after `length N` there, as for any other port, so its output differs.
 */
export const TCP_APPLICATION_PORTS: ReadonlySet<number> = new Set([21, 22, 23, 25, 43, 53, 80, 139, 179, 323, 445, 554, 639, 646, 1723, 2049, 3128, 6379, 6653, 8080, 8554, 10288]);

/** The initial sequence numbers of a conversation, for relative numbers (print-tcp.c: struct tcp_seq_hash). */
interface SeqEntry {
  seq: number;
  ack: number;
}

/** What a printer keeps across frames for TCP: one entry per conversation (print-tcp.c: tcp_seq_hash4). */
export type TcpSeqState = Map<string, SeqEntry>;

const FLAG_LETTERS: readonly [number, string][] = [
  [TcpFlag.Fin, 'F'],
  [TcpFlag.Syn, 'S'],
  [TcpFlag.Rst, 'R'],
  [TcpFlag.Psh, 'P'],
  [TcpFlag.Ack, '.'],
  [TcpFlag.Urg, 'U'],
  [TcpFlag.Ece, 'E'],
  [TcpFlag.Cwr, 'W'],
];

const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'eol'],
  [1, 'nop'],
  [2, 'mss'],
  [3, 'wscale'],
  [4, 'sackOK'],
  [5, 'sack'],
  [6, 'echo'],
  [7, 'echoreply'],
  [8, 'TS'],
  [11, 'cc'],
  [12, 'ccnew'],
  [13, ''],
  [19, 'md5'],
  [20, 'scps'],
  [28, 'uto'],
  [29, 'tcp-ao'],
  [30, 'mptcp'],
  [34, 'tfo'],
  [254, 'exp'],
]);

const MAX_RST_DATA_LEN = 30;

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** A byte as tcpdump shows text: `M-` for the high bit, `^X` for control characters (util-print.c: fn_print_char()). */
export function printableChar(byte: number): string {
  let c = byte;
  let s = '';
  if (c >= 0x80) {
    c &= 0x7f;
    s += 'M-';
  }
  if (c < 0x20 || c === 0x7f) {
    c ^= 0x40;
    s += '^';
  }
  return s + String.fromCharCode(c);
}

class BadOption {}
/** An option's data cut by the capture: tcpdump's LENCHECK() goes to its local `trunc` label, not a longjmp. */
class OptionTruncated {}

/** A TCP Fast Open cookie or request (print-tcp.c: print_tcp_fastopen_option()). */
function fastOpen(d: Dissection, cp: number, datalen: number, experimental: boolean): string {
  let s = experimental ? 'tfo' : '';
  if (datalen === 0) return `${s} cookiereq`;
  if (datalen % 2 !== 0 || datalen < 4 || datalen > 16) return `${s} (invalid)`;
  s += ' cookie ';
  for (let i = 0; i < datalen; i++) s += hex2(d.u8(cp + i));
  return s;
}

/**
 * Prints the options in `[…]`; the relative bases are for SACK blocks. False after `[bad opt]`, where tcpdump
 * stops printing the segment (print-tcp.c: tcp_print()'s option loop).
 */
function printOptions(d: Dissection, start: number, optionBytes: number, rev: boolean, thseq: number, thack: number, segmentEnd: number): boolean {
  d.print(', options [');
  let hlen = optionBytes;
  let cp = start;
  let separator = '';
  try {
    while (hlen !== 0) {
      d.print(separator);
      const opt = d.u8(cp);
      cp++;
      let len: number;
      if (opt === TcpOptionKind.EndOfList || opt === TcpOptionKind.NoOperation) {
        len = 1;
      } else {
        len = d.u8(cp);
        cp++;
        if (len < 2 || len > hlen) throw new BadOption();
        hlen--;
      }
      hlen--;
      let datalen = 0;
      const lencheck = (l: number): void => {
        if (l > hlen) throw new BadOption();
        if (!d.has(cp, l)) throw new OptionTruncated();
      };
      d.print(OPTION_NAMES.get(opt) ?? `unknown-${opt}`);
      switch (opt) {
        case TcpOptionKind.MaximumSegmentSize:
          datalen = 2;
          lencheck(datalen);
          d.print(` ${d.u16(cp)}`);
          break;
        case TcpOptionKind.WindowScale:
          datalen = 1;
          lencheck(datalen);
          d.print(` ${d.u8(cp)}`);
          break;
        case TcpOptionKind.Sack:
          datalen = len - 2;
          if (datalen % 8 !== 0) {
            d.print(' invalid sack');
          } else {
            d.print(` ${datalen / 8} `);
            for (let i = 0; i < datalen; i += 8) {
              lencheck(i + 4);
              let s = d.u32(cp + i);
              lencheck(i + 8);
              let e = d.u32(cp + i + 4);
              const base = rev ? thseq : thack;
              s = (s - base) >>> 0;
              e = (e - base) >>> 0;
              d.print(`{${s}:${e}}`);
            }
          }
          break;
        case 6:
        case 7:
        case 11:
        case 12:
        case 13:
          datalen = 4;
          lencheck(datalen);
          d.print(` ${d.u32(cp)}`);
          break;
        case TcpOptionKind.Timestamps:
          datalen = 8;
          lencheck(datalen);
          d.print(` val ${d.u32(cp)} ecr ${d.u32(cp + 4)}`);
          break;
        case 19: {
          datalen = 16;
          lencheck(datalen);
          // print-tcp.c: tcp_verify_signature() first needs the whole segment, then a secret (-M), never given here.
          let sig = segmentEnd > d.snapend ? " snaplen too short, can't check - " : " shared secret not supplied with -M, can't check - ";
          for (let i = 0; i < 16; i++) sig += hex2(d.u8(cp + i));
          d.print(sig);
          break;
        }
        case 20:
          datalen = 2;
          lencheck(datalen);
          d.print(` cap ${hex2(d.u8(cp))} id ${d.u8(cp + 1)}`);
          break;
        case 29:
          datalen = len - 2;
          if (datalen < 2) {
            d.print(' (invalid)');
          } else {
            lencheck(1);
            d.print(` keyid ${d.u8(cp)}`);
            lencheck(2);
            d.print(` rnextkeyid ${d.u8(cp + 1)}`);
            if (datalen > 2) {
              let mac = ' mac 0x';
              for (let i = 2; i < datalen; i++) {
                lencheck(i + 1);
                mac += hex2(d.u8(cp + i));
              }
              d.print(mac);
            }
          }
          break;
        case 0:
        case 1:
        case 4:
          break;
        case 28: {
          datalen = 2;
          lencheck(datalen);
          let uto = d.u16(cp);
          d.print(` 0x${uto.toString(16)}`);
          uto = uto & 1 ? (uto >> 1) * 60 : uto >> 1;
          d.print(` ${uto}`);
          break;
        }
        case 34:
          datalen = len - 2;
          lencheck(datalen);
          d.print(` ${fastOpen(d, cp, datalen, false)}`);
          break;
        case 254: {
          datalen = len - 2;
          lencheck(datalen);
          if (datalen < 2) throw new BadOption();
          const magic = d.u16(cp);
          d.print('-');
          d.print(magic === 0xf989 ? fastOpen(d, cp + 2, datalen - 2, true) : magic.toString(16).padStart(4, '0'));
          break;
        }
        default: {
          // 30 (MPTCP) has a printer of its own in tcpdump; it is dumped like an unknown option here.
          datalen = len - 2;
          let data = datalen ? ' 0x' : '';
          for (let i = 0; i < datalen; i++) {
            lencheck(i + 1);
            data += hex2(d.u8(cp + i));
          }
          d.print(data);
        }
      }
      cp += datalen;
      hlen -= datalen;
      datalen++;
      if (opt !== TcpOptionKind.EndOfList && opt !== TcpOptionKind.NoOperation) datalen++;
      if (datalen !== len) d.print(`[len ${len}]`);
      separator = ',';
      if (opt === TcpOptionKind.EndOfList) break;
    }
  } catch (e) {
    if (e instanceof OptionTruncated) {
      // An option cut by the capture ends the segment with ` [|tcp]` and `>` after a first option (print-tcp.c: trunc).
      d.printTrunc();
      if (separator !== '') d.print('>');
      return false;
    }
    if (!(e instanceof BadOption)) throw e;
    d.print('[bad opt]');
    if (separator !== '') d.print(']');
    return false;
  }
  d.print(']');
  return true;
}

/**
 * Prints a TCP segment whose IP payload is `length` bytes [RFC 9293]: flags, sequence numbers relative to the
 * conversation's first (unless -S), window, options and payload length; `tcp N` under -q (print-tcp.c: tcp_print()).
 */
export function tcpPrint(d: Dissection, at: number, length: number, ip: IpInfo): void {
  d.protocol = 'tcp';
  const source = d.ipaddr(ip.at + 12);
  const destination = d.ipaddr(ip.at + 16);
  if (!d.has(at + 2, 2)) {
    d.print(`${source} > ${destination}:`);
    d.printTrunc();
    return;
  }
  const sport = d.u16(at);
  const dport = d.u16(at + 2);
  d.print(`${source}.${d.names.tcpport(sport)} > ${destination}.${d.names.tcpport(dport)}: `);
  if (!d.has(at, 20)) {
    d.printTrunc();
    return;
  }
  let hlen = (d.u8(at + 12) >> 4) * 4;
  if (hlen < 20) {
    d.print(` tcp ${(length - hlen) >>> 0} [bad hdr length ${hlen} - too short, < 20]`);
    return;
  }
  let seq = d.u32(at + 4);
  let ack = d.u32(at + 8);
  const win = d.u16(at + 14);
  const urp = d.u16(at + 18);
  if (d.flags.q) {
    d.print(`tcp ${(length - hlen) >>> 0}`);
    if (hlen > length) d.print(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }
  const flags = d.u8(at + 13);
  d.print(`Flags [${FLAG_LETTERS.filter(([bit]) => flags & bit).map(([, letter]) => letter).join('') || 'none'}]`);
  let rev = false;
  let thseq = 0;
  let thack = 0;
  if (!d.flags.S && flags & TcpFlag.Ack) {
    const src = d.u32(ip.at + 12);
    const dst = d.u32(ip.at + 16);
    rev = sport > dport || (sport === dport && src > dst);
    const key = rev ? `${dst}>${src}:${dport}:${sport}` : `${src}>${dst}:${sport}:${dport}`;
    const table = d.tcpState;
    let entry = table.get(key);
    if (entry === undefined || flags & TcpFlag.Syn) {
      entry = rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 };
      table.set(key, entry);
    } else if (rev) {
      seq = (seq - entry.ack) >>> 0;
      ack = (ack - entry.seq) >>> 0;
    } else {
      seq = (seq - entry.seq) >>> 0;
      ack = (ack - entry.ack) >>> 0;
    }
    thseq = entry.seq;
    thack = entry.ack;
  }
  if (hlen > length) {
    d.print(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }
  if (d.flags.v > 0 && !d.flags.K && !ip.fragmented && d.has(at, length)) {
    const field = d.u16(at + 16);
    const check = judgeChecksum(field, sum16(d.bytes, at, at + length, pseudoHeaderSum(ip.source, ip.pseudoDestination, IpProtocol.Tcp, length)));
    d.print(`, cksum 0x${field.toString(16).padStart(4, '0')} ${check.valid ? '(correct)' : `(incorrect -> 0x${check.expected.toString(16).padStart(4, '0')})`}`);
  }
  const payload = length - hlen;
  if (d.flags.v > 1 || payload > 0 || flags & (TcpFlag.Syn | TcpFlag.Fin | TcpFlag.Rst)) {
    d.print(`, seq ${seq}`);
    if (payload > 0) d.print(`:${(seq + payload) >>> 0}`);
  }
  if (flags & TcpFlag.Ack) d.print(`, ack ${ack}`);
  d.print(`, win ${win}`);
  if (flags & TcpFlag.Urg) d.print(`, urg ${urp}`);
  if (hlen > 20) {
    if (!printOptions(d, at + 20, hlen - 20, rev, thseq, thack, at + length)) return;
    hlen = (d.u8(at + 12) >> 4) * 4;
  }
  d.print(`, length ${payload}`);
  if (payload <= 0) return;
  if (!d.has(at, hlen)) {
    d.print(` [remaining caplen(${d.available(at)}) < header length(${hlen})]`);
    d.need(at, hlen);
  }
  if (flags & TcpFlag.Rst && d.flags.v > 0) {
    const data = at + hlen;
    d.print(d.has(data, payload) ? ' [RST' : ' [!RST');
    let n = payload;
    if (n > MAX_RST_DATA_LEN) {
      n = MAX_RST_DATA_LEN;
      d.print('+');
    }
    let text = ' ';
    for (let p = data; n > 0 && p < d.snapend; p++, n--) text += printableChar(d.bytes[p]!);
    d.print(`${text}]`);
  }
}
