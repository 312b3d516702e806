/**
 * The reachability property (issue 6): who can reach whom over ICMP, UDP and TCP, as a run observed it, equals
 * what a graph-level oracle computes from the configuration (routes, bridges, forwarding, filter and nat rules:
 * core/properties/config.ts, walk.ts). A probe is one of the generator's (core/gen/plan.ts):
 * - `ping -c 1 -W 1 ADDR`: reached when ping exits 0;
 * - `nc -z -w 1 ADDR PORT` to a `nc -l -p PORT &` listener: reached when nc exits 0;
 * - `nc -u -q 0 ADDR PORT <<< TOKEN` to a `nc -u -l -p PORT &` listener: reached when a listener printed TOKEN.
 * The oracle also says which configuration commands succeed; a command whose exit status disagrees is a violation
 * too. Probes the oracle cannot judge (see walk.ts) are counted as unjudged, never as passes.
 */
import type { Command, Scenario, Statement } from '../scenario/index.ts';
import { NetModel } from './config.ts';
import { allOutput, type Observation } from './observation.ts';
import type { PropertyResult } from './result.ts';
import { consumeListener, judgeProbe, type Proto, type Verdict } from './walk.ts';

/** One probe of a run: the oracle's verdict and what happened. */
export interface ProbeOutcome {
  readonly line: number;
  readonly command: string;
  readonly proto: Proto;
  readonly verdict: Verdict;
  readonly observed: boolean;
}

/** A probe command's transport, destination and how its outcome shows; undefined when the command is no probe. */
function probeOf(c: Command, background: boolean): { proto: Proto; dst: number; port: number; token?: string } | undefined {
  if (background) return undefined;
  if (c.kind === 'ping') {
    if (c.count !== 1 || c.interface !== undefined || c.sourceAddress !== undefined || c.ttl !== undefined || c.broadcast || c.size !== undefined) return undefined;
    return { proto: 'icmp', dst: c.destination, port: 0 };
  }
  if (c.kind === 'nc' && !c.listen && c.host !== undefined && c.port !== undefined && c.sourceAddress === undefined && c.sourcePort === undefined) {
    if (!c.udp && c.zeroIo) return { proto: 'tcp', dst: c.host, port: c.port };
    if (c.udp && !c.zeroIo && c.stdin !== undefined && c.quitAfterEof === 0) return { proto: 'udp', dst: c.host, port: c.port, token: c.stdin.trim() };
  }
  return undefined;
}

/** The single command of a plain statement (no pipes, `&&`, `||`), or undefined. */
function single(s: Statement): Command | undefined {
  if (s.pipelines.length !== 1 || s.pipelines[0]!.commands.length !== 1) return undefined;
  return s.pipelines[0]!.commands[0];
}

/** Checks every probe of a script scenario against the oracle, and every configuration command's success. */
export function checkReachability(scenario: Scenario, obs: Observation): PropertyResult & { readonly probes: readonly ProbeOutcome[] } {
  const name = 'reachability';
  if (scenario.form !== 'script') return { name, checked: 0, unjudged: 0, violations: [], notes: ['documents are not judged'], probes: [] };
  const model = new NetModel();
  const violations: string[] = [];
  const notes: string[] = [];
  const probes: ProbeOutcome[] = [];
  const entries = obs.transcript.filter((e) => !e.preamble);
  const printed = new Set(allOutput(obs).split('\n'));
  let checked = 0;
  let unjudged = 0;
  scenario.statements.forEach((statement, i) => {
    const entry = entries[i];
    const command = single(statement);
    if (!entry || entry.position.line !== statement.position.line) {
      if (!model.unmodelled) model.unmodelled = `transcript entry ${i} does not match line ${statement.position.line}`;
      return;
    }
    if (!command) {
      if (statement.pipelines.some((p) => p.commands.some((c) => c.kind !== 'echo'))) model.unmodelled ??= `line ${statement.position.line}: a compound statement`;
      return;
    }
    const probe = probeOf(command, statement.background);
    if (probe) {
      const from = model.ns(command.namespace);
      if (!from) return;
      const verdict = judgeProbe(model, from, probe.dst, probe.proto, probe.port);
      const observed = probe.token !== undefined ? printed.has(probe.token) : entry.status === 0;
      probes.push({ line: statement.position.line, command: entry.command, proto: probe.proto, verdict, observed });
      if (verdict.verdict === 'unknown') {
        unjudged++;
        return;
      }
      checked++;
      if ((verdict.verdict === 'yes') !== observed) {
        violations.push(`line ${statement.position.line}: ${entry.command}: the oracle says ${verdict.verdict === 'yes' ? 'it gets through' : 'it does not get through'} (${verdict.why}), but it ${observed ? 'did' : 'did not'}`);
      }
      if (verdict.verdict === 'yes') consumeListener(model, from, probe.dst, probe.proto, probe.port);
      return;
    }
    const unmodelledBefore = model.unmodelled;
    const applied = model.apply({ ...command, background: statement.background });
    if (applied.status !== undefined && !unmodelledBefore && !model.unmodelled && (applied.status === 0) !== (entry.status === 0)) {
      violations.push(`line ${statement.position.line}: ${entry.command}: exited ${entry.status}, the oracle expects ${applied.status === 0 ? 'success' : 'failure'}`);
    }
  });
  if (model.unmodelled) notes.push(`not modelled from: ${model.unmodelled}`);
  return { name, checked, unjudged, violations, notes, probes };
}

/** A probe's outcome as one line for a report. */
export function formatProbe(p: ProbeOutcome): string {
  return `line ${p.line} ${p.proto} ${p.verdict.verdict}/${p.observed ? 'reached' : 'not reached'}: ${p.command}`;
}

