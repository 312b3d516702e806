/** netcat-openbsd (Debian 1.219) as it reads its arguments (netcat.c main()). */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError, type Word } from './args.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { getopt, inetAton } from './getopt.ts';

const USAGE = 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]';

/** netcat.c strtoport(): a port number 1–65535 in nc's words. */
function port(w: Word): Result<number, ScenarioError> {
  if (!/^[0-9]+$/.test(w.text)) return toolError(w.position, `nc: port number invalid: ${w.text}`);
  if (Number(w.text) > 65535) return toolError(w.position, `nc: port number too large: ${w.text}`);
  if (Number(w.text) < 1) return toolError(w.position, `nc: port number too small: ${w.text}`);
  return ok(Number(w.text));
}

/** Parses `nc …` (argv[0] is `nc`). */
export function parseNc(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const g = getopt(args, 'nc', 'IiMmOPpqsTVWwXx', '46CDdFhklNnrStUuvZz');
  if (!g.ok) return g;
  let udp = false, listen = false, shutdownOnEof = false, numeric = false, verbose = false, zeroIo = false;
  let timeout: number | undefined, quitAfterEof: number | undefined, sourcePort: number | undefined, sourceAddress: number | undefined;
  for (const o of g.value.options) {
    const v = o.value;
    switch (o.name) {
      case 'u': udp = true; break;
      case 'l': listen = true; break;
      case 'N': shutdownOnEof = true; break;
      case 'n': numeric = true; break;
      case 'v': verbose = true; break;
      case 'z': zeroIo = true; break;
      case '4': break;
      case 'w':
        if (!/^[0-9]+$/.test(v!.text)) return toolError(v!.position, `nc: timeout invalid: ${v!.text}`);
        timeout = Number(v!.text);
        break;
      case 'q':
        if (!/^-?[0-9]+$/.test(v!.text)) return toolError(v!.position, `nc: quit timer invalid: ${v!.text}`);
        quitAfterEof = Number(v!.text);
        break;
      case 'p': {
        const p = port(v!);
        if (!p.ok) return p;
        sourcePort = p.value;
        break;
      }
      case 's': {
        const a = inetAton(v!.text);
        if (a === undefined) return unsupportedError(v!.position, 'nc -s with a host name');
        sourceAddress = a;
        break;
      }
      default: return unsupportedError(o.word.position, `nc option "-${o.name}" is not modelled by twinnet`);
    }
  }
  const ops = g.value.operands;
  let host: number | undefined;
  let portNumber: number | undefined;
  const hostOf = (w: Word, p: string): Result<number, ScenarioError> => {
    const a = inetAton(w.text);
    return a === undefined ? toolError(w.position, `nc: getaddrinfo for host "${w.text}" port ${p}: Name or service not known`) : ok(a);
  };
  if (listen) {
    // `nc -l PORT`, `nc -l ADDR PORT`, or `nc -l -p PORT` with no operand (netcat.c main(): usage() otherwise).
    if (ops.length > 2 || (sourcePort !== undefined && ops.length > 0)) return toolError(ops[0]!.position, USAGE);
    if (ops.length === 0 && sourcePort === undefined) return toolError(tool.position, 'nc: missing port number');
    if (ops.length === 2) {
      const h = hostOf(ops[0]!, ops[1]!.text);
      if (!h.ok) return h;
      host = h.value;
    }
    if (ops.length > 0) {
      const p = port(ops[ops.length - 1]!);
      if (!p.ok) return p;
      portNumber = p.value;
    }
  } else {
    if (ops.length === 0) return toolError(tool.position, USAGE);
    if (ops.length === 1) return toolError(ops[0]!.position, 'nc: missing port number');
    if (ops.length > 2) return unsupportedError(ops[2]!.position, 'nc with several ports (port scanning) is not modelled by twinnet');
    if (/^[0-9]+-[0-9]+$/.test(ops[1]!.text)) return unsupportedError(ops[1]!.position, 'nc port ranges are not modelled by twinnet');
    const p = port(ops[1]!);
    if (!p.ok) return p;
    const h = hostOf(ops[0]!, ops[1]!.text);
    if (!h.ok) return h;
    host = h.value;
    portNumber = p.value;
  }
  return ok({ kind: 'nc', udp, listen, shutdownOnEof, numeric, verbose, zeroIo, timeout, quitAfterEof, sourcePort, sourceAddress, host, port: portNumber });
}
