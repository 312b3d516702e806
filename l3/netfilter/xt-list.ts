import { formatIpv4 } from '../../core/ipv4.ts';
import type { PortRange } from '../../core/scenario/index.ts';
import { hostName, protocolName, serviceName } from './names.ts';
import { natRangeText, stateList } from './xt-save.ts';
import type { AddressMatch, XtRule, XtRuleSpec, XtTarget } from './xt-rule.ts';
import type { XtChain, XtTable } from './xt-table.ts';

/** The flags of `iptables -L` (the FMT_* format bits of iptables/xshared.h). */
export interface ListFormat {
  /** `-n`: addresses, ports and protocols as numbers. */
  readonly numeric: boolean;
  /** `-v`: counters and interfaces. */
  readonly verbose: boolean;
  /** `-x`: exact counters instead of K/M/G. */
  readonly exact: boolean;
  readonly lineNumbers: boolean;
}

/**
 * xtables_print_num(): a counter, in a column (`%5llu `, or `%8llu ` with -x) or bare (`%llu `) in chain
 * headers; above 99999 (without -x) in thousands with K, M, G, T.
 */
export function printNum(value: number, exact: boolean, table: boolean): string {
  if (exact) return table ? `${String(value).padStart(8)} ` : `${value} `;
  if (value <= 99999) return table ? `${String(value).padStart(5)} ` : `${value} `;
  let n = value;
  for (const unit of ['K', 'M', 'G']) {
    n = Math.floor((n + 500) / 1000);
    if (n <= 9999) return table ? `${String(n).padStart(4)}${unit} ` : `${n}${unit} `;
  }
  n = Math.floor((n + 500) / 1000);
  return table ? `${String(n).padStart(4)}T ` : `${n}T `;
}

/** print_header(): the chain line and the column titles. */
function header(table: XtTable, chain: XtChain, f: ListFormat): string {
  let out = `Chain ${chain.name}`;
  if (chain.hook) {
    out += ` (policy ${chain.policy}`;
    if (f.verbose) out += ` ${printNum(chain.policyPackets, f.exact, false)}packets, ${printNum(chain.policyBytes, f.exact, false)}bytes`;
    out += ')\n';
  } else {
    out += ` (${table.references(chain.name)} references)\n`;
  }
  if (f.lineNumbers) out += 'num  ';
  if (f.verbose) out += f.exact ? '    pkts      bytes ' : ' pkts bytes ';
  out += 'target     prot opt ';
  if (f.verbose) out += 'in     out     ';
  return `${out}source               destination         \n`;
}

function address(a: AddressMatch | undefined, f: ListFormat): string {
  if (!a) return ` ${(f.numeric ? '0.0.0.0/0' : 'anywhere').padEnd(19)} `;
  const host = a.prefixLength === 32 ? (f.numeric ? undefined : hostName(a.address)) : undefined;
  const text = host ?? (a.prefixLength === 32 ? formatIpv4(a.address) : `${formatIpv4(a.address)}/${a.prefixLength}`);
  return `${a.negated ? '!' : ' '}${text.padEnd(19)} `;
}

function port(p: number, protocol: 'tcp' | 'udp', numeric: boolean): string {
  return (numeric ? undefined : serviceName(p, protocol)) ?? `${p}`;
}

/** print_ports() of libxt_tcp/libxt_udp. */
function ports(name: string, range: { value: PortRange; negated: boolean } | undefined, protocol: 'tcp' | 'udp', numeric: boolean): string {
  if (!range) return '';
  const inv = range.negated ? '!' : '';
  const { first, last } = range.value;
  if (first === last) return ` ${name}:${inv}${port(first, protocol, numeric)}`;
  return ` ${name}s:${inv}${port(first, protocol, numeric)}:${port(last, protocol, numeric)}`;
}

/** libxt_icmp's icmp_codes: name, type, code range. */
const ICMP_CODES: readonly [string, number, number, number][] = [
  ['any', 0xff, 0, 0xff], ['echo-reply', 0, 0, 0xff], ['destination-unreachable', 3, 0, 0xff], ['network-unreachable', 3, 0, 0],
  ['host-unreachable', 3, 1, 1], ['protocol-unreachable', 3, 2, 2], ['port-unreachable', 3, 3, 3], ['fragmentation-needed', 3, 4, 4],
  ['source-route-failed', 3, 5, 5], ['network-unknown', 3, 6, 6], ['host-unknown', 3, 7, 7], ['network-prohibited', 3, 9, 9],
  ['host-prohibited', 3, 10, 10], ['TOS-network-unreachable', 3, 11, 11], ['TOS-host-unreachable', 3, 12, 12],
  ['communication-prohibited', 3, 13, 13], ['host-precedence-violation', 3, 14, 14], ['precedence-cutoff', 3, 15, 15],
  ['source-quench', 4, 0, 0xff], ['redirect', 5, 0, 0xff], ['network-redirect', 5, 0, 0], ['host-redirect', 5, 1, 1],
  ['TOS-network-redirect', 5, 2, 2], ['TOS-host-redirect', 5, 3, 3], ['echo-request', 8, 0, 0xff], ['router-advertisement', 9, 0, 0xff],
  ['router-solicitation', 10, 0, 0xff], ['time-exceeded', 11, 0, 0xff], ['ttl-zero-during-transit', 11, 0, 0],
  ['ttl-zero-during-reassembly', 11, 1, 1], ['parameter-problem', 12, 0, 0xff], ['ip-header-bad', 12, 0, 0],
  ['required-option-missing', 12, 1, 1], ['timestamp-request', 13, 0, 0xff], ['timestamp-reply', 14, 0, 0xff],
  ['address-mask-request', 17, 0, 0xff], ['address-mask-reply', 18, 0, 0xff],
];

/** print_icmptype() (with its missing space before "type" in numeric mode, as iptables 1.8.9 prints it). */
function icmpType(spec: NonNullable<XtRuleSpec['icmpType']>, numeric: boolean): string {
  const v = spec.value;
  const [type, min, max] = v === 'any' ? [0xff, 0, 0xff] : [v.type, v.code ?? 0, v.code ?? 0xff];
  if (!numeric) {
    const hit = ICMP_CODES.find((c) => c[1] === type && c[2] === min && c[3] === max);
    if (hit) return ` ${spec.negated ? '!' : ''}${hit[0]}`;
  }
  let s = spec.negated ? ' !' : '';
  s += `type ${type}`;
  if (min === max) s += ` code ${min}`;
  else if (min !== 0 || max !== 0xff) s += ` codes ${min}-${max}`;
  return s;
}

const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

/** The matches' and target's print() output. */
function details(spec: XtRuleSpec, numeric: boolean): string {
  let s = '';
  for (const m of spec.modules) {
    if (m === 'tcp' || m === 'udp') {
      s += ` ${m}${ports('spt', spec.sourcePort, m, numeric)}${ports('dpt', spec.destinationPort, m, numeric)}`;
      if (m === 'tcp' && spec.syn) s += ` flags:${spec.syn.negated ? '!' : ''}${numeric ? '0x17/0x02' : 'FIN,SYN,RST,ACK/SYN'}`;
    } else if (m === 'icmp') {
      s += ' icmp';
      if (spec.icmpType) s += icmpType(spec.icmpType, numeric);
    } else if ((m === 'conntrack' || m === 'state') && spec.states) {
      s += `${spec.states.negated ? ' !' : ''} ${m === 'state' ? 'state' : 'ctstate'} ${stateList(spec.states.value)}`;
    }
  }
  return s + targetDetails(spec.target, numeric);
}

function targetDetails(t: XtTarget, numeric: boolean): string {
  switch (t.kind) {
    case 'REJECT':
      return ` reject-with ${t.rejectWith}`;
    case 'LOG': {
      let s = numeric ? ` LOG flags 0 level ${t.level}` : ` LOG level ${LEVEL_NAMES[t.level]}`;
      if (t.prefix !== undefined && t.prefix !== '') s += ` prefix "${t.prefix}"`;
      return s;
    }
    case 'MASQUERADE': {
      let s = '';
      if (t.toPorts) s += ` masq ports: ${t.toPorts.first}${t.toPorts.last !== t.toPorts.first ? `-${t.toPorts.last}` : ''}`;
      return t.random ? `${s} random` : s;
    }
    case 'SNAT':
    case 'DNAT':
      return ` to:${natRangeText(t.range)}${t.random ? ' random' : ''}`;
    default:
      return '';
  }
}

/** The target column: the verdict, the target extension or the chain jumped to. */
function targetName(t: XtTarget): string {
  return t.kind === 'none' ? '' : t.kind === 'jump' ? t.chain : t.kind;
}

/** One rule line of `iptables -L` (nft_ipv4_print_rule()). */
function ruleLine(rule: XtRule, n: number, f: ListFormat): string {
  const spec = rule.spec;
  let out = f.lineNumbers ? `${String(n).padEnd(4)} ` : '';
  if (f.verbose) out += printNum(rule.packets, f.exact, true) + printNum(rule.bytes, f.exact, true);
  out += `${targetName(spec.target).padEnd(9)} `;
  const p = spec.protocol;
  out += p?.negated ? '!' : ' ';
  const number = p?.value ?? 0;
  out += (f.numeric || number === 0 ? (f.numeric ? `${number}` : 'all') : (protocolName(number) ?? `${number}`)).padEnd(5);
  out += '-- ';
  if (f.verbose) {
    const iface = (i: XtRuleSpec['inInterface']): string => `${i?.negated ? '!' : ''}${i ? i.value : f.numeric ? '*' : 'any'}`;
    out += ` ${iface(spec.inInterface).padEnd(6)} ${iface(spec.outInterface).padEnd(6)} `;
  }
  out += address(spec.source, f) + address(spec.destination, f);
  return `${out}${details(spec, f.numeric)}\n`;
}

/** `iptables -L [CHAIN] [-n] [-v] [-x] [--line-numbers]` (nft_rule_list()): each chain, a blank line between. */
export function listChains(table: XtTable, chain: XtChain | undefined, f: ListFormat): string {
  const chains = chain ? [chain] : table.listed();
  return chains.map((c) => header(table, c, f) + c.rules.map((r, i) => ruleLine(r, i + 1, f)).join('')).join('\n');
}
