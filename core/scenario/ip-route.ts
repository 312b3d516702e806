/** `ip route …` as iproute2 6.1 reads it (ip/iproute.c iproute_modify(), iproute_list_flush_or_save(), iproute_get()). */
import type { Ipv4Address, Ipv4Cidr } from '../ipv4.ts';
import { networkOf } from '../ipv4.ts';
import { ok, type Result } from '../result.ts';
import { type Args, lookupTable, parseCUnsigned, toolError, unsupportedError, type Word } from './args.ts';
import type { CommandBody, IpOptions, RouteChange } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { addressExpected, duparg2, type FamilyWord, firstMatch, getAddrIpv4, getPrefix, invarg, matches, nextArg, prefixExpected } from './iproute2.ts';

/** lib/rt_names.c rtnl_rttable_a2n() with /etc/iproute2/rt_tables' names. */
function tableOf(text: string): number | undefined {
  const named = lookupTable({ local: 255, main: 254, default: 253, unspec: 0 });
  return named[text] ?? parseCUnsigned(text, 0xffffffff);
}

/** Route types (lib/rt_names.c rtnl_rtntype_a2n()) that twinnet does not model; `unicast` is the default. */
const ROUTE_TYPES = ['local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];

/** lib/rt_names.c rtnl_rtprot_a2n() with /etc/iproute2/rt_protos' names. */
const PROTOCOLS: Record<string, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192 };

/** The protocol's name as iproute2 prints it back: a known name, else the number. */
export function protocolName(value: number): string {
  return Object.entries(PROTOCOLS).find(([, v]) => v === value)?.[0] ?? String(value);
}

/** lib/rt_names.c rtnl_rtscope_a2n(): names and numbers. */
const SCOPES: Record<string, RouteChange['scope'] & string> = { global: 'global', universe: 'global', site: 'site', link: 'link', host: 'host', nowhere: 'nowhere' };
const SCOPE_NUMBERS: Record<number, RouteChange['scope'] & string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

/** iproute_modify() keywords twinnet does not model: [keyword, exact]. */
const UNMODELLED: readonly (readonly [string, boolean])[] = [
  ['as', true], ['from', true], ['tos', true], ['dsfield', false], ['expires', true], ['mtu', true], ['hoplimit', true],
  ['advmss', true], ['reordering', false], ['rtt', true], ['rto_min', true], ['window', false], ['cwnd', false], ['initcwnd', false],
  ['initrwnd', false], ['features', false], ['quickack', false], ['congctl', false], ['rttvar', false], ['ssthresh', false],
  ['realms', false], ['onlink', true], ['nexthop', true], ['nhid', true], ['ttl-propagate', true],
  ['fastopen_no_cookie', false], ['encap', true], ['pref', true],
];

/** iproute_modify(): `[to] [TYPE] PREFIX|default [via GW] [dev DEV] [src A] [metric N] [table T]`. */
function routeChange(args: Args, verb: Word, kind: RouteChange['kind']): Result<CommandBody, ScenarioError> {
  let destination: Ipv4Cidr | undefined;
  let via: Ipv4Address | undefined;
  let device: string | undefined;
  let source: Ipv4Address | undefined;
  let metric: number | undefined;
  let table: number | undefined;
  let protocol: string | undefined;
  let scope: RouteChange['scope'];
  let family: FamilyWord = 'any valid';
  let destinationWord: Word | undefined;
  while (!args.done) {
    const w = args.next()!;
    const t = w.text;
    if (t === 'src') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const a = getAddrIpv4(v.value.text);
      if (a === undefined) return toolError(v.value.position, addressExpected(family, v.value.text));
      source = a;
      family = 'inet';
    } else if (t === 'via') {
      if (via !== undefined) return toolError(w.position, invarg('use nexthop syntax to specify multiple via', t));
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (['inet6', 'mpls', 'link', 'bridge'].includes(v.value.text)) return unsupportedError(v.value.position, `"via ${v.value.text}" (only IPv4 is modelled)`);
      const gw = v.value.text === 'inet' ? nextArg(args, v.value) : v;
      if (!gw.ok) return gw;
      const a = getAddrIpv4(gw.value.text);
      if (a === undefined) return toolError(gw.value.position, addressExpected(family, gw.value.text));
      via = a;
      family = 'inet';
    } else if (matches(t, 'metric') || matches(t, 'priority') || t === 'preference') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const n = parseCUnsigned(v.value.text, 0xffffffff);
      if (n === undefined) return toolError(v.value.position, invarg('"metric" value is invalid', v.value.text));
      metric = n;
    } else if (matches(t, 'table')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const n = tableOf(v.value.text);
      if (n === undefined) return toolError(v.value.position, invarg('"table" value is invalid', v.value.text));
      table = n;
    } else if (t === 'dev' || t === 'oif') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      device = v.value.text;
    } else if (matches(t, 'protocol')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const n = PROTOCOLS[v.value.text] ?? parseCUnsigned(v.value.text, 255);
      if (n === undefined) return toolError(v.value.position, invarg('"protocol" value is invalid\n', v.value.text));
      protocol = protocolName(n);
    } else if (t === 'scope') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const named = SCOPES[v.value.text];
      const n = named === undefined ? parseCUnsigned(v.value.text, 255) : undefined;
      const value = named ?? (n === undefined ? undefined : SCOPE_NUMBERS[n]);
      if (value === undefined) {
        if (n !== undefined) return unsupportedError(v.value.position, `route scope ${n} is not modelled by twinnet`);
        return toolError(v.value.position, invarg('invalid "scope" value\n', v.value.text));
      }
      scope = value;
    } else if (UNMODELLED.some(([k, exact]) => (exact ? t === k : matches(t, k)))) {
      if (args.done && t !== 'onlink') return toolError(w.position, 'Command line is not complete. Try option "help"');
      return unsupportedError(w.position, `"ip route … ${t}" is not modelled by twinnet`);
    } else {
      let v = w;
      if (t === 'to') {
        const n = nextArg(args, w);
        if (!n.ok) return n;
        v = n.value;
      }
      if (!/^[0-9]/.test(v.text) && (ROUTE_TYPES.includes(v.text) || v.text === 'unicast')) {
        if (v.text !== 'unicast') return unsupportedError(v.position, `route type "${v.text}" is not modelled by twinnet`);
        const n = nextArg(args, v);
        if (!n.ok) return n;
        v = n.value;
      }
      if (matches(v.text, 'help')) return unsupportedError(v.position, '"ip route help" prints usage only');
      if (destination) return toolError(v.position, duparg2('to', v.text));
      const p = getPrefix(v.text, true);
      if (!p) return toolError(v.position, prefixExpected(family, v.text));
      destination = p;
      destinationWord = v;
      // get_prefix("default") leaves the family unspecified.
      if (!['default', 'any', 'all'].includes(v.text)) family = 'inet';
    }
  }
  if (!destination) return toolError(verb.position, 'Usage: ip route { add | del | change | append | replace } ROUTE (a destination prefix or "default" is required)');
  // fib_table_insert()/fib_table_delete(): host bits set in the destination.
  if (networkOf(destination) !== destination.address) return toolError((destinationWord ?? verb).position, 'Error: Invalid prefix for given prefix length.');
  return ok({ kind, destination, via, device, source, metric, table, protocol, scope });
}

/** iproute_list_flush_or_save() for `show`: `[table T|all] [dev DEV]`. */
function routeShow(args: Args, options: IpOptions): Result<CommandBody, ScenarioError> {
  let table: number | 'all' | undefined;
  let device: string | undefined;
  while (!args.done) {
    const w = args.next()!;
    const t = w.text;
    if (matches(t, 'table')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const n = tableOf(v.value.text);
      if (n !== undefined) table = n;
      else if (v.value.text === 'all') table = 'all';
      else if (v.value.text === 'cache') return unsupportedError(v.value.position, '"table cache" is not modelled by twinnet');
      else return toolError(v.value.position, invarg('table id value is invalid', v.value.text));
    } else if (t === 'dev' || t === 'oif') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      device = v.value.text;
    } else if (['vrf', 'tos', 'protocol', 'scope', 'type', 'iif', 'mark', 'metric', 'priority', 'preference', 'via', 'src', 'realms', 'realm', 'from', 'match', 'exact', 'root'].some((k) => t === k) || matches(t, 'cached') || matches(t, 'cloned') || matches(t, 'dsfield')) {
      if (args.done) return toolError(w.position, 'Command line is not complete. Try option "help"');
      return unsupportedError(w.position, `"ip route show ${t}" is not modelled by twinnet`);
    } else {
      const v = t === 'to' ? args.next() : w;
      if (!v) return toolError(w.position, 'Command line is not complete. Try option "help"');
      if (!getPrefix(v.text, true)) return toolError(v.position, prefixExpected('any valid', v.text));
      return unsupportedError(v.position, 'a prefix filter on "ip route show" is not modelled by twinnet');
    }
  }
  return ok({ kind: 'route.show', table, device, options });
}

/** iproute_get(): `[to] ADDR`. */
function routeGet(args: Args, verb: Word, options: IpOptions): Result<CommandBody, ScenarioError> {
  let address: Ipv4Address | undefined;
  let family: FamilyWord = 'any valid';
  while (!args.done) {
    const w = args.next()!;
    const t = w.text;
    if (['tos', 'from', 'iif', 'mark', 'oif', 'dev', 'vrf', 'uid', 'as', 'sport', 'dport', 'ipproto'].includes(t) || matches(t, 'dsfield')) {
      if (args.done) return toolError(w.position, 'Command line is not complete. Try option "help"');
      return unsupportedError(w.position, `"ip route get … ${t}" is not modelled by twinnet`);
    }
    if (['fibmatch', 'connected'].includes(t)) return unsupportedError(w.position, `"ip route get … ${t}" is not modelled by twinnet`);
    const v = t === 'to' ? args.next() : w;
    if (!v) return toolError(w.position, 'Command line is not complete. Try option "help"');
    const p = getPrefix(v.text, true);
    if (!p) return toolError(v.position, prefixExpected(family, v.text));
    if (p.prefixLength !== 32) return unsupportedError(v.position, `Warning: /${p.prefixLength} as prefix is invalid, only /32 (or none) is supported.`);
    address = p.address;
    family = 'inet';
  }
  if (address === undefined) return toolError(verb.position, 'need at least a destination address');
  return ok({ kind: 'route.get', address, options });
}

/** ip/iproute.c do_iproute(). */
export function parseIpRoute(args: Args, options: IpOptions): Result<CommandBody, ScenarioError> {
  const verb = args.next();
  if (!verb) return ok({ kind: 'route.show', table: undefined, device: undefined, options });
  const sub = firstMatch(verb.text, ['add', 'change', 'chg', 'replace', 'prepend', 'append', 'test', 'delete', 'list', 'show', 'lst', 'flush', 'get', 'save', 'restore', 'showdump', 'help'] as const);
  switch (sub) {
    case 'add': return routeChange(args, verb, 'route.add');
    case 'replace': return routeChange(args, verb, 'route.replace');
    case 'append': return routeChange(args, verb, 'route.append');
    case 'delete': return routeChange(args, verb, 'route.del');
    case 'list': case 'show': case 'lst': return routeShow(args, options);
    case 'get': return routeGet(args, verb, options);
    case 'flush':
      if (args.done) return toolError(verb.position, '"ip route flush" requires arguments.');
      return unsupportedError(verb.position, '"ip route flush" is not modelled by twinnet');
    case undefined: return toolError(verb.position, `Command "${verb.text}" is unknown, try "ip route help".`);
    default: return unsupportedError(verb.position, `"ip route ${sub}" is not modelled by twinnet`);
  }
}
