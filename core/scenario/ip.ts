/**
 * `ip …`: iproute2 6.1's global options and object dispatch (ip/ip.c main(), do_cmd(), cmds[]), then the
 * small objects (`netns`, `neigh`, `ntable`). Abbreviations resolve as iproute2 resolves them: the first
 * keyword in table order that the word is a prefix of, so `ip a` is `address` and `ip n` is `neighbor`.
 */
import { ok, type Result } from '../result.ts';
import { Args, toolError, unsupportedError, type Word } from './args.ts';
import type { CommandBody, IpOptions } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { parseIpAddr } from './ip-addr.ts';
import { parseIpLink } from './ip-link.ts';
import { parseIpRoute } from './ip-route.ts';
import { firstMatch, getPrefix, INCOMPLETE, invarg, matches, NETNS_ARGS, markNetns, prefixExpected } from './iproute2.ts';

/** What a tool parser hands back: the operation, and the namespace it names itself (`ip -n NS`) with the argv indexes of namespace names. */
export interface ToolParse {
  readonly body: CommandBody;
  readonly namespace?: string;
  readonly netnsArgs?: readonly number[];
}

/** `ip netns exec NS CMD…`: the namespace word and where the command starts in argv. */
export interface NetnsExec {
  readonly exec: { readonly namespace: Word; readonly commandIndex: number };
}

/** ip/ip.c cmds[], in order (iproute2 6.1). */
const OBJECTS = [
  'address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'ntbl', 'link', 'l2tp', 'fou', 'ila',
  'macsec', 'tunnel', 'tunl', 'tuntap', 'tap', 'token', 'tcpmetrics', 'tcp_metrics', 'monitor', 'xfrm', 'mroute', 'mrule',
  'netns', 'netconf', 'vrf', 'sr', 'nexthop', 'mptcp', 'ioam', 'stats', 'help',
] as const;

/** ip/ip.c main()'s options, in order: [name, takes an argument, supported]. */
const OPTIONS: readonly (readonly [string, boolean, boolean])[] = [
  ['-loops', true, false], ['-family', true, true], ['-human', false, false], ['-human-readable', false, false], ['-iec', false, false],
  ['-stats', false, true], ['-statistics', false, true], ['-details', false, true], ['-resolve', false, false], ['-oneline', false, true],
  ['-timestamp', false, false], ['-tshort', false, false], ['-Version', false, false], ['-force', false, false], ['-batch', true, false],
  ['-brief', false, true], ['-json', false, true], ['-pretty', false, true], ['-Numeric', false, true], ['-rcvbuf', true, false],
  ['-color', false, false], ['-help', false, false], ['-netns', true, true], ['-all', false, false],
];

/** Reads iproute2's global options (ip/ip.c, bridge/bridge.c); `tool` names the program in messages. */
export function parseIpOptions(args: Args, tool: 'ip' | 'bridge'): Result<{ options: IpOptions; netns: Word | undefined; netnsIndex: number }, ScenarioError> {
  let brief = false, json = false, pretty = false, oneline = false, numeric = false, stats = 0, details = 0;
  let family: IpOptions['family'];
  let netns: Word | undefined;
  let netnsIndex = -1;
  while (!args.done) {
    const w = args.peek()!;
    if (w.text === '--') {
      args.next();
      break;
    }
    if (!w.text.startsWith('-')) break;
    args.next();
    const opt = w.text[1] === '-' ? w.text.slice(1) : w.text;
    if (tool === 'ip' && (opt === '-4' || opt === '-0')) {
      family = opt === '-4' ? 'inet' : 'link';
      continue;
    }
    if (tool === 'ip' && ['-6', '-I', '-D', '-M', '-B'].includes(opt)) return unsupportedError(w.position, `ip option "${w.text}" (only IPv4 is modelled)`);
    const table = tool === 'ip' ? OPTIONS : BRIDGE_OPTIONS;
    const found = table.find(([name]) => matches(opt, name) || (name === '-color' && opt.startsWith('-c')));
    if (!found) return toolError(w.position, `Option "${opt}" is unknown, try "${tool} ${tool === 'ip' ? '-help' : 'help'}".`);
    const [name, takesArgument, supported] = found;
    if (!supported) return unsupportedError(w.position, `${tool} option "${w.text}" (${name}) is not modelled by twinnet`);
    let value: Word | undefined;
    if (takesArgument) {
      value = args.next();
      if (!value) {
        if (name === '-netns') return toolError(w.position, 'Cannot open network namespace "(null)": No such file or directory');
        return unsupportedError(w.position, `${tool} option "${w.text}" without its argument`);
      }
    }
    switch (name) {
      case '-family':
        if (value!.text === 'inet') family = 'inet';
        else if (value!.text === 'link') family = 'link';
        else if (['inet6', 'mpls', 'bridge', 'ipx', 'dnet'].includes(value!.text)) return unsupportedError(value!.position, `ip -family ${value!.text} (only IPv4 is modelled)`);
        else return toolError(value!.position, invarg('invalid protocol family', value!.text));
        break;
      case '-stats': case '-statistics': stats++; break;
      case '-details': details++; break;
      case '-oneline': oneline = true; break;
      case '-brief': brief = true; break;
      case '-json': json = true; break;
      case '-pretty': pretty = true; break;
      case '-Numeric': numeric = true; break;
      case '-netns':
        netns = value;
        netnsIndex = args.index - 1;
        break;
    }
  }
  return ok({ options: { brief, json, pretty, oneline, stats, details, family, numeric }, netns, netnsIndex });
}

/** bridge/bridge.c main()'s options. */
const BRIDGE_OPTIONS: readonly (readonly [string, boolean, boolean])[] = [
  ['-help', false, false], ['-Version', false, false], ['-stats', false, true], ['-statistics', false, true], ['-details', false, true],
  ['-oneline', false, true], ['-timestamp', false, false], ['-family', true, false], ['-4', false, false], ['-6', false, false],
  ['-netns', true, true], ['-compressvlans', false, false], ['-color', false, false], ['-force', false, false], ['-json', false, true],
  ['-pretty', false, true], ['-batch', true, false],
];

/** Parses `ip …` (argv[0] is `ip`). */
export function parseIp(args: Args): Result<ToolParse | NetnsExec, ScenarioError> {
  const ip = args.next()!;
  const opts = parseIpOptions(args, 'ip');
  if (!opts.ok) return opts;
  const { options, netns, netnsIndex } = opts.value;
  const objectWord = args.next();
  if (!objectWord) return unsupportedError(ip.position, '"ip" without an object prints its usage; name an object (link, address, route, neigh, netns)');
  const object = firstMatch(objectWord.text, OBJECTS);
  if (!object) return toolError(objectWord.position, `Object "${objectWord.text}" is unknown, try "ip help".`);
  let body: Result<CommandBody | NetnsExec, ScenarioError>;
  switch (object) {
    case 'address': body = parseIpAddr(args, options); break;
    case 'route': body = parseIpRoute(args, options); break;
    case 'link': body = parseIpLink(args, options); break;
    case 'neighbor': case 'neighbour': body = parseIpNeigh(args, options); break;
    case 'ntable': case 'ntbl': body = parseIpNtable(args, options); break;
    case 'netns': body = parseIpNetns(args, options); break;
    default: return unsupportedError(objectWord.position, `"ip ${object}" is not modelled by twinnet`);
  }
  if (!body.ok) return body;
  if ('exec' in body.value) {
    if (netns) return unsupportedError(netns.position, '"ip -n NS netns exec"');
    return ok(body.value);
  }
  const netnsArgs = [...(netns ? [netnsIndex] : []), ...(NETNS_ARGS.get(body.value) ?? [])];
  return ok({ body: body.value, ...(netns ? { namespace: netns.text } : {}), netnsArgs });
}

/** ip/ipnetns.c do_netns(). */
function parseIpNetns(args: Args, options: IpOptions): Result<CommandBody | NetnsExec, ScenarioError> {
  const verb = args.next();
  if (!verb) return ok({ kind: 'netns.list', options });
  const sub = firstMatch(verb.text, ['list', 'show', 'lst', 'list-id', 'help', 'add', 'attach', 'set', 'delete', 'identify', 'pids', 'exec', 'monitor'] as const);
  switch (sub) {
    case 'list': case 'show': case 'lst':
      return ok({ kind: 'netns.list', options });
    case 'add': case 'delete': case 'exec': {
      const name = args.next();
      if (!name) return toolError(verb.position, 'No netns name specified');
      if (name.text === '' || name.text === '.' || name.text === '..' || name.text.includes('/')) return toolError(name.position, `Invalid netns name "${name.text}"`);
      if (sub === 'exec') {
        if (args.done) return toolError(name.position, 'No command specified');
        return ok({ exec: { namespace: name, commandIndex: args.index } });
      }
      return ok(markNetns({ kind: sub === 'add' ? 'netns.add' : 'netns.del', name: name.text }, args.index - 1));
    }
    case 'identify': {
      // ip/ipnetns.c netns_identify(): an optional PID; twinnet's shell has no `$!` to give one.
      const pid = args.next();
      if (pid) return unsupportedError(pid.position, '"ip netns identify PID" is not modelled by twinnet (without a PID it names the current namespace)');
      return ok({ kind: 'netns.identify' });
    }
    case undefined:
      return toolError(verb.position, `Command "${verb.text}" is unknown, try "ip netns help".`);
    default:
      return unsupportedError(verb.position, `"ip netns ${sub}" is not modelled by twinnet`);
  }
}

/** ip/ipneigh.c do_ipneigh() for show and flush. */
function parseIpNeigh(args: Args, options: IpOptions): Result<CommandBody, ScenarioError> {
  const verb = args.next();
  let kind: 'neigh.show' | 'neigh.flush' = 'neigh.show';
  if (verb) {
    const sub = firstMatch(verb.text, ['add', 'change', 'chg', 'replace', 'delete', 'list', 'show', 'lst', 'get', 'flush', 'help'] as const);
    if (sub === undefined) return toolError(verb.position, `Command "${verb.text}" is unknown, try "ip neigh help".`);
    if (sub === 'flush') kind = 'neigh.flush';
    else if (sub !== 'list' && sub !== 'show' && sub !== 'lst') return unsupportedError(verb.position, `"ip neigh ${sub}" is not modelled by twinnet`);
    if (kind === 'neigh.flush' && args.done) return toolError(verb.position, 'Flush requires arguments.');
  }
  let device: string | undefined;
  while (!args.done) {
    const w = args.next()!;
    if (w.text === 'dev') {
      const d = args.next();
      if (!d) return toolError(w.position, INCOMPLETE);
      device = d.text;
    } else if (['master', 'vrf', 'nud', 'protocol'].includes(w.text)) {
      if (args.done) return toolError(w.position, INCOMPLETE);
      return unsupportedError(w.position, `"ip neigh ${kind === 'neigh.show' ? 'show' : 'flush'} ${w.text}" is not modelled by twinnet`);
    } else if (['unused', 'proxy', 'nomaster'].includes(w.text)) {
      return unsupportedError(w.position, `"ip neigh ${w.text}" is not modelled by twinnet`);
    } else {
      const target = w.text === 'to' ? args.next() : w;
      if (!target) return toolError(w.position, INCOMPLETE);
      if (!getPrefix(target.text, true)) return toolError(target.position, prefixExpected('any valid', target.text));
      return unsupportedError(target.position, 'an address filter on "ip neigh" is not modelled by twinnet');
    }
  }
  return ok({ kind, device, options });
}

/** ip/ipntable.c ipntable_show(). */
function parseIpNtable(args: Args, options: IpOptions): Result<CommandBody, ScenarioError> {
  const verb = args.next();
  if (verb) {
    const sub = firstMatch(verb.text, ['change', 'show', 'list', 'lst', 'help'] as const);
    if (sub === undefined) return toolError(verb.position, `Command "${verb.text}" is unknown, try "ip ntable help".`);
    if (sub === 'change' || sub === 'help') return unsupportedError(verb.position, `"ip ntable ${sub}" is not modelled by twinnet`);
  }
  let device: string | undefined;
  let name: string | undefined;
  while (!args.done) {
    const w = args.next()!;
    if (w.text === 'dev' || w.text === 'name') {
      const v = args.next();
      if (!v) return toolError(w.position, INCOMPLETE);
      if (w.text === 'dev') device = v.text;
      else name = v.text;
    } else {
      return toolError(w.position, invarg('unknown', w.text));
    }
  }
  return ok({ kind: 'ntable.show', device, name, options });
}

