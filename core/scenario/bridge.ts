/** `bridge link|fdb [show] …` as iproute2 6.1's bridge tool reads them (bridge/bridge.c, bridge/link.c, bridge/fdb.c). */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError } from './args.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { parseIpOptions, type ToolParse } from './ip.ts';
import { duparg, duparg2, firstMatch, nextArg } from './iproute2.ts';

/** Parses `bridge …` (argv[0] is `bridge`). */
export function parseBridge(args: Args): Result<ToolParse, ScenarioError> {
  const tool = args.next()!;
  const opts = parseIpOptions(args, 'bridge');
  if (!opts.ok) return opts;
  const { options, netns, netnsIndex } = opts.value;
  const objectWord = args.next();
  if (!objectWord) return unsupportedError(tool.position, '"bridge" without an object prints its usage');
  const object = firstMatch(objectWord.text, ['link', 'fdb', 'mdb', 'vlan', 'vni', 'monitor', 'help'] as const);
  if (!object) return toolError(objectWord.position, `Object "${objectWord.text}" is unknown, try "bridge help".`);
  let body: CommandBody;
  if (object === 'link') {
    const verb = args.next();
    if (verb) {
      const sub = firstMatch(verb.text, ['set', 'show', 'lst', 'list', 'help'] as const);
      if (sub === undefined) return toolError(verb.position, `Command "${verb.text}" is unknown, try "bridge link help".`);
      if (sub === 'set' || sub === 'help') return unsupportedError(verb.position, `"bridge link ${sub}" is not modelled by twinnet`);
    }
    // bridge/link.c brlink_show() (6.1) reads only `dev NAME` and skips every other word, so `bridge link show br0`
    // lists every port (measured: fixtures/seed/kernel/d-bridge.out).
    let device: string | undefined;
    while (!args.done) {
      const w = args.next()!;
      if (w.text !== 'dev') continue;
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (device !== undefined) return toolError(v.value.position, duparg('dev', v.value.text));
      device = v.value.text;
    }
    body = { kind: 'bridge.link.show', device, options };
  } else if (object === 'fdb') {
    const verb = args.next();
    if (verb) {
      const sub = firstMatch(verb.text, ['add', 'append', 'delete', 'replace', 'show', 'lst', 'list', 'get', 'flush', 'help'] as const);
      if (sub === undefined) return toolError(verb.position, `Command "${verb.text}" is unknown, try "bridge fdb help".`);
      if (sub !== 'show' && sub !== 'lst' && sub !== 'list') return unsupportedError(verb.position, `"bridge fdb ${sub}" is not modelled by twinnet`);
    }
    let bridge: string | undefined;
    let device: string | undefined;
    let dynamic = false;
    while (!args.done) {
      const w = args.next()!;
      if (w.text === 'br' || w.text === 'brport' || w.text === 'dev') {
        const v = nextArg(args, w);
        if (!v.ok) return v;
        if (w.text === 'br') bridge = v.value.text;
        else device = v.value.text;
      } else if (w.text === 'dynamic') {
        dynamic = true;
      } else if (w.text === 'vlan' || w.text === 'state') {
        return unsupportedError(w.position, `"bridge fdb show ${w.text}" is not modelled by twinnet`);
      }
      // bridge/fdb.c fdb_show() ignores any other word.
    }
    body = { kind: 'bridge.fdb.show', bridge, device, dynamic, options };
  } else {
    return unsupportedError(objectWord.position, `"bridge ${object}" is not modelled by twinnet`);
  }
  return ok({ body, ...(netns ? { namespace: netns.text, netnsArgs: [netnsIndex] } : {}) });
}
