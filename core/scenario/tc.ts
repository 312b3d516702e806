/** `tc qdisc add|del dev DEV root netem …` (tc/tc.c, tc/tc_qdisc.c, tc/q_netem.c), simulator only: this kernel lacks netem. */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError, type Word } from './args.ts';
import type { CommandBody } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { firstMatch, matches } from './iproute2.ts';

/** q_netem.c explain(), as iproute2 6.1 prints it. */
const NETEM_USAGE = [
  'Usage: ... netem [ limit PACKETS ]',
  '                 [ delay TIME [ JITTER [CORRELATION]]]',
  '                 [ distribution {uniform|normal|pareto|paretonormal} ]',
  '                 [ corrupt PERCENT [CORRELATION]]',
  '                 [ duplicate PERCENT [CORRELATION]]',
  '                 [ loss random PERCENT [CORRELATION]]',
  '                 [ loss state P13 [P31 [P32 [P23 P14]]]',
  '                 [ loss gemodel PERCENT [R [1-H [1-K]]]',
  '                 [ ecn ]',
  '                 [ reorder PERCENT [CORRELATION] [ gap DISTANCE ]]',
  '                 [ rate RATE [PACKETOVERHEAD] [CELLSIZE] [CELLOVERHEAD]]',
  '                 [ slot MIN_DELAY [MAX_DELAY] [packets MAX_PACKETS] [bytes MAX_BYTES]]',
  '                 [ slot distribution {uniform|normal|pareto|paretonormal|custom}',
  '                   DELAY JITTER [packets MAX_PACKETS] [bytes MAX_BYTES]]',
].join('\n');

/** tc/tc_util.c parse_percent(): `P%` or `P`, as a percentage 0–100. */
function percent(w: Word, name: string): Result<number, ScenarioError> {
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)%?$/.exec(w.text);
  if (!m || Number(m[1]) > 100) return toolError(w.position, `Illegal "${name}"`);
  return ok(Number(m[1]));
}

/** tc/tc_util.c get_time(): `Ns`, `Nms`, `Nus`, `Nns` (a bare number is microseconds), in nanoseconds. */
function time(w: Word): Result<number, ScenarioError> {
  const m = /^([0-9]+(?:\.[0-9]*)?)(s|sec|secs|ms|msec|msecs|us|usec|usecs|ns|nsec|nsecs)?$/.exec(w.text);
  if (!m) return toolError(w.position, 'Illegal "latency"');
  const unit = m[2] ?? 'us';
  const scale = unit.startsWith('s') ? 1e9 : unit.startsWith('m') ? 1e6 : unit.startsWith('u') ? 1e3 : 1;
  return ok(Math.round(Number(m[1]) * scale));
}

/** Parses `tc …` (argv[0] is `tc`). */
export function parseTc(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  const object = args.next();
  if (!object) return unsupportedError(tool.position, '"tc" without an object prints its usage');
  const obj = firstMatch(object.text, ['qdisc', 'class', 'filter', 'chain', 'actions', 'action', 'monitor', 'exec', 'help'] as const);
  if (obj === undefined) return toolError(object.position, `Object "${object.text}" is unknown, try "tc help".`);
  if (obj !== 'qdisc') return unsupportedError(object.position, `"tc ${obj}" is not modelled by twinnet`);
  const verb = args.next();
  if (!verb) return unsupportedError(object.position, '"tc qdisc show" is not modelled by twinnet');
  const sub = firstMatch(verb.text, ['add', 'change', 'replace', 'link', 'delete', 'show', 'list', 'lst', 'help'] as const);
  if (sub === undefined) return toolError(verb.position, `Command "${verb.text}" is unknown, try "tc qdisc help".`);
  if (sub !== 'add' && sub !== 'delete') return unsupportedError(verb.position, `"tc qdisc ${sub}" is not modelled by twinnet`);
  let device: string | undefined;
  let root = false;
  let kind: Word | undefined;
  while (!args.done && !kind) {
    const w = args.next()!;
    if (w.text === 'dev') {
      const v = args.next();
      if (!v) return toolError(w.position, 'Command line is not complete. Try option "help"');
      device = v.text;
    } else if (w.text === 'root') {
      root = true;
    } else if (['handle', 'parent', 'estimator', 'stab', 'ingress', 'clsact', 'ingress_block', 'egress_block'].includes(w.text)) {
      return unsupportedError(w.position, `"tc qdisc … ${w.text}" is not modelled by twinnet`);
    } else {
      kind = w;
    }
  }
  if (device === undefined) return toolError(verb.position, 'Not enough information: "dev" argument is required.');
  if (!root) return unsupportedError(verb.position, 'only a "root" qdisc is modelled by twinnet');
  if (sub === 'delete') {
    if (kind && kind.text !== 'netem') return unsupportedError(kind.position, `qdisc "${kind.text}" is not modelled by twinnet`);
    return ok({ kind: 'tc.netem.del', device });
  }
  if (!kind) return unsupportedError(verb.position, '"tc qdisc add" without a qdisc kind');
  if (kind.text !== 'netem') return unsupportedError(kind.position, `qdisc "${kind.text}" is not modelled by twinnet (netem is)`);
  let loss: number | undefined, delay: number | undefined, duplicate: number | undefined, reorder: number | undefined;
  while (!args.done) {
    const w = args.next()!;
    const v = args.next();
    if (!v) return toolError(w.position, 'Command line is not complete. Try option "help"');
    if (matches(w.text, 'loss') || w.text === 'drop') {
      const value = v.text === 'random' ? args.next() : v;
      if (!value) return toolError(v.position, 'Command line is not complete. Try option "help"');
      // q_netem.c: `loss random P` reports a bad percentage as "loss percent" (measured with iproute2 6.1).
      const p = /^[0-9.]+%?$/.test(value.text) ? percent(value, 'loss percent') : toolError(value.position, `Unknown loss parameter: ${value.text}`);
      if (!p.ok) return p;
      loss = p.value;
    } else if (matches(w.text, 'latency') || matches(w.text, 'delay')) {
      const t = time(v);
      if (!t.ok) return t;
      delay = t.value;
      if (!args.done && /^[0-9]/.test(args.peek()!.text)) return unsupportedError(args.peek()!.position, 'netem delay jitter/correlation is not modelled by twinnet');
    } else if (matches(w.text, 'duplicate')) {
      const p = percent(v, 'duplicate');
      if (!p.ok) return p;
      duplicate = p.value;
    } else if (matches(w.text, 'reorder')) {
      const p = percent(v, 'reorder');
      if (!p.ok) return p;
      reorder = p.value;
    } else if (['corrupt', 'gap', 'distribution', 'rate', 'slot', 'limit', 'ecn'].some((k) => matches(w.text, k))) {
      return unsupportedError(w.position, `netem "${w.text}" is not modelled by twinnet`);
    } else {
      return toolError(w.position, `What is "${w.text}"?`);
    }
  }
  // q_netem.c netem_parse_opt(): reordering needs a delay (then gap 1); tc says so and prints its usage, exit 1.
  if (reorder && !delay) return toolError(kind.position, `reordering not possible without specifying some delay\n${NETEM_USAGE}`);
  return ok({ kind: 'tc.netem.add', device, loss, delay, duplicate, reorder });
}
