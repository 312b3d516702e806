import { SECOND } from '../../core/clock.ts';
import type { Command, ConntrackList, Iptables, IptablesSave } from '../../core/scenario/index.ts';
import { conntrackLine, conntrackSummary, conntrackUse } from '../../l3/netfilter/conntrack-list.ts';
import { existingNetfilter, netfilterOf, type Netfilter } from '../../l3/netfilter/netfilter.ts';
import { listChains } from '../../l3/netfilter/xt-list.ts';
import { logLevel, normaliseRule, type XtRuleSpec } from '../../l3/netfilter/xt-rule.ts';
import { ctime, listRules, saveTable } from '../../l3/netfilter/xt-save.ts';
import { checkChainName, parameterProblem, type IptablesError, type XtTable } from '../../l3/netfilter/xt-table.ts';
import { done, fail, type ExecContext, type Outcome } from './context.ts';

/** iptables' error for `-L`/`-S` of a chain the table does not have (nft_chain_list_get() failing on a name). */
function incompatible(chain: string, table: string): IptablesError {
  return { message: `iptables v1.8.9 (nf_tables): chain \`${chain}' in table \`${table}' is incompatible, use 'nft' tool.`, status: 1 };
}

function failWith(ctx: ExecContext, e: IptablesError): Outcome {
  return fail(ctx.io, e.message, e.status);
}

/** The user-space checks of a rule command (iptables/xshared.c do_parse() and its callers), before the kernel sees it. */
function checkRule(table: XtTable, tableName: string, chain: string, spec: XtRuleSpec, logLevelText: string | undefined): IptablesError | undefined {
  if ((chain === 'PREROUTING' || chain === 'INPUT') && spec.outInterface) return parameterProblem(`Can't use -o with ${chain}\n`);
  if ((chain === 'POSTROUTING' || chain === 'OUTPUT') && spec.inInterface) return parameterProblem(`Can't use -i with ${chain}\n`);
  if (tableName === 'nat' && spec.target.kind === 'DROP') return parameterProblem('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
  if (spec.target.kind === 'LOG' && logLevel(logLevelText) === undefined) return parameterProblem(`log level "${logLevelText}" unknown\n`);
  const t = spec.target;
  if (t.kind === 'jump' && !table.chain(t.chain)) return parameterProblem(`Chain '${t.chain}' does not exist`);
  return undefined;
}

/**
 * `iptables [-t filter|nat] -A/-I/-D/-R/-F/-X/-N/-P/-Z/-S/-L …` on the namespace's tables, printing what
 * iptables 1.8.9 (nf_tables) prints and failing in its words with its exit status; a refused command changes
 * nothing.
 */
export function iptables(ctx: ExecContext<Command & Iptables>): Outcome {
  const nf = netfilterOf(ctx.ns);
  const tableName = ctx.command.table;
  const table = nf.tables[tableName];
  const c = ctx.command.command;
  let result: { ok: true; value: void } | { ok: false; error: IptablesError };
  switch (c.op) {
    case 'append':
    case 'insert':
    case 'replace':
    case 'delete': {
      const levelText = c.rule.target?.kind === 'LOG' ? c.rule.target.level : undefined;
      const spec = normaliseRule(c.rule, logLevel(levelText) ?? 4);
      const problem = checkRule(table, tableName, c.chain, spec, levelText);
      if (problem) return failWith(ctx, problem);
      if (c.op === 'append') result = table.append(c.chain, spec);
      else if (c.op === 'insert') result = table.insert(c.chain, c.ruleNumber, spec);
      else if (c.op === 'replace') result = table.replace(c.chain, c.ruleNumber, spec);
      else result = table.deleteRule(c.chain, spec);
      break;
    }
    case 'delete-number':
      result = table.deleteNumber(c.chain, c.ruleNumber);
      break;
    case 'flush':
      result = table.flush(c.chain);
      break;
    case 'zero':
      result = table.zero(c.chain);
      break;
    case 'new-chain': {
      const problem = checkChainName(c.chain);
      if (problem) return failWith(ctx, problem);
      result = table.addChain(c.chain);
      break;
    }
    case 'delete-chain':
      result = table.deleteChain(c.chain);
      break;
    case 'policy':
      if (tableName === 'nat' && c.policy === 'DROP') return failWith(ctx, parameterProblem('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n'));
      result = table.setPolicy(c.chain, c.policy);
      break;
    case 'list':
    case 'list-rules': {
      const chain = c.chain === undefined ? undefined : table.chain(c.chain);
      if (c.chain !== undefined && !chain) return failWith(ctx, incompatible(c.chain, tableName));
      if (c.op === 'list') ctx.io.stdout(listChains(table, chain, { numeric: c.numeric, verbose: c.verbose, exact: c.exact, lineNumbers: c.lineNumbers }));
      else ctx.io.stdout(listRules(table, chain, c.verbose));
      return done();
    }
  }
  if (!result.ok) return failWith(ctx, result.error);
  nf.rulesChanged();
  return done();
}

/**
 * `iptables-save [-t TABLE] [-c]`: the tables the namespace's kernel has (filter, then nat). The dated comments
 * carry a fixed date, the Unix epoch plus the virtual clock, in UTC; compare ignores them (DESIGN.md §5).
 */
export function iptablesSave(ctx: ExecContext<Command & IptablesSave>): Outcome {
  const nf = existingNetfilter(ctx.ns);
  if (!nf) return done();
  const date = ctime(Math.floor(ctx.net.now / SECOND));
  for (const name of ['filter', 'nat'] as const) {
    if (ctx.command.table !== undefined && ctx.command.table !== name) continue;
    const table = nf.tables[name];
    if (table.created) ctx.io.stdout(saveTable(table, ctx.command.counters, date));
  }
  return done();
}

/** `conntrack -L [-p PROTO]`: the namespace's connections, then conntrack-tools' count on stderr. */
export function conntrackList(ctx: ExecContext<Command & ConntrackList>): Outcome {
  const nf: Netfilter | undefined = existingNetfilter(ctx.ns);
  const now = ctx.net.now;
  const wanted = ctx.command.protocol === undefined ? undefined : { tcp: 6, udp: 17, icmp: 1 }[ctx.command.protocol];
  const entries = (nf?.conntrack.entries(now) ?? []).filter((conn) => wanted === undefined || conn.protocol === wanted);
  for (const conn of entries) ctx.io.stdout(`${conntrackLine(conn, now, conntrackUse(ctx.ns, nf!.conntrack, conn, now))}\n`);
  ctx.io.stderr(`${conntrackSummary(entries.length)}\n`);
  return done();
}

