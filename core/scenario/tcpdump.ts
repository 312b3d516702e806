/** `tcpdump …` (4.99.3) as it reads its options (tcpdump.c main()); the filter is compiled as libpcap does (core/decode/filter.ts). */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError } from './args.ts';
import { compileFilter } from '../decode/filter.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { getopt } from './getopt.ts';

/** tcpdump.c SHORTOPTS: the letters that take an argument, and those that do not. */
const WITH_ARG = 'cCdEFGiIjmMrsTVwWyzZBQ';
const NO_ARG = 'aAbDefghHKlLnNOpqStuUvxXY#';

/** Parses `tcpdump …` (argv[0] is `tcpdump`). */
export function parseTcpdump(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const g = getopt(args, 'tcpdump', WITH_ARG, NO_ARG, { version: false, help: false, 'list-interfaces': false, immediate: false, 'time-stamp-precision': true, 'time-stamp-type': true, 'print': false, 'number': false, 'snapshot-length': true, 'interface': true, 'count': true, 'dont-verify-checksums': false, 'direction': true, 'relinquish-privileges': true });
  if (!g.ok) return g;
  let iface: string | undefined, writeFile: string | undefined, count: number | undefined;
  let linkLevel = false, numeric = 0, quick = false, timestamps = 0, verbose = 0, noPromiscuous = false;
  for (const o of g.value.options) {
    const v = o.value;
    switch (o.name) {
      case 'i': case 'interface': iface = v!.text; break;
      case 'w': writeFile = v!.text; break;
      case 'c': case 'count':
        if (!/^[0-9]+$/.test(v!.text) || Number(v!.text) < 1) return toolError(v!.position, `tcpdump: invalid packet count ${v!.text}`);
        count = Number(v!.text);
        break;
      case 'e': linkLevel = true; break;
      case 'n': numeric++; break;
      case 'q': quick = true; break;
      case 't': timestamps++; break;
      case 'v': verbose++; break;
      case 'p': noPromiscuous = true; break;
      case 'l': case 'U': case 'immediate': break;
      default: return unsupportedError(o.word.position, `tcpdump option "${o.word.text}" is not modelled by twinnet`);
    }
  }
  if (iface === undefined) return unsupportedError(tool.position, 'tcpdump without "-i DEV" (name the capture point)');
  const operands = g.value.operands;
  let filterText: string | undefined;
  if (operands.length > 0) {
    // tcpdump joins its remaining arguments with spaces (copy_argv()) and libpcap compiles them: refused here,
    // before anything runs, with tcpdump's words.
    filterText = operands.map((w) => w.text).join(' ');
    const f = compileFilter(filterText);
    if (!f.ok) return f.error.kind === 'unsupported' ? unsupportedError(operands[0]!.position, f.error.message) : toolError(operands[0]!.position, f.error.tcpdumpMessage);
  }
  return ok({ kind: 'tcpdump', interface: iface, writeFile, count, linkLevel, numeric, quick, timestamps, verbose, filterText, noPromiscuous, longRunning: count === undefined });
}
