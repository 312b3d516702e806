/**
 * `iptables …` as iptables 1.8.9 (nf_tables) reads it (iptables/xshared.c do_parse(), xtables getopt_long with
 * options registered by `-p`/`-m`/`-j`), into a structured rule. Messages are iptables' own first line.
 */
import type { Ipv4Address, Ipv4Cidr } from '../ipv4.ts';
import { parseIpv4 } from '../ipv4.ts';
import { ok, type Result } from '../result.ts';
import { type Args, lookupTable, toolError, unsupportedError, type Word } from './args.ts';
import type { CommandBody, IptablesCommand } from './commands.ts';
import type { ScenarioError } from './error.ts';

/** A match value with its `!`. */
export interface Negatable<T> {
  readonly value: T;
  readonly negated: boolean;
}

/** `N` or `N:M` (ports), inclusive. */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** `[A[-B]][:P[-Q]]` of `--to-source`/`--to-destination` (no address: the packet's own is kept, `:8080`). */
export interface NatRange {
  readonly firstAddress: Ipv4Address | undefined;
  readonly lastAddress: Ipv4Address | undefined;
  readonly ports: PortRange | undefined;
}

/** Connection tracking states of `--ctstate`/`--state` (net/netfilter/xt_conntrack.c, xt_state.c). */
export type ConntrackState = 'INVALID' | 'NEW' | 'ESTABLISHED' | 'RELATED' | 'UNTRACKED' | 'SNAT' | 'DNAT';

/** A rule's target and its options. */
export type IptablesTarget =
  | { readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' }
  | { readonly kind: 'REJECT'; readonly rejectWith: string }
  | { readonly kind: 'LOG'; readonly prefix: string | undefined; readonly level: string | undefined }
  | { readonly kind: 'MASQUERADE'; readonly toPorts: PortRange | undefined; readonly random: boolean }
  | { readonly kind: 'SNAT'; readonly toSource: NatRange; readonly random: boolean }
  | { readonly kind: 'DNAT'; readonly toDestination: NatRange; readonly random: boolean }
  | { readonly kind: 'jump'; readonly chain: string };

/** A rule: its matches (each possibly negated) and target. */
export interface IptablesRule {
  readonly source: Negatable<Ipv4Cidr> | undefined;
  readonly destination: Negatable<Ipv4Cidr> | undefined;
  /** `tcp`, `udp`, `icmp`, `all`, or an IP protocol number. */
  readonly protocol: Negatable<'tcp' | 'udp' | 'icmp' | 'all' | number> | undefined;
  readonly inInterface: Negatable<string> | undefined;
  readonly outInterface: Negatable<string> | undefined;
  readonly sourcePort: Negatable<PortRange> | undefined;
  readonly destinationPort: Negatable<PortRange> | undefined;
  /** `--syn`: SYN set, ACK/RST/FIN clear. */
  readonly syn: Negatable<true> | undefined;
  readonly icmpType: Negatable<{ readonly type: number; readonly code: number | undefined } | 'any'> | undefined;
  /** From `-m conntrack --ctstate` or `-m state --state`. */
  readonly states: Negatable<readonly ConntrackState[]> | undefined;
  /** The `-m` modules given, in order. */
  readonly modules: readonly string[];
  /**
   * Every match the rule loads, in load order: the `-m` modules and the protocol's own match where its first
   * option appears (`-p tcp --dport 22` loads `tcp`), as `iptables -S` prints them with `-m`.
   */
  readonly matches: readonly string[];
  readonly target: IptablesTarget | undefined;
}

const PREFIX = 'iptables v1.8.9 (nf_tables): ';
const BUILTIN: Record<'filter' | 'nat', readonly string[]> = { filter: ['INPUT', 'FORWARD', 'OUTPUT'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] };
const SERVICES = lookupTable<number>({ ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, ntp: 123, https: 443 });
const ICMP_TYPES = lookupTable<[number, number | undefined] | 'any'>({
  any: 'any', 'echo-reply': [0, undefined], pong: [0, undefined], 'destination-unreachable': [3, undefined], 'network-unreachable': [3, 0],
  'host-unreachable': [3, 1], 'protocol-unreachable': [3, 2], 'port-unreachable': [3, 3], 'fragmentation-needed': [3, 4],
  'source-quench': [4, undefined], redirect: [5, undefined], 'echo-request': [8, undefined], ping: [8, undefined],
  'time-exceeded': [11, undefined], 'ttl-exceeded': [11, 0], 'ttl-zero-during-transit': [11, 0], 'parameter-problem': [12, undefined],
  'timestamp-request': [13, undefined], 'timestamp-reply': [14, undefined],
});
const REJECT_TYPES = lookupTable<string>({
  'icmp-net-unreachable': 'icmp-net-unreachable', 'net-unreach': 'icmp-net-unreachable', 'icmp-host-unreachable': 'icmp-host-unreachable',
  'host-unreach': 'icmp-host-unreachable', 'icmp-proto-unreachable': 'icmp-proto-unreachable', 'proto-unreach': 'icmp-proto-unreachable',
  'icmp-port-unreachable': 'icmp-port-unreachable', 'port-unreach': 'icmp-port-unreachable', 'icmp-net-prohibited': 'icmp-net-prohibited',
  'net-prohib': 'icmp-net-prohibited', 'icmp-host-prohibited': 'icmp-host-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'icmp-admin-prohibited': 'icmp-admin-prohibited', 'admin-prohib': 'icmp-admin-prohibited', 'tcp-reset': 'tcp-reset', 'tcp-rst': 'tcp-reset',
});
/** Target extensions iptables has but twinnet does not model. */
const OTHER_TARGETS = new Set(['REDIRECT', 'MARK', 'CONNMARK', 'TCPMSS', 'NOTRACK', 'CT', 'TEE', 'NFLOG', 'NFQUEUE', 'TRACE', 'TPROXY', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'ULOG', 'NETMAP', 'SECMARK', 'CONNSECMARK', 'AUDIT', 'CHECKSUM', 'IDLETIMER', 'LED', 'SET', 'SYNPROXY', 'HMARK', 'RATEEST', 'CLUSTERIP', 'ECN', 'MIRROR', 'SAME']);

type Cmd = 'A' | 'I' | 'D' | 'R' | 'F' | 'X' | 'N' | 'P' | 'Z' | 'S' | 'L';
const COMMAND_LONG: Record<string, Cmd> = { append: 'A', insert: 'I', delete: 'D', replace: 'R', flush: 'F', 'delete-chain': 'X', 'new-chain': 'N', policy: 'P', zero: 'Z', 'list-rules': 'S', list: 'L' };
/** Long options always known: name → short letter or a name of our own. */
const BASE_LONG = lookupTable<string>({
  ...Object.fromEntries(Object.entries(COMMAND_LONG)), table: 't', source: 's', src: 's', destination: 'd', dst: 'd', protocol: 'p',
  'in-interface': 'i', 'out-interface': 'o', jump: 'j', match: 'm', numeric: 'n', verbose: 'v', exact: 'x', 'line-numbers': 'line-numbers',
  wait: 'w', goto: 'g', check: 'C', 'rename-chain': 'E', fragment: 'f', 'set-counters': 'c', ipv4: '4', ipv6: '6', help: 'h', version: 'V',
});
const SHORT_WITH_ARG = new Set(['t', 's', 'd', 'p', 'i', 'o', 'j', 'm', 'g', 'A', 'I', 'D', 'R', 'N', 'P', 'C', 'E', 'c']);
const SHORT_NO_ARG = new Set(['n', 'v', 'x', 'w', 'f', '4', '6', 'h', 'V', 'F', 'X', 'Z', 'S', 'L']);
/** Long options whose argument is a separate word. */
const LONG_WITH_ARG = new Set(['table', 'source', 'src', 'destination', 'dst', 'protocol', 'in-interface', 'out-interface', 'jump', 'match', 'goto', 'append', 'insert', 'delete', 'replace', 'new-chain', 'policy', 'check', 'rename-chain', 'set-counters',
  'sport', 'source-port', 'dport', 'destination-port', 'icmp-type', 'ctstate', 'state', 'reject-with', 'log-prefix', 'log-level', 'to-ports', 'to-source', 'to-destination', 'tcp-flags', 'comment', 'ctproto', 'ctorigsrc', 'ctorigdst']);

/** xtables_ipparse_any(): `A`, `A/len` or `A/mask`. */
function hostNetwork(word: Word): Result<Ipv4Cidr, ScenarioError> {
  const [host, mask] = word.text.split('/', 2) as [string, string | undefined];
  const address = parseIpv4(host);
  if (!address.ok) return toolError(word.position, `${PREFIX}host/network \`${host}' not found`);
  if (mask === undefined) return ok({ address: address.value, prefixLength: 32 });
  if (/^[0-9]+$/.test(mask)) {
    const n = Number(mask);
    if (n > 32) return toolError(word.position, `${PREFIX}invalid mask \`${mask}' specified`);
    return ok({ address: address.value, prefixLength: n });
  }
  const dotted = parseIpv4(mask);
  if (dotted.ok) {
    const bits = dotted.value.toString(2).padStart(32, '0');
    if (/^1*0*$/.test(bits)) return ok({ address: address.value, prefixLength: bits.indexOf('0') < 0 ? 32 : bits.indexOf('0') });
  }
  return toolError(word.position, `${PREFIX}invalid mask \`${mask}' specified`);
}

/** xtables_parse_port() / parse_port_range(): `P`, `P:Q`, `:Q`, `P:`, or a service name. */
function portRange(word: Word): Result<PortRange, ScenarioError> {
  const port = (t: string): number | undefined => (/^[0-9]+$/.test(t) ? (Number(t) <= 65535 ? Number(t) : undefined) : SERVICES[t]);
  const colon = word.text.indexOf(':');
  const a = colon < 0 ? word.text : word.text.slice(0, colon);
  const b = colon < 0 ? a : word.text.slice(colon + 1);
  const first = a === '' && colon >= 0 ? 0 : port(a);
  const last = b === '' && colon >= 0 ? 65535 : port(b);
  const bad = first === undefined ? a : b;
  if (first === undefined || last === undefined) return toolError(word.position, `${PREFIX}invalid port/service \`${bad}' specified`);
  return ok(first <= last ? { first, last } : { first: last, last: first });
}

/** `A[-B][:P[-Q]]` (extensions/libxt_NAT.c parse_to()). */
function natRange(word: Word, target: string, hasPorts: boolean): Result<NatRange, ScenarioError> {
  const [addresses, ports] = word.text.split(':', 2) as [string, string | undefined];
  const [a, b] = addresses.split('-', 2) as [string, string | undefined];
  // parse_to() takes the address part as optional: `--to-destination :8080` changes the port only.
  if (a === '' && b === undefined && ports !== undefined) {
    const r = natRange({ text: `0.0.0.0:${ports}`, position: word.position }, target, hasPorts);
    return r.ok ? ok({ ...r.value, firstAddress: undefined, lastAddress: undefined }) : r;
  }
  const first = parseIpv4(a);
  if (!first.ok) return toolError(word.position, `${PREFIX}Bad IP address "${a}"`);
  const last = b === undefined ? first : parseIpv4(b);
  if (!last.ok) return toolError(word.position, `${PREFIX}Bad IP address "${b}"`);
  let range: PortRange | undefined;
  if (ports !== undefined) {
    if (!hasPorts) return toolError(word.position, `${PREFIX}Need TCP, UDP, SCTP or DCCP with port specification`);
    const [p, q] = ports.split('-', 2) as [string, string | undefined];
    const pn = /^[0-9]+$/.test(p) ? Number(p) : NaN;
    const qn = q === undefined ? pn : /^[0-9]+$/.test(q) ? Number(q) : NaN;
    if (!(pn >= 0 && pn <= 65535 && qn >= pn && qn <= 65535)) return toolError(word.position, `${PREFIX}Port \`${ports}' not valid`);
    range = { first: pn, last: qn };
  }
  void target;
  return ok({ firstAddress: first.value, lastAddress: last.value, ports: range });
}

/** Parses `iptables …` (argv[0] is `iptables`). */
export function parseIptables(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  let table: 'filter' | 'nat' = 'filter';
  let command: { cmd: Cmd; word: Word; chain?: Word } | undefined;
  const positional: Word[] = [];
  let numeric = false, verbose = false, exact = false, lineNumbers = false;
  let source: Negatable<Ipv4Cidr> | undefined, destination: Negatable<Ipv4Cidr> | undefined;
  let protocol: IptablesRule['protocol'];
  let inInterface: Negatable<string> | undefined, outInterface: Negatable<string> | undefined;
  let sourcePort: Negatable<PortRange> | undefined, destinationPort: Negatable<PortRange> | undefined;
  let syn: Negatable<true> | undefined;
  let icmpType: IptablesRule['icmpType'];
  let states: Negatable<readonly ConntrackState[]> | undefined;
  const modules: string[] = [];
  let targetName: Word | undefined;
  let rejectWith: string | undefined, logPrefix: string | undefined, logLevel: string | undefined;
  let toPorts: PortRange | undefined, toRange: NatRange | undefined, toWord: Word | undefined, random = false;
  let invert = false;

  /** The long options registered so far (base + those of -p/-m/-j extensions). */
  const longOptions = (): string[] => {
    const names = Object.keys(BASE_LONG);
    const p = protocol?.value;
    if (p === 'tcp' || p === 'udp' || modules.includes('tcp') || modules.includes('udp')) names.push('sport', 'source-port', 'dport', 'destination-port');
    if (p === 'tcp' || modules.includes('tcp')) names.push('syn', 'tcp-flags', 'tcp-option');
    if (p === 'icmp' || modules.includes('icmp')) names.push('icmp-type');
    if (modules.includes('conntrack')) names.push('ctstate', 'ctproto', 'ctorigsrc', 'ctorigdst', 'ctstatus', 'ctexpire', 'ctdir');
    if (modules.includes('state')) names.push('state');
    if (modules.includes('comment')) names.push('comment');
    const t = targetName?.text;
    if (t === 'REJECT') names.push('reject-with');
    if (t === 'LOG') names.push('log-prefix', 'log-level', 'log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode');
    if (t === 'MASQUERADE') names.push('to-ports', 'random', 'random-fully');
    if (t === 'SNAT') names.push('to-source', 'random', 'random-fully', 'persistent');
    if (t === 'DNAT') names.push('to-destination', 'random', 'persistent');
    return names;
  };
  const bad = (w: Word, message: string): Result<never, ScenarioError> => toolError(w.position, `${PREFIX}${message}`);
  // An option of the protocol's match loads that match where it first appears (xtables_find_match() on an
  // unknown option, command_default()): `-m conntrack --ctstate NEW -p tcp --dport 22` saves as
  // `-p tcp -m conntrack --ctstate NEW -m tcp --dport 22`.
  const matches: string[] = [];
  const implicit = (): void => {
    const p = protocol?.value;
    if ((p === 'tcp' || p === 'udp' || p === 'icmp') && !matches.includes(p)) matches.push(p);
  };
  const setCommand = (cmd: Cmd, w: Word, chain: Word | undefined): Result<void, ScenarioError> => {
    if (command) return bad(w, `Cannot use -${cmd} with -${command.cmd}`);
    command = chain ? { cmd, word: w, chain } : { cmd, word: w };
    return ok(undefined);
  };

  while (!args.done) {
    const w = args.next()!;
    if (w.text === '!') {
      if (invert) return bad(w, 'multiple consecutive ! not allowed');
      invert = true;
      continue;
    }
    // Split the word into (option name, inline value) pairs as getopt_long does.
    const opts: { name: string; long: boolean; inline: string | undefined }[] = [];
    if (w.text.startsWith('--') && w.text.length > 2) {
      const eq = w.text.indexOf('=');
      const given = eq < 0 ? w.text.slice(2) : w.text.slice(2, eq);
      const known = longOptions();
      const candidates = known.includes(given) ? [given] : [...new Set(known.filter((k) => k.startsWith(given)).map((k) => k))];
      const distinct = new Set(candidates.map((c) => BASE_LONG[c] ?? c));
      if (candidates.length === 0 || (eq >= 0 && !known.includes(given) && candidates.length === 0)) return bad(w, `unknown option "${w.text}"`);
      if (distinct.size > 1) return bad(w, `option "${w.text}" is ambiguous`);
      if (eq >= 0 && !LONG_WITH_ARG.has(candidates[0]!)) return bad(w, `unknown option "${w.text}"`);
      opts.push({ name: candidates[0]!, long: true, inline: eq < 0 ? undefined : w.text.slice(eq + 1) });
    } else if (w.text.startsWith('-') && w.text.length > 1) {
      for (let k = 1; k < w.text.length; k++) {
        const c = w.text[k]!;
        if (SHORT_WITH_ARG.has(c)) {
          opts.push({ name: c, long: false, inline: k + 1 < w.text.length ? w.text.slice(k + 1) : undefined });
          break;
        }
        if (!SHORT_NO_ARG.has(c)) return bad(w, `unknown option "-${c}"`);
        opts.push({ name: c, long: false, inline: undefined });
      }
    } else {
      positional.push(w);
      if (invert) return toolError(w.position, `Bad argument \`${w.text}'`);
      continue;
    }
    for (const o of opts) {
      const name = o.long ? (BASE_LONG[o.name] ?? o.name) : o.name;
      const takes = o.long ? LONG_WITH_ARG.has(o.name) : SHORT_WITH_ARG.has(o.name);
      let value: Word | undefined;
      if (takes) {
        if (o.inline !== undefined) value = { text: o.inline, position: w.position };
        else value = args.next();
        if (!value) return bad(w, `option "${o.long ? `--${o.name}` : `-${o.name}`}" requires an argument`);
        if (value.text === '!' && !args.done) return toolError(args.peek()!.position, `Bad argument \`${args.peek()!.text}'`);
      }
      const neg = invert;
      invert = false;
      const once = <T>(current: T | undefined, flag: string): Result<void, ScenarioError> =>
        current !== undefined ? bad(w, `multiple ${flag} flags not allowed`) : ok(undefined);
      let r: Result<unknown, ScenarioError> = ok(undefined);
      switch (name) {
        case 'A': case 'I': case 'D': case 'R': case 'N': case 'P':
          r = setCommand(name, w, value);
          break;
        case 'F': case 'X': case 'Z': case 'S': case 'L':
          r = setCommand(name, w, undefined);
          break;
        case 't':
          if (value!.text === 'filter' || value!.text === 'nat') table = value!.text;
          else if (['mangle', 'raw', 'security'].includes(value!.text)) return unsupportedError(value!.position, `iptables table "${value!.text}" is not modelled by twinnet`);
          else return toolError(value!.position, `${PREFIX}table '${value!.text}' does not exist`);
          break;
        case 's': case 'd': {
          r = once(name === 's' ? source : destination, `-${name}`);
          if (!r.ok) return r;
          const a = hostNetwork(value!);
          if (!a.ok) return a;
          if (name === 's') source = { value: a.value, negated: neg };
          else destination = { value: a.value, negated: neg };
          break;
        }
        case 'p': {
          r = once(protocol, '-p');
          if (!r.ok) return r;
          const t = value!.text.toLowerCase();
          const numbers = lookupTable<'tcp' | 'udp' | 'icmp' | 'all'>({ '6': 'tcp', '17': 'udp', '1': 'icmp', '0': 'all' });
          if (t === 'tcp' || t === 'udp' || t === 'icmp' || t === 'all') protocol = { value: t, negated: neg };
          else if (numbers[t]) protocol = { value: numbers[t], negated: neg };
          else if (/^[0-9]+$/.test(t) && Number(t) <= 255) protocol = { value: Number(t), negated: neg };
          else if (['sctp', 'dccp', 'udplite', 'icmpv6', 'esp', 'ah', 'gre', 'igmp', 'ipv6-icmp', 'mh'].includes(t)) return unsupportedError(value!.position, `iptables protocol "${value!.text}" is not modelled by twinnet`);
          else return bad(value!, `unknown protocol "${value!.text}" specified`);
          break;
        }
        case 'i': case 'o':
          r = once(name === 'i' ? inInterface : outInterface, `-${name}`);
          if (!r.ok) return r;
          if (name === 'i') inInterface = { value: value!.text, negated: neg };
          else outInterface = { value: value!.text, negated: neg };
          break;
        case 'j': {
          r = once(targetName, '-j');
          if (!r.ok) return r;
          targetName = value!;
          if (OTHER_TARGETS.has(value!.text)) return unsupportedError(value!.position, `iptables target "${value!.text}" is not modelled by twinnet`);
          break;
        }
        case 'g':
          return unsupportedError(w.position, 'iptables "-g" (goto) is not modelled by twinnet');
        case 'm': {
          const m = value!.text;
          if (['tcp', 'udp', 'icmp', 'conntrack', 'state'].includes(m)) {
            modules.push(m);
            if (!matches.includes(m)) matches.push(m);
          }
          else if (['multiport', 'comment', 'limit', 'mark', 'connmark', 'mac', 'iprange', 'length', 'ttl', 'tos', 'dscp', 'owner', 'physdev', 'pkttype', 'addrtype', 'recent', 'hashlimit', 'set', 'string', 'u32', 'connlimit', 'helper', 'policy', 'statistic', 'time', 'quota', 'rpfilter', 'socket', 'devgroup', 'cpu', 'ecn', 'esp', 'ah', 'sctp', 'dccp', 'udplite', 'bpf', 'cgroup', 'nfacct', 'osf', 'cluster', 'realm', 'rateest', 'ipvs', 'hl', 'frag', 'ipv6header', 'mh', 'rt', 'eui64', 'icmp6', 'tcpmss', 'conntrack-tools'].includes(m)) {
            return unsupportedError(value!.position, `iptables match "-m ${m}" is not modelled by twinnet`);
          } else return toolError(value!.position, `${PREFIX}Couldn't load match \`${m}':No such file or directory`);
          break;
        }
        case 'n': numeric = true; break;
        case 'v': verbose = true; break;
        case 'x': exact = true; break;
        case 'line-numbers': lineNumbers = true; break;
        case 'w': break;
        case 'C': case 'E': case 'f': case 'c': case '4': case '6': case 'h': case 'V':
          return unsupportedError(w.position, `iptables option "${w.text}" is not modelled by twinnet`);
        case 'sport': case 'source-port': case 'dport': case 'destination-port': {
          const src = name === 'sport' || name === 'source-port';
          implicit();
          r = once(src ? sourcePort : destinationPort, src ? '--sport' : '--dport');
          if (!r.ok) return r;
          const p = portRange(value!);
          if (!p.ok) return p;
          if (src) sourcePort = { value: p.value, negated: neg };
          else destinationPort = { value: p.value, negated: neg };
          break;
        }
        case 'syn':
          implicit();
          syn = { value: true, negated: neg };
          break;
        case 'icmp-type': {
          implicit();
          const t = ICMP_TYPES[value!.text];
          const numeric = /^([0-9]+)(?:\/([0-9]+))?$/.exec(value!.text);
          if (t === 'any') icmpType = { value: 'any', negated: neg };
          else if (t) icmpType = { value: { type: t[0], code: t[1] }, negated: neg };
          else if (numeric && Number(numeric[1]) <= 255 && (numeric[2] === undefined || Number(numeric[2]) <= 255)) icmpType = { value: { type: Number(numeric[1]), code: numeric[2] === undefined ? undefined : Number(numeric[2]) }, negated: neg };
          else return bad(value!, `Unknown ICMP type \`${value!.text}'`);
          break;
        }
        case 'ctstate': case 'state': {
          const list: ConntrackState[] = [];
          const allowed: readonly ConntrackState[] = name === 'ctstate' ? ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED', 'SNAT', 'DNAT'] : ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'];
          for (const s of value!.text.split(',')) {
            const upper = s.toUpperCase() as ConntrackState;
            if (!allowed.includes(upper)) return bad(value!, `Bad ${name} "${s}"`);
            list.push(upper);
          }
          states = { value: list, negated: neg };
          break;
        }
        case 'reject-with': {
          const t = REJECT_TYPES[value!.text];
          if (!t) return bad(value!, `unknown reject type "${value!.text}"`);
          rejectWith = t;
          break;
        }
        case 'log-prefix': logPrefix = value!.text; break;
        case 'log-level': logLevel = value!.text; break;
        case 'to-ports': {
          if (protocol?.value !== 'tcp' && protocol?.value !== 'udp') return bad(value!, 'Need TCP, UDP, SCTP or DCCP with port specification');
          const [p, q] = value!.text.split('-', 2) as [string, string | undefined];
          const pn = /^[0-9]+$/.test(p) ? Number(p) : NaN;
          const qn = q === undefined ? pn : /^[0-9]+$/.test(q) ? Number(q) : NaN;
          if (!(pn <= 65535 && qn >= pn && qn <= 65535)) return bad(value!, `Port \`${value!.text}' not valid`);
          toPorts = { first: pn, last: qn };
          break;
        }
        case 'to-source': case 'to-destination': {
          const n = natRange(value!, targetName?.text ?? '', protocol?.value === 'tcp' || protocol?.value === 'udp');
          if (!n.ok) return n;
          toRange = n.value;
          toWord = value!;
          break;
        }
        case 'random': random = true; break;
        default:
          return unsupportedError(w.position, `iptables option "${w.text}" is not modelled by twinnet`);
      }
      if (!r.ok) return r;
    }
  }
  if (invert) return toolError(args.end, `${PREFIX}! without an option`);
  if (!command) return toolError(tool.position, `${PREFIX}no command specified`);
  const c = command as { cmd: Cmd; word: Word; chain?: Word };

  // Positional words: a rule number, an optional chain, a policy, as each command takes them.
  let pos = 0;
  const take = (): Word | undefined => positional[pos++];
  let ruleNumber: number | undefined;
  let chain = c.chain?.text;
  let policy: Word | undefined;
  if (c.cmd === 'I' || c.cmd === 'D' || c.cmd === 'R') {
    const n = positional[0];
    if (n) {
      pos++;
      if (!/^[0-9]+$/.test(n.text) || Number(n.text) < 1) return toolError(n.position, `${PREFIX}Invalid rule number \`${n.text}'`);
      ruleNumber = Number(n.text);
    } else if (c.cmd === 'R') {
      return toolError(c.word.position, `${PREFIX}-R requires a rule number`);
    }
  } else if (['F', 'X', 'Z', 'S', 'L'].includes(c.cmd)) {
    const n = take();
    if (n) chain = n.text;
    if (c.cmd === 'L' || c.cmd === 'Z') {
      const m = positional[pos];
      if (m && /^[0-9]+$/.test(m.text)) return unsupportedError(m.position, `"iptables -${c.cmd} CHAIN RULENUM" is not modelled by twinnet`);
    }
  } else if (c.cmd === 'P') {
    policy = take();
    if (!policy) return toolError(c.word.position, `${PREFIX}-P requires a chain and a policy`);
  }
  const extra = positional[pos];
  if (extra) return toolError(extra.position, `Bad argument \`${extra.text}'`);

  let target: IptablesTarget | undefined;
  if (targetName) {
    const t = targetName.text;
    if (t === 'ACCEPT' || t === 'DROP' || t === 'RETURN') target = { kind: t };
    else if (t === 'REJECT') target = { kind: 'REJECT', rejectWith: rejectWith ?? 'icmp-port-unreachable' };
    else if (t === 'LOG') target = { kind: 'LOG', prefix: logPrefix, level: logLevel };
    else if (t === 'MASQUERADE') target = { kind: 'MASQUERADE', toPorts, random };
    else if (t === 'SNAT' || t === 'DNAT') {
      if (!toRange) return toolError(toWord?.position ?? targetName.position, `${PREFIX}${t}: option "--to-${t === 'SNAT' ? 'source' : 'destination'}" must be specified`);
      target = t === 'SNAT' ? { kind: 'SNAT', toSource: toRange, random } : { kind: 'DNAT', toDestination: toRange, random };
    } else target = { kind: 'jump', chain: t };
  }
  const rule: IptablesRule = { source, destination, protocol, inInterface, outInterface, sourcePort, destinationPort, syn, icmpType, states, modules, matches, target };
  const hasRule = Object.values(rule).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
  const needsChain = (): Result<string, ScenarioError> => (chain ? ok(chain) : toolError(c.word.position, `${PREFIX}option "-${c.cmd}" requires an argument`));

  let cmd: IptablesCommand;
  switch (c.cmd) {
    case 'A': case 'I': case 'R': case 'D': {
      const ch = needsChain();
      if (!ch.ok) return ch;
      if (c.cmd === 'A') cmd = { op: 'append', chain: ch.value, rule };
      else if (c.cmd === 'I') cmd = { op: 'insert', chain: ch.value, ruleNumber: ruleNumber ?? 1, rule };
      else if (c.cmd === 'R') cmd = { op: 'replace', chain: ch.value, ruleNumber: ruleNumber!, rule };
      else if (ruleNumber !== undefined) {
        if (hasRule) return toolError(c.word.position, `${PREFIX}-D with a rule number takes no rule`);
        cmd = { op: 'delete-number', chain: ch.value, ruleNumber };
      } else cmd = { op: 'delete', chain: ch.value, rule };
      break;
    }
    case 'N': cmd = { op: 'new-chain', chain: c.chain!.text }; break;
    case 'P': {
      const p = policy!.text;
      if (p !== 'ACCEPT' && p !== 'DROP') return toolError(policy!.position, 'iptables: Bad policy name. Run `dmesg\' for more information.');
      if (!BUILTIN[table].includes(c.chain!.text)) return toolError(c.chain!.position, 'iptables: Bad built-in chain name.');
      cmd = { op: 'policy', chain: c.chain!.text, policy: p };
      break;
    }
    case 'F': cmd = { op: 'flush', chain }; break;
    case 'Z': cmd = { op: 'zero', chain }; break;
    case 'X': cmd = { op: 'delete-chain', chain }; break;
    case 'S': cmd = { op: 'list-rules', chain, verbose }; break;
    case 'L': cmd = { op: 'list', chain, numeric, verbose, lineNumbers, exact }; break;
  }
  if (hasRule && !['A', 'I', 'R', 'D'].includes(c.cmd)) return toolError(c.word.position, `${PREFIX}Illegal option with this command`);
  return ok({ kind: 'iptables', table, command: cmd });
}

/** `iptables-save [-t TABLE] [-c]` (iptables/iptables-save.c). */
export function parseIptablesSave(args: Args): Result<CommandBody, ScenarioError> {
  args.next();
  let table: 'filter' | 'nat' | undefined;
  let counters = false;
  while (!args.done) {
    const w = args.next()!;
    if (w.text === '-t' || w.text === '--table') {
      const v = args.next();
      if (!v) return toolError(w.position, `iptables-save: option requires an argument -- 't'`);
      if (v.text === 'filter' || v.text === 'nat') table = v.text;
      else if (['mangle', 'raw', 'security'].includes(v.text)) return unsupportedError(v.position, `iptables table "${v.text}" is not modelled by twinnet`);
      else return toolError(v.position, `Table \`${v.text}' does not exist`);
    } else if (w.text === '-c' || w.text === '--counters') {
      counters = true;
    } else if (w.text.startsWith('--')) {
      return toolError(w.position, `iptables-save: unrecognized option '${w.text}'`);
    } else if (w.text.startsWith('-')) {
      return toolError(w.position, `iptables-save: invalid option -- '${w.text[1]}'`);
    } else {
      return unsupportedError(w.position, `iptables-save argument "${w.text}"`);
    }
  }
  return ok({ kind: 'iptables-save', table, counters });
}
