import { prefixMask, type Ipv4Address } from '../../core/ipv4.ts';
import type { ConntrackState, IptablesRule, IptablesTarget, NatRange, PortRange } from '../../core/scenario/index.ts';

/** A value and its `!`. */
export interface Inverted<T> {
  readonly value: T;
  readonly negated: boolean;
}

/** An address match after iptables' parsing: the address already masked (`-s 10.1.2.3/8` is `10.0.0.0/8`). */
export interface AddressMatch {
  readonly address: Ipv4Address;
  readonly prefixLength: number;
  readonly negated: boolean;
}

/** The ctstate/state bits of net/netfilter/xt_conntrack.h (XT_CONNTRACK_STATE_BIT(ctinfo) = 1 << (ctinfo + 1)). */
export const STATE_BITS: Readonly<Record<ConntrackState, number>> = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  UNTRACKED: 1 << 10,
  SNAT: 1 << 8,
  DNAT: 1 << 9,
};

/** The order in which libxt_conntrack prints states (conntrack_print_states()). */
export const STATE_PRINT_ORDER: readonly ConntrackState[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

/** A rule's target after parsing, with the defaults iptables fills in (REJECT's type, LOG's level 4). */
export type XtTarget =
  | { readonly kind: 'none' }
  | { readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' }
  | { readonly kind: 'REJECT'; readonly rejectWith: string }
  | { readonly kind: 'LOG'; readonly prefix: string | undefined; readonly level: number }
  | { readonly kind: 'MASQUERADE'; readonly toPorts: PortRange | undefined; readonly random: boolean }
  | { readonly kind: 'SNAT' | 'DNAT'; readonly range: NatRange; readonly random: boolean }
  | { readonly kind: 'jump'; readonly chain: string };

/**
 * One rule as the kernel holds it (struct ipt_entry and its matches, as iptables-nft reads it back): addresses
 * masked, the protocol as a number (0 = any), the matches in the order they were loaded, the target.
 */
export interface XtRuleSpec {
  readonly source: AddressMatch | undefined;
  readonly destination: AddressMatch | undefined;
  readonly protocol: Inverted<number> | undefined;
  readonly inInterface: Inverted<string> | undefined;
  readonly outInterface: Inverted<string> | undefined;
  readonly sourcePort: Inverted<PortRange> | undefined;
  readonly destinationPort: Inverted<PortRange> | undefined;
  /** `--syn`: the TCP flags FIN,SYN,RST,ACK must be exactly SYN. */
  readonly syn: Inverted<true> | undefined;
  readonly icmpType: Inverted<{ readonly type: number; readonly code: number | undefined } | 'any'> | undefined;
  /** `-m conntrack --ctstate` or `-m state --state`: a mask of STATE_BITS. */
  readonly states: (Inverted<number> & { readonly module: 'conntrack' | 'state' }) | undefined;
  /** The matches in load order (`tcp`, `udp`, `icmp`, `conntrack`, `state`), as `iptables -S` prints `-m`. */
  readonly modules: readonly string[];
  readonly target: XtTarget;
}

/** A rule in a chain: its spec and its counters (struct xt_counters: packets, and bytes of the IP datagrams). */
export interface XtRule {
  readonly spec: XtRuleSpec;
  packets: number;
  bytes: number;
}

/** IP protocol numbers of the names `-p` takes (xtables_parse_protocol()). */
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { all: 0, tcp: 6, udp: 17, icmp: 1 };

/** syslog levels by the names `--log-level` takes (extensions/libxt_LOG.c log_names), and the digits. */
const LOG_LEVELS: Readonly<Record<string, number>> = {
  emerg: 0, panic: 0, alert: 1, crit: 2, err: 3, error: 3, warn: 4, warning: 4, notice: 5, info: 6, debug: 7,
};

/** `--log-level` as a number, or undefined when iptables would refuse it. */
export function logLevel(text: string | undefined): number | undefined {
  if (text === undefined) return 4;
  if (/^[0-7]$/.test(text)) return Number(text);
  return Object.hasOwn(LOG_LEVELS, text) ? LOG_LEVELS[text] : undefined;
}

function target(t: IptablesTarget | undefined, level: number): XtTarget {
  if (!t) return { kind: 'none' };
  switch (t.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return { kind: t.kind };
    case 'REJECT':
      return { kind: 'REJECT', rejectWith: t.rejectWith };
    case 'LOG':
      // The kernel's prefix holds 29 characters; iptables-nft cuts a longer one (measured).
      return { kind: 'LOG', prefix: t.prefix?.slice(0, 29), level };
    case 'MASQUERADE':
      return { kind: 'MASQUERADE', toPorts: t.toPorts, random: t.random };
    case 'SNAT':
      return { kind: 'SNAT', range: t.toSource, random: t.random };
    case 'DNAT':
      return { kind: 'DNAT', range: t.toDestination, random: t.random };
    case 'jump':
      return { kind: 'jump', chain: t.chain };
  }
}

function address(a: IptablesRule['source']): AddressMatch | undefined {
  if (!a) return undefined;
  // xtables_ipparse_any() masks the address; `-s 0.0.0.0/0` is no match at all.
  if (a.value.prefixLength === 0 && !a.negated) return undefined;
  return { address: (a.value.address & prefixMask(a.value.prefixLength)) >>> 0, prefixLength: a.value.prefixLength, negated: a.negated };
}

/**
 * The rule the kernel stores for a parsed `iptables` rule (iptables/xshared.c, the extensions' final checks):
 * addresses masked, `-p all` dropped, states as a bit mask, REJECT and LOG defaults filled in. `level` is
 * LOG's level already checked with logLevel().
 */
export function normaliseRule(rule: IptablesRule, level = 4): XtRuleSpec {
  const p = rule.protocol;
  const protocol = p === undefined ? undefined : { value: typeof p.value === 'number' ? p.value : PROTOCOL_NUMBERS[p.value]!, negated: p.negated };
  const states = rule.states
    ? { value: rule.states.value.reduce((m, s) => m | STATE_BITS[s], 0), negated: rule.states.negated, module: rule.matches.includes('state') && !rule.matches.includes('conntrack') ? ('state' as const) : ('conntrack' as const) }
    : undefined;
  return {
    source: address(rule.source),
    destination: address(rule.destination),
    protocol: protocol && protocol.value === 0 && !protocol.negated ? undefined : protocol,
    inInterface: rule.inInterface,
    outInterface: rule.outInterface,
    sourcePort: rule.sourcePort,
    destinationPort: rule.destinationPort,
    syn: rule.syn,
    icmpType: rule.icmpType,
    states,
    modules: rule.matches,
    target: target(rule.target, level),
  };
}

/** Whether two rules are the same for `iptables -D CHAIN RULE` (nft_rule_cmp(): every field and match equal). */
export function sameRule(a: XtRuleSpec, b: XtRuleSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(spec: XtRuleSpec): string {
  return JSON.stringify(spec, (_key, value: unknown) => (value === undefined ? null : value));
}

/** Whether a target is a NAT target or the rule has a conntrack match: either makes the namespace track connections (nf_ct_netns_get()). */
export function needsConntrack(spec: XtRuleSpec): boolean {
  const t = spec.target.kind;
  return spec.states !== undefined || t === 'MASQUERADE' || t === 'SNAT' || t === 'DNAT';
}
