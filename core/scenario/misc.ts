/** The small tools: `sleep`, `echo`, net-tools `route` and `arp`, `conntrack -L`, and twinnet's `httpd`/`curl` pair. */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError } from './args.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { getopt, inetAton } from './getopt.ts';

/** coreutils `sleep NUMBER[smhd]…` (the intervals add up). */
export function parseSleep(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  if (args.done) return toolError(tool.position, 'sleep: missing operand');
  let seconds = 0;
  for (const w of args.rest()) {
    const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([smhd]?)$/.exec(w.text);
    if (!m) return toolError(w.position, `sleep: invalid time interval ‘${w.text}’`);
    seconds += Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  }
  return ok({ kind: 'sleep', seconds });
}

/** `echo [-n] WORDS…`; backslash escapes are refused because sh and bash disagree on them. */
export function parseEcho(args: Args): Result<CommandBody, ScenarioError> {
  args.next();
  let newline = true;
  while (args.peek()?.text === '-n') {
    args.next();
    newline = false;
  }
  const rest = args.rest();
  const escaped = rest.find((w) => w.text.includes('\\'));
  if (escaped) return unsupportedError(escaped.position, 'echo with a backslash (sh and bash print it differently)');
  if (rest[0]?.text === '-e' || rest[0]?.text === '-E') return unsupportedError(rest[0].position, `echo ${rest[0].text}`);
  return ok({ kind: 'echo', message: rest.map((w) => w.text).join(' '), newline });
}

/** net-tools `route [-n]`. */
export function parseRoute(args: Args): Result<CommandBody, ScenarioError> {
  args.next();
  const g = getopt(args, 'route', 'AM', 'nNveFCh');
  if (!g.ok) return g;
  let numeric = false;
  for (const o of g.value.options) {
    if (o.name === 'n') numeric = true;
    else return unsupportedError(o.word.position, `route option "-${o.name}" is not modelled by twinnet`);
  }
  if (g.value.operands.length > 0) return unsupportedError(g.value.operands[0]!.position, `"route ${g.value.operands[0]!.text}" is not modelled by twinnet (use ip route)`);
  return ok({ kind: 'route.nettools', numeric });
}

/** net-tools `arp [-a] [-n]`. */
export function parseArp(args: Args): Result<CommandBody, ScenarioError> {
  args.next();
  const g = getopt(args, 'arp', 'AHtiDf', 'anveds');
  if (!g.ok) return g;
  let all = false;
  let numeric = false;
  for (const o of g.value.options) {
    if (o.name === 'a') all = true;
    else if (o.name === 'n') numeric = true;
    else return unsupportedError(o.word.position, `arp option "-${o.name}" is not modelled by twinnet`);
  }
  if (g.value.operands.length > 0) return unsupportedError(g.value.operands[0]!.position, 'arp with a host argument is not modelled by twinnet');
  return ok({ kind: 'arp', all, numeric });
}

/** conntrack-tools `conntrack -L [-p PROTO]`. */
export function parseConntrack(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  let list = false;
  let protocol: 'tcp' | 'udp' | 'icmp' | undefined;
  while (!args.done) {
    const w = args.next()!;
    if (w.text === '-L' || w.text === '--dump') list = true;
    else if (w.text === '-p' || w.text === '--proto' || w.text === '--protonum') {
      const v = args.next();
      if (!v) return toolError(w.position, `conntrack v1.4.7 (conntrack-tools): option \`${w.text}' requires an argument`);
      if (v.text !== 'tcp' && v.text !== 'udp' && v.text !== 'icmp') return unsupportedError(v.position, `conntrack protocol "${v.text}" is not modelled by twinnet`);
      protocol = v.text;
    } else if (/^-[A-Za-z]$|^--[a-z-]+$/.test(w.text) && 'IUDGFECHhVRmxnqtuLpsdrgefcbiwjkoa'.includes(w.text.replace(/^-+/, '')[0] ?? '#') && w.text.length === 2) {
      return unsupportedError(w.position, `conntrack option "${w.text}" is not modelled by twinnet`);
    } else {
      return toolError(w.position, `conntrack v1.4.7 (conntrack-tools): unknown option \`${w.text}'`);
    }
  }
  if (!list) return unsupportedError(tool.position, 'conntrack without -L is not modelled by twinnet');
  return ok({ kind: 'conntrack.list', protocol });
}

/** twinnet's `httpd PORT`. */
export function parseHttpd(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const w = args.next();
  if (!w) return toolError(tool.position, 'httpd: usage: httpd PORT');
  if (!/^[0-9]+$/.test(w.text) || Number(w.text) < 1 || Number(w.text) > 65535) return toolError(w.position, `httpd: invalid port "${w.text}"`);
  if (!args.done) return toolError(args.peek()!.position, 'httpd: usage: httpd PORT');
  return ok({ kind: 'httpd', port: Number(w.text) });
}

/** twinnet's `curl [-s] [-m S] http://ADDR[:PORT][/PATH]`. */
export function parseCurl(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const g = getopt(args, 'curl', 'm', 's', { silent: false, 'max-time': true });
  if (!g.ok) return g;
  let silent = false;
  let maxTime: number | undefined;
  for (const o of g.value.options) {
    if (o.name === 's' || o.name === 'silent') silent = true;
    else {
      if (!/^[0-9]+(\.[0-9]+)?$/.test(o.value!.text)) return toolError(o.value!.position, 'curl: option -m: expected a proper numerical parameter');
      maxTime = Number(o.value!.text);
    }
  }
  const [url, extra] = g.value.operands;
  if (!url) return toolError(tool.position, 'curl: no URL specified');
  if (extra) return unsupportedError(extra.position, 'curl with several URLs');
  const m = /^(?:http:\/\/)?([0-9.]+)(?::([0-9]+))?(\/[^\s]*)?$/.exec(url.text);
  if (!m) {
    if (/^[a-z]+:\/\//.test(url.text) && !url.text.startsWith('http://')) return toolError(url.position, `curl: (1) Protocol "${url.text.split(':')[0]}" not supported`);
    return unsupportedError(url.position, `curl URL "${url.text}" (twinnet's curl takes http://ADDR[:PORT][/PATH])`);
  }
  const address = inetAton(m[1]!);
  if (address === undefined) return toolError(url.position, `curl: (6) Could not resolve host: ${m[1]}`);
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port < 1 || port > 65535) return toolError(url.position, 'curl: (3) URL using bad/illegal format or missing URL');
  return ok({ kind: 'curl', address, port, path: m[3] ?? '/', silent, maxTime });
}
