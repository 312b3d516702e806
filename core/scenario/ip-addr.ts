/** `ip address add|del|show` as iproute2 6.1 reads them (ip/ipaddress.c ipaddr_modify(), do_ipaddr()). */
import type { Ipv4Address, Ipv4Cidr } from '../ipv4.ts';
import { ok, type Result } from '../result.ts';
import { type Args, parseCUnsigned, toolError, unsupportedError, type Word } from './args.ts';
import type { AddrChange, CommandBody, IpOptions } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { showFilters } from './ip-link.ts';
import { addressExpected, duparg, duparg2, type FamilyWord, firstMatch, getAddrIpv4, getPrefix, invarg, matches, nextArg, prefixExpected } from './iproute2.ts';

/** rtnl_rtscope_a2n() for the scopes an address takes. */
function scopeOf(text: string): AddrChange['scope'] | 'other' | undefined {
  if (text === 'global' || text === 'universe') return 'global';
  if (text === 'link' || text === 'host') return text;
  if (text === 'site' || text === 'nowhere' || parseCUnsigned(text, 255) !== undefined) return 'other';
  return undefined;
}

/** ipaddr_modify(): `[local] PREFIX [brd +|-|ADDR] [scope S] [label L] dev DEV`. */
function addrChange(args: Args, verb: Word, kind: 'addr.add' | 'addr.del'): Result<CommandBody, ScenarioError> {
  let local: Ipv4Cidr | undefined;
  let device: string | undefined;
  let broadcast: Ipv4Address | '+' | '-' | undefined;
  let label: string | undefined;
  let scope: AddrChange['scope'];
  let metric: number | undefined;
  let noPrefixRoute = false;
  let family: FamilyWord = 'any valid';
  while (!args.done) {
    const w = args.next()!;
    const t = w.text;
    if (t === 'peer' || t === 'remote' || t === 'anycast') {
      return unsupportedError(w.position, `"ip address ${t}" is not modelled by twinnet`);
    } else if (matches(t, 'broadcast') || t === 'brd') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (broadcast !== undefined) return toolError(v.value.position, duparg('broadcast', v.value.text));
      if (v.value.text === '+' || v.value.text === '-') {
        broadcast = v.value.text;
      } else {
        const a = getAddrIpv4(v.value.text);
        if (a === undefined) return toolError(v.value.position, addressExpected(family, v.value.text));
        broadcast = a;
        family = 'inet';
      }
    } else if (t === 'scope') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const s = scopeOf(v.value.text);
      if (s === undefined) return toolError(v.value.position, invarg('invalid scope value.', v.value.text));
      if (s === 'other') return unsupportedError(v.value.position, `address scope "${v.value.text}" is not modelled by twinnet`);
      scope = s;
    } else if (t === 'dev') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      device = v.value.text;
    } else if (t === 'label') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      label = v.value.text;
    } else if (matches(t, 'metric') || matches(t, 'priority') || matches(t, 'preference')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const n = parseCUnsigned(v.value.text, 0xffffffff);
      if (n === undefined) return toolError(v.value.position, invarg('"metric" value is invalid\n', v.value.text));
      metric = n;
    } else if (t === 'noprefixroute') {
      noPrefixRoute = true;
    } else if (matches(t, 'valid_lft') || matches(t, 'preferred_lft')) {
      return unsupportedError(w.position, `"ip address … ${t}" is not modelled by twinnet`);
    } else if (['home', 'nodad', 'optimistic', 'mngtmpaddr', 'autojoin', '-home', '-nodad', '-mngtmpaddr', '-noprefixroute', '-autojoin'].includes(t)) {
      return unsupportedError(w.position, `address flag "${t}" is not modelled by twinnet`);
    } else {
      let v = w;
      if (t === 'local') {
        const n = nextArg(args, w);
        if (!n.ok) return n;
        v = n.value;
      }
      if (matches(v.text, 'help')) return unsupportedError(v.position, '"ip address help" prints usage only');
      if (local) return toolError(v.position, duparg2('local', v.text));
      const p = getPrefix(v.text, false);
      if (!p) return toolError(v.position, prefixExpected(family, v.text));
      local = p;
      family = 'inet';
    }
  }
  if (device === undefined) return toolError(verb.position, 'Not enough information: "dev" argument is required.');
  if (!local) return unsupportedError(verb.position, `"ip address ${kind === 'addr.add' ? 'add' : 'del'}" without an address`);
  return ok({ kind, address: local, device, broadcast, label, scope, metric, noPrefixRoute });
}

/** ip/ipaddress.c do_ipaddr(). */
export function parseIpAddr(args: Args, options: IpOptions): Result<CommandBody, ScenarioError> {
  const verb = args.next();
  if (!verb) return ok({ kind: 'addr.show', device: undefined, up: false, options });
  const sub = firstMatch(verb.text, ['add', 'change', 'chg', 'replace', 'delete', 'list', 'show', 'lst', 'flush', 'save', 'showdump', 'restore', 'help'] as const);
  switch (sub) {
    case 'add': return addrChange(args, verb, 'addr.add');
    case 'delete': return addrChange(args, verb, 'addr.del');
    case 'list': case 'show': case 'lst': {
      const f = showFilters(args, 'address');
      if (!f.ok) return f;
      if (f.value.master !== undefined || f.value.linkType !== undefined) return unsupportedError(verb.position, '"ip address show master|type" is not modelled by twinnet');
      return ok({ kind: 'addr.show', device: f.value.device, up: f.value.up, options });
    }
    case 'flush':
      if (args.done) return toolError(verb.position, 'Flush requires arguments.');
      return unsupportedError(verb.position, '"ip address flush" is not modelled by twinnet');
    case undefined: return toolError(verb.position, `Command "${verb.text}" is unknown, try "ip address help".`);
    default: return unsupportedError(verb.position, `"ip address ${sub}" is not modelled by twinnet`);
  }
}
