/** iputils `ping` (20221126) as it reads its arguments (ping/ping.c main(), ping_common.c). */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError, type Word } from './args.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { getopt, inetAton } from './getopt.ts';

/** ping's strtol_or_err(): an integer in [min, max], else its messages. */
function integer(w: Word, min: number, max: number | bigint): Result<number, ScenarioError> {
  if (!/^[+-]?[0-9]+$/.test(w.text)) return toolError(w.position, `ping: invalid argument: '${w.text}'`);
  const n = Number(w.text);
  if (n < min || BigInt(w.text) > BigInt(max)) return toolError(w.position, `ping: invalid argument: '${w.text}': out of range: ${min} <= value <= ${max}`);
  return ok(n);
}

/** ping_strtod(): a decimal number; garbage is refused (ping only warns, then goes on with a wrong value). */
function seconds(w: Word): Result<number, ScenarioError> {
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(w.text)) return toolError(w.position, `ping: option argument contains garbage: ${w.text}`);
  return ok(Number(w.text));
}

/** Parses `ping …` (argv[0] is `ping`). */
export function parsePing(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const g = getopt(args, 'ping', 'cFiIlmMpQsStTwWe', 'aAbBCdDfhLnOqrRUvV346');
  if (!g.ok) return g;
  let count: number | undefined, interval: number | undefined, timeout: number | undefined, deadline: number | undefined;
  let iface: string | undefined, sourceAddress: number | undefined, size: number | undefined, ttl: number | undefined, identifier: number | undefined;
  let flood = false, quiet = false, broadcast = false, numeric = false;
  for (const o of g.value.options) {
    const v = o.value!;
    let r: Result<number, ScenarioError> | undefined;
    switch (o.name) {
      case 'c': r = integer(v, 1, 9223372036854775807n); if (r.ok) count = r.value; break;
      case 'i': r = seconds(v); if (r.ok) interval = r.value; break;
      case 'W':
        r = seconds(v);
        if (r.ok && r.value < 0) return toolError(v.position, `ping: bad linger time: ${v.text}`);
        if (r.ok) timeout = r.value;
        break;
      case 'w': r = integer(v, 0, 2147483647); if (r.ok) deadline = r.value; break;
      case 'I': {
        const a = inetAton(v.text);
        if (a !== undefined && /^[0-9.]+$/.test(v.text)) sourceAddress = a;
        else iface = v.text;
        break;
      }
      case 's': r = integer(v, 0, 2147483647); if (r.ok) size = r.value; break;
      case 't': r = integer(v, 0, 255); if (r.ok) ttl = r.value; break;
      case 'e': r = integer(v, 0, 65535); if (r.ok) identifier = r.value; break;
      case 'f': flood = true; break;
      case 'q': quiet = true; break;
      case 'b': broadcast = true; break;
      case 'n': numeric = true; break;
      case '4': break;
      default: return unsupportedError(o.word.position, `ping option "-${o.name}" is not modelled by twinnet`);
    }
    if (r && !r.ok) return r;
  }
  const [target, ...more] = g.value.operands;
  if (!target) return toolError(tool.position, 'ping: usage error: Destination address required');
  if (more.length > 0) return unsupportedError(more[0]!.position, 'ping with several hosts (IPv4 source routing) is not modelled by twinnet');
  const destination = inetAton(target.text);
  if (destination === undefined) {
    if (target.text.includes(':')) return unsupportedError(target.position, 'IPv6 ping is not modelled by twinnet');
    // getaddrinfo() on a machine with DNS; inside an isolated namespace the resolver says "Temporary failure in name resolution".
    return toolError(target.position, `ping: ${target.text}: Name or service not known`);
  }
  return ok({
    kind: 'ping', destination, destinationText: target.text, count, interval, timeout, deadline, interface: iface, sourceAddress, size, ttl, identifier,
    flood, quiet, broadcast, numeric, longRunning: count === undefined && deadline === undefined,
  });
}
