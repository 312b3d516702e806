/**
 * `send`: twinnet's own crafted IPv4 probe, one packet (or `count` of them) built field by field, sent by the
 * simulator from the namespace's stack and by the kernel adapter through a raw socket. Syntax (keywords in
 * any order, each at most once):
 *
 *     send [-I DEV] [proto] udp|tcp|icmp [src ADDR] dst ADDR
 *          [sport N] [dport N]            udp and tcp; dport is required for them
 *          [flags S|SA|A|F|FA|R|RA|P|PA…]  tcp only, letters F S R P A U E C; default S
 *          [type N] [code N]              icmp only; default type 8 (echo request), code 0
 *          [ttl N] [tos N] [id N] [df] [option rr|ra]…
 *          [payload TEXT | payload hex:0a0b…] [count N]
 *
 * Without `src` the stack chooses the source address as it would for a socket; without `sport` an ephemeral
 * port is drawn from the seed. `-I DEV` sends out of DEV (SO_BINDTODEVICE).
 */
import type { Ipv4Address } from '../ipv4.ts';
import { ok, type Result } from '../result.ts';
import { type Args, lookupTable, toolError, type Word } from './args.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { inetAton } from './getopt.ts';

const FLAG_BITS = lookupTable({ F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 });

/** Parses `send …` (argv[0] is `send`). */
export function parseSend(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const seen = new Set<string>();
  let iface: string | undefined, protocol: 'udp' | 'tcp' | 'icmp' | undefined, source: Ipv4Address | undefined, destination: Ipv4Address | undefined;
  let sourcePort: number | undefined, destinationPort: number | undefined, tcpFlags: number | undefined, icmpType: number | undefined, icmpCode: number | undefined;
  let ttl: number | undefined, tos: number | undefined, identification: number | undefined, dontFragment = false, payload = new Uint8Array(0), count = 1;
  const ipOptions: ('rr' | 'ra')[] = [];
  let protocolWord: Word | undefined;
  const fail = (w: Word, message: string): Result<never, ScenarioError> => toolError(w.position, `send: ${message}`);
  const num = (w: Word, v: Word | undefined, max: number): Result<number, ScenarioError> => {
    if (!v) return fail(w, `"${w.text}" needs a value`);
    const m = /^(0x[0-9a-fA-F]+|[0-9]+)$/.exec(v.text);
    const n = m ? Number(v.text) : NaN;
    if (!(n >= 0 && n <= max)) return fail(v, `invalid ${w.text} "${v.text}" (0–${max})`);
    return ok(n);
  };
  const addr = (w: Word, v: Word | undefined): Result<Ipv4Address, ScenarioError> => {
    if (!v) return fail(w, `"${w.text}" needs an address`);
    const a = /^[0-9.]+$/.test(v.text) ? inetAton(v.text) : undefined;
    return a === undefined ? fail(v, `invalid address "${v.text}"`) : ok(a);
  };
  while (!args.done) {
    const w = args.next()!;
    let key = w.text;
    if (key === 'proto') {
      const v = args.next();
      if (!v) return fail(w, '"proto" needs udp, tcp or icmp');
      key = v.text;
      if (key !== 'udp' && key !== 'tcp' && key !== 'icmp') return fail(v, `unknown protocol "${v.text}" (udp, tcp or icmp)`);
    }
    const once = key === 'udp' || key === 'tcp' || key === 'icmp' ? 'proto' : key;
    if (once !== 'option' && seen.has(once)) return fail(w, `"${once}" given twice`);
    seen.add(once);
    let r: Result<number, ScenarioError> | undefined;
    switch (key) {
      case '-I': {
        const v = args.next();
        if (!v) return fail(w, '"-I" needs a device');
        iface = v.text;
        break;
      }
      case 'udp': case 'tcp': case 'icmp': protocol = key; protocolWord = w; break;
      case 'src': r = addr(w, args.next()); if (r.ok) source = r.value; break;
      case 'dst': r = addr(w, args.next()); if (r.ok) destination = r.value; break;
      case 'sport': r = num(w, args.next(), 65535); if (r.ok) sourcePort = r.value; break;
      case 'dport': r = num(w, args.next(), 65535); if (r.ok) destinationPort = r.value; break;
      case 'type': r = num(w, args.next(), 255); if (r.ok) icmpType = r.value; break;
      case 'code': r = num(w, args.next(), 255); if (r.ok) icmpCode = r.value; break;
      case 'ttl': r = num(w, args.next(), 255); if (r.ok) ttl = r.value; break;
      case 'tos': r = num(w, args.next(), 255); if (r.ok) tos = r.value; break;
      case 'id': r = num(w, args.next(), 65535); if (r.ok) identification = r.value; break;
      case 'count': r = num(w, args.next(), 1_000_000); if (r.ok) count = r.value; break;
      case 'df': dontFragment = true; break;
      case 'flags': {
        const v = args.next();
        if (!v) return fail(w, '"flags" needs TCP flag letters (F S R P A U E C)');
        let bits = 0;
        for (const c of v.text.toUpperCase()) {
          const b = FLAG_BITS[c];
          if (b === undefined) return fail(v, `unknown TCP flag "${c}" (F S R P A U E C)`);
          bits |= b;
        }
        tcpFlags = bits;
        break;
      }
      case 'option': {
        const v = args.next();
        if (v?.text !== 'rr' && v?.text !== 'ra') return fail(v ?? w, 'IP option must be "rr" (record route) or "ra" (router alert)');
        ipOptions.push(v.text);
        break;
      }
      case 'payload': {
        const v = args.next();
        if (!v) return fail(w, '"payload" needs TEXT or hex:BYTES');
        if (v.text.startsWith('hex:')) {
          const hex = v.text.slice(4);
          if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return fail(v, `invalid hex payload "${v.text}"`);
          payload = Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
        } else {
          payload = new TextEncoder().encode(v.text);
        }
        break;
      }
      default:
        return fail(w, `unknown keyword "${w.text}"`);
    }
    if (r && !r.ok) return r;
  }
  if (!protocol) return fail({ text: '', position: args.end }, 'a protocol is required (udp, tcp or icmp)');
  if (destination === undefined) return fail({ text: '', position: args.end }, '"dst ADDR" is required');
  if (protocol !== 'tcp' && tcpFlags !== undefined) return fail(protocolWord!, '"flags" is for tcp only');
  if (protocol === 'icmp' && (sourcePort !== undefined || destinationPort !== undefined)) return fail(protocolWord!, 'ports are for udp and tcp only');
  if (protocol !== 'icmp' && (icmpType !== undefined || icmpCode !== undefined)) return fail(protocolWord!, '"type" and "code" are for icmp only');
  if (protocol !== 'icmp' && destinationPort === undefined) return fail(protocolWord!, `"dport N" is required for ${protocol}`);
  void tool;
  return ok({
    kind: 'send', interface: iface, protocol, source, destination, sourcePort, destinationPort,
    tcpFlags: protocol === 'tcp' ? (tcpFlags ?? FLAG_BITS.S!) : undefined, icmpType: protocol === 'icmp' ? (icmpType ?? 8) : undefined,
    icmpCode: protocol === 'icmp' ? (icmpCode ?? 0) : undefined, ttl, tos, identification, dontFragment, ipOptions, payload, count,
  });
}
