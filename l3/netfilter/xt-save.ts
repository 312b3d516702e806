import { formatIpv4 } from '../../core/ipv4.ts';
import type { NatRange, PortRange } from '../../core/scenario/index.ts';
import { protocolName } from './names.ts';
import { STATE_BITS, STATE_PRINT_ORDER, type AddressMatch, type XtRuleSpec, type XtTarget } from './xt-rule.ts';
import type { XtChain, XtTable } from './xt-table.ts';

/** `A/len`, as iptables-save prints every address (ipv4_addr_to_string() with FMT_NUMERIC). */
function cidr(a: AddressMatch): string {
  return `${formatIpv4(a.address)}/${a.prefixLength}`;
}

/** The comma list of a state mask in libxt_conntrack's order. */
export function stateList(mask: number): string {
  return STATE_PRINT_ORDER.filter((s) => mask & STATE_BITS[s]).join(',');
}

function ports(r: PortRange): string {
  return r.first === r.last ? `${r.first}` : `${r.first}:${r.last}`;
}

/** `A[-B][:P[-Q]]` of a NAT range (extensions/libxt_NAT.c print_range()). */
export function natRangeText(r: NatRange): string {
  let s = '';
  if (r.firstAddress !== undefined) {
    s += formatIpv4(r.firstAddress);
    if (r.lastAddress !== undefined && r.lastAddress !== r.firstAddress) s += `-${formatIpv4(r.lastAddress)}`;
  }
  if (r.ports) s += `:${r.ports.first}${r.ports.last !== r.ports.first ? `-${r.ports.last}` : ''}`;
  return s;
}

/** xtables_save_string(): the string as is when it is all letters, digits, `_` and `-`, else quoted with `"`, `\` and `'` escaped. */
function quoted(text: string): string {
  if (/^[_\-0-9a-zA-Z]+$/.test(text)) return ` ${text}`;
  return ` "${text.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** The matches' save() output, in load order (tcp_save(), udp_save(), icmp_save(), conntrack/state save). */
function matches(spec: XtRuleSpec): string {
  let s = '';
  for (const m of spec.modules) {
    s += ` -m ${m}`;
    if (m === 'tcp' || m === 'udp') {
      if (spec.sourcePort) s += `${spec.sourcePort.negated ? ' !' : ''} --sport ${ports(spec.sourcePort.value)}`;
      if (spec.destinationPort) s += `${spec.destinationPort.negated ? ' !' : ''} --dport ${ports(spec.destinationPort.value)}`;
      if (m === 'tcp' && spec.syn) s += `${spec.syn.negated ? ' !' : ''} --tcp-flags FIN,SYN,RST,ACK SYN`;
    } else if (m === 'icmp' && spec.icmpType) {
      const t = spec.icmpType.value;
      s += `${spec.icmpType.negated ? ' !' : ''} --icmp-type ${t === 'any' ? 'any' : t.code === undefined ? `${t.type}` : `${t.type}/${t.code}`}`;
    } else if ((m === 'conntrack' || m === 'state') && spec.states) {
      s += `${spec.states.negated ? ' !' : ''} --${m === 'state' ? 'state' : 'ctstate'} ${stateList(spec.states.value)}`;
    }
  }
  return s;
}

/** The target's `-j NAME` and its save() output. */
function target(t: XtTarget): string {
  switch (t.kind) {
    case 'none':
      return '';
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return ` -j ${t.kind}`;
    case 'jump':
      return ` -j ${t.chain}`;
    case 'REJECT':
      return ` -j REJECT --reject-with ${t.rejectWith}`;
    case 'LOG':
      return ` -j LOG${t.prefix !== undefined && t.prefix !== '' ? ` --log-prefix${quoted(t.prefix)}` : ''}${t.level !== 4 ? ` --log-level ${t.level}` : ''}`;
    case 'MASQUERADE': {
      const p = t.toPorts;
      return ` -j MASQUERADE${p ? ` --to-ports ${p.first}${p.last !== p.first ? `-${p.last}` : ''}` : ''}${t.random ? ' --random' : ''}`;
    }
    case 'SNAT':
    case 'DNAT':
      return ` -j ${t.kind} --to-${t.kind === 'SNAT' ? 'source' : 'destination'} ${natRangeText(t.range)}${t.random ? ' --random' : ''}`;
  }
}

/**
 * A rule as iptables -S and iptables-save write it after `-A CHAIN` (nft_ipv4_save_rule()); `counters` (`-S -v`)
 * go between the matches and the target, as save_matches_and_target() prints them.
 */
export function saveRule(spec: XtRuleSpec, counters = ''): string {
  let s = '';
  if (spec.source) s += `${spec.source.negated ? ' !' : ''} -s ${cidr(spec.source)}`;
  if (spec.destination) s += `${spec.destination.negated ? ' !' : ''} -d ${cidr(spec.destination)}`;
  if (spec.inInterface) s += `${spec.inInterface.negated ? ' !' : ''} -i ${spec.inInterface.value}`;
  if (spec.outInterface) s += `${spec.outInterface.negated ? ' !' : ''} -o ${spec.outInterface.value}`;
  if (spec.protocol) {
    const name = spec.protocol.value === 0 ? 'all' : protocolName(spec.protocol.value);
    s += `${spec.protocol.negated ? ' !' : ''} -p ${name ?? spec.protocol.value}`;
  }
  return s + matches(spec) + counters + target(spec.target);
}

/** `iptables -S [CHAIN]` (nft_rule_list_save()): policies, `-N` for user chains, then the rules. */
export function listRules(table: XtTable, chain: XtChain | undefined, verbose: boolean): string {
  const chains = chain ? [chain] : table.listed();
  const counters = (p: number, b: number): string => (verbose ? ` -c ${p} ${b}` : '');
  let out = '';
  for (const c of chains) out += c.hook ? `-P ${c.name} ${c.policy}${counters(c.policyPackets, c.policyBytes)}\n` : `-N ${c.name}\n`;
  for (const c of chains) for (const r of c.rules) out += `-A ${c.name}${saveRule(r.spec, counters(r.packets, r.bytes))}\n`;
  return out;
}

/** ctime(3) in UTC: `Thu Jan  1 00:00:05 1970`. */
export function ctime(secondsSinceEpoch: number): string {
  const d = new Date(secondsSinceEpoch * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * One table as iptables-save writes it (iptables/nft.c nft_chain_save(), nft_rule_save()): the dated header,
 * `*TABLE`, the chains with their policies and counters, the rules (`[pkts:bytes]` first with -c), COMMIT.
 */
export function saveTable(table: XtTable, counters: boolean, date: string): string {
  let out = `# Generated by iptables-save v1.8.9 (nf_tables) on ${date}\n*${table.name}\n`;
  const chains = table.listed();
  for (const c of chains) out += `:${c.name} ${c.hook ? c.policy : '-'} [${c.hook ? c.policyPackets : 0}:${c.hook ? c.policyBytes : 0}]\n`;
  for (const c of chains) for (const r of c.rules) out += `${counters ? `[${r.packets}:${r.bytes}] ` : ''}-A ${c.name}${saveRule(r.spec)}\n`;
  return `${out}COMMIT\n# Completed on ${date}\n`;
}
