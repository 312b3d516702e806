/**
 * The part of libpcap's filter language (pcap-filter(7)) that scenarios use, parsed into a typed expression
 * the simulator can evaluate: protocols, `host`, `net`, `port`, `portrange`, `ether host|src|dst`,
 * `broadcast`, `multicast`, with `src`/`dst` qualifiers, `and`/`or`/`not` (`&&`, `||`, `!`) and parentheses.
 * Errors use tcpdump's words ("can't parse filter expression: syntax error").
 */
import type { Ipv4Address, Ipv4Cidr } from '../ipv4.ts';
import { parseIpv4 } from '../ipv4.ts';
import type { MacAddress } from '../mac.ts';
import { parseMac } from '../mac.ts';
import { err, ok, type Result } from '../result.ts';

/** Which address of a packet a primitive tests. */
export type FilterDirection = 'src' | 'dst' | 'src or dst' | 'src and dst';

/** A parsed capture filter. */
export type CaptureFilter =
  | { readonly kind: 'and' | 'or'; readonly left: CaptureFilter; readonly right: CaptureFilter }
  | { readonly kind: 'not'; readonly operand: CaptureFilter }
  | { readonly kind: 'protocol'; readonly protocol: 'arp' | 'ip' | 'icmp' | 'tcp' | 'udp' | 'igmp' }
  | { readonly kind: 'host'; readonly direction: FilterDirection; readonly address: Ipv4Address; readonly protocol: 'ip' | 'arp' | undefined }
  | { readonly kind: 'net'; readonly direction: FilterDirection; readonly network: Ipv4Cidr }
  | { readonly kind: 'port'; readonly direction: FilterDirection; readonly first: number; readonly last: number; readonly protocol: 'tcp' | 'udp' | undefined }
  | { readonly kind: 'ether'; readonly direction: FilterDirection; readonly address: MacAddress }
  | { readonly kind: 'broadcast' | 'multicast'; readonly layer: 'ether' | 'ip' };

/** Why a filter could not be parsed, in tcpdump's words (without the `tcpdump: ` prefix). */
export interface FilterError {
  readonly message: string;
  readonly unsupported: boolean;
}

const SYNTAX = "can't parse filter expression: syntax error";
const PROTOCOLS = new Set(['arp', 'ip', 'icmp', 'tcp', 'udp', 'igmp']);
const UNMODELLED = new Set(['ip6', 'icmp6', 'rarp', 'vlan', 'mpls', 'sctp', 'gateway', 'less', 'greater', 'len', 'proto', 'wlan', 'type', 'subtype', 'inbound', 'outbound', 'ifname', 'on', 'rnr', 'rulenum', 'reason', 'rset', 'srnr', 'subrulenum', 'action', 'atalk', 'aarp', 'decnet', 'iso', 'stp', 'ipx', 'netbeui', 'lat', 'moprc', 'mopdl', 'pppoed', 'pppoes', 'geneve', 'llc', 'protochain', 'tcpflags', 'icmptype']);

/** Splits as pcap's lexer does: parentheses, `!`, `&&`, `||` stand alone. */
function tokenize(text: string): string[] {
  return text.replace(/(\(|\)|&&|\|\||!=|!|\[|\])/g, ' $1 ').split(/\s+/).filter((t) => t.length > 0);
}

/** Parses a filter (tcpdump's arguments joined by spaces). */
export function parseCaptureFilter(text: string): Result<CaptureFilter, FilterError> {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const fail = (message = SYNTAX, unsupported = false): Result<never, FilterError> => err({ message, unsupported });

  // pcap-filter(7): "Alternation and concatenation have equal precedence and associate left to right."
  const orExpr = (): Result<CaptureFilter, FilterError> => {
    let left = notExpr();
    for (;;) {
      if (!left.ok) return left;
      const t = peek();
      const kind = t === 'or' || t === '||' ? 'or' : t === 'and' || t === '&&' ? 'and' : undefined;
      if (!kind) return left;
      i++;
      const right = notExpr();
      if (!right.ok) return right;
      left = ok({ kind, left: left.value, right: right.value });
    }
  };
  const notExpr = (): Result<CaptureFilter, FilterError> => {
    if (peek() === 'not' || peek() === '!') {
      i++;
      const operand = notExpr();
      return operand.ok ? ok({ kind: 'not', operand: operand.value }) : operand;
    }
    if (peek() === '(') {
      i++;
      const inner = orExpr();
      if (!inner.ok) return inner;
      if (peek() !== ')') return fail();
      i++;
      return inner;
    }
    return primitive();
  };
  const direction = (): FilterDirection | undefined => {
    const t = peek();
    if (t !== 'src' && t !== 'dst') return undefined;
    i++;
    if ((peek() === 'or' || peek() === 'and') && (tokens[i + 1] === 'src' || tokens[i + 1] === 'dst') && tokens[i + 1] !== t) {
      const joined = `src ${peek()} dst` as FilterDirection;
      i += 2;
      return joined;
    }
    return t;
  };
  const primitive = (): Result<CaptureFilter, FilterError> => {
    let t = peek();
    if (t === undefined || t === ')' || t === 'and' || t === 'or' || t === '&&' || t === '||') return fail();
    if (UNMODELLED.has(t)) return fail(`filter primitive "${t}" is not modelled by twinnet`, true);
    let proto: string | undefined;
    if (PROTOCOLS.has(t) || t === 'ether') {
      proto = t;
      i++;
      t = peek();
      const qualified = t === 'src' || t === 'dst' || t === 'host' || t === 'net' || t === 'port' || t === 'portrange' || t === 'broadcast' || t === 'multicast';
      if (!qualified) {
        if (proto === 'ether') return fail();
        return ok({ kind: 'protocol', protocol: proto as 'arp' });
      }
    }
    if (t === 'broadcast' || t === 'multicast') {
      i++;
      if (proto !== undefined && proto !== 'ether' && proto !== 'ip') return fail();
      return ok({ kind: t, layer: proto === 'ip' ? 'ip' : 'ether' });
    }
    const given = direction();
    const dir = given ?? 'src or dst';
    let keyword = peek();
    if (keyword === undefined) return fail();
    if (keyword === 'host' || keyword === 'net' || keyword === 'port' || keyword === 'portrange') i++;
    else if (given === undefined && proto === undefined) return fail();
    else keyword = 'host';
    const value = tokens[i++];
    if (value === undefined || value === ')' || value === '(') return fail();
    if (proto === 'ether') {
      if (keyword !== 'host') return fail();
      const mac = parseMac(value);
      if (!mac.ok) return fail(`invalid ethernet address '${value}'`);
      return ok({ kind: 'ether', direction: dir, address: mac.value });
    }
    if (keyword === 'host') {
      if (proto === 'tcp' || proto === 'udp' || proto === 'icmp' || proto === 'igmp') return fail(`'${proto}' modifier applied to host`);
      if (!/^[0-9.]+$/.test(value)) return fail(`unknown host '${value}'`);
      const a = parseIpv4(value);
      if (!a.ok) return fail(`invalid IPv4 address '${value}'`);
      return ok({ kind: 'host', direction: dir, address: a.value, protocol: proto as 'ip' | 'arp' | undefined });
    }
    if (keyword === 'net') {
      const [addr, len] = value.split('/', 2) as [string, string | undefined];
      const a = parseIpv4(addr);
      if (!a.ok) return fail(`can't parse filter expression: invalid IPv4 address '${addr}'`);
      const prefixLength = len === undefined ? 32 : Number(len);
      if (!/^[0-9]+$/.test(len ?? '32') || prefixLength > 32) return fail(`can't parse filter expression: mask length must be <= 32`);
      return ok({ kind: 'net', direction: dir, network: { address: a.value, prefixLength } });
    }
    if (proto !== undefined && proto !== 'tcp' && proto !== 'udp') return fail(`'${proto}' modifier applied to ${keyword}`);
    const [a, b] = keyword === 'portrange' ? (value.split('-', 2) as [string, string | undefined]) : [value, value];
    for (const p of [a, b]) {
      if (p === undefined || !/^[0-9]+$/.test(p)) return fail(/^[0-9]/.test(p ?? '') ? SYNTAX : `can't parse filter expression: unknown port '${p ?? ''}'`, false);
      if (Number(p) > 65535) return fail(`illegal port number ${p} > 65535`);
    }
    return ok({ kind: 'port', direction: dir, first: Math.min(Number(a), Number(b)), last: Math.max(Number(a), Number(b)), protocol: proto as 'tcp' | 'udp' | undefined });
  };

  const expr = orExpr();
  if (!expr.ok) return expr;
  if (i < tokens.length) return fail();
  return expr;
}
