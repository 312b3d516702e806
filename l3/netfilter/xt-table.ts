import { err, ok, type Result } from '../../core/result.ts';
import type { NfHook } from '../hooks.ts';
import { sameRule, type XtRule, type XtRuleSpec } from './xt-rule.ts';

/** The iptables tables twinnet models. */
export type TableName = 'filter' | 'nat';

/** The built-in chains of each table, in the order iptables lists them (iptables/nft.c builtin_table). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly NfHook[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/**
 * A chain (struct nft_chain as iptables-nft sees it). A built-in chain exists in the kernel only once a command
 * wrote to it (`-A`, `-I`, `-P`, `-F CHAIN`): before that it neither counts packets nor can be zeroed; `-X` of
 * an empty one deletes it again. User chains exist from `-N` to `-X`.
 */
export interface XtChain {
  readonly name: string;
  readonly hook: NfHook | undefined;
  exists: boolean;
  /**
   * Whether the base chain has policy counters (NFTA_CHAIN_COUNTERS): iptables-nft gives them with `-P` and `-Z`
   * only, so a chain made by `-A` shows `policy ACCEPT 0 packets` however many packets its policy accepted
   * (measured).
   */
  counted: boolean;
  policy: 'ACCEPT' | 'DROP';
  policyPackets: number;
  policyBytes: number;
  rules: XtRule[];
}

/** An iptables failure: what it prints on stderr and its exit status. */
export interface IptablesError {
  readonly message: string;
  readonly status: number;
}

const PREFIX = 'iptables v1.8.9 (nf_tables): ';

/** xtables_error(PARAMETER_PROBLEM, …): the message, then the hint, exit 2. */
export function parameterProblem(message: string): IptablesError {
  return { message: `${PREFIX}${message}\nTry \`iptables -h' or 'iptables --help' for more information.`, status: 2 };
}

/** nft_strerror(ENOENT) as iptables prints it for a missing chain (exit 1). */
export const NO_CHAIN: IptablesError = { message: 'iptables: No chain/target/match by that name.', status: 1 };
/** `-D` with a rule that is not in the chain. */
export const BAD_RULE: IptablesError = { message: 'iptables: Bad rule (does a matching rule exist in that chain?).', status: 1 };
/** `-N` of a chain that exists (built-in names always do). */
export const CHAIN_EXISTS: IptablesError = { message: 'iptables: Chain already exists.', status: 1 };

function indexTooBig(what: 'insertion' | 'replacement' | 'deletion'): IptablesError {
  return { message: `iptables: Index of ${what} too big.`, status: 1 };
}

/** A netlink batch the kernel refused (mnl_batch_talk() error, iptables/nft.c nft_action()), exit 4. */
function kernelError(op: 'RULE_APPEND' | 'RULE_INSERT' | 'RULE_REPLACE' | 'CHAIN_DEL', errno: string, chain: string): IptablesError {
  const what = op === 'CHAIN_DEL' ? 'chain' : 'rule in chain';
  return { message: `${PREFIX} ${op} failed (${errno}): ${what} ${chain}`, status: 4 };
}

/** NFT_JUMP_STACK_SIZE: deeper jumps (and loops reachable from a base chain) are refused with EMLINK. */
const JUMP_STACK_SIZE = 16;

/** The tables a target belongs to and the hooks it may be reached from (the xt targets' .table and .hooks). */
const TARGET_PLACES: Readonly<Record<string, { table: TableName; hooks: readonly NfHook[] }>> = {
  MASQUERADE: { table: 'nat', hooks: ['POSTROUTING'] },
  SNAT: { table: 'nat', hooks: ['POSTROUTING', 'INPUT'] },
  DNAT: { table: 'nat', hooks: ['PREROUTING', 'OUTPUT'] },
  REJECT: { table: 'filter', hooks: ['INPUT', 'FORWARD', 'OUTPUT'] },
};

/**
 * One iptables table of a namespace (an nftables table managed by iptables-nft): its chains, rules, counters,
 * and the operations of `iptables -A/-I/-D/-R/-F/-X/-N/-P/-Z`, each refused in iptables' words and leaving the
 * table unchanged when it fails.
 */
export class XtTable {
  /** Whether the nftables table exists: iptables-save prints only those (created by the first write). */
  created = false;
  readonly chains = new Map<string, XtChain>();

  constructor(readonly name: TableName) {
    for (const hook of BUILTIN_CHAINS[name]) this.chains.set(hook, this.newChain(hook, hook));
  }

  private newChain(name: string, hook: NfHook | undefined): XtChain {
    return { name, hook, exists: hook === undefined, counted: false, policy: 'ACCEPT', policyPackets: 0, policyBytes: 0, rules: [] };
  }

  /** The built-in chains in listing order, then the user chains sorted by name (iptables-nft's chain cache). */
  listed(): XtChain[] {
    const builtin = BUILTIN_CHAINS[this.name].map((h) => this.chains.get(h)!);
    const user = [...this.chains.values()].filter((c) => c.hook === undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return [...builtin, ...user];
  }

  /** A chain by name (built-in or user). */
  chain(name: string): XtChain | undefined {
    return this.chains.get(name);
  }

  /** How many rules jump to `name` (the "(N references)" of `iptables -L`). */
  references(name: string): number {
    let n = 0;
    for (const c of this.chains.values()) for (const r of c.rules) if (r.spec.target.kind === 'jump' && r.spec.target.chain === name) n++;
    return n;
  }

  /** A chain that commands writing rules may use: built-in ones always (created on write), user ones when they exist. */
  private writable(name: string): XtChain | undefined {
    return this.chains.get(name);
  }

  /** `-A CHAIN RULE`. */
  append(name: string, spec: XtRuleSpec): Result<void, IptablesError> {
    const chain = this.writable(name);
    if (!chain) return err(NO_CHAIN);
    return this.commit('RULE_APPEND', chain, () => chain.rules.push({ spec, packets: 0, bytes: 0 }));
  }

  /** `-I CHAIN [N] RULE` (N from 1; one past the end appends). */
  insert(name: string, ruleNumber: number, spec: XtRuleSpec): Result<void, IptablesError> {
    const chain = this.writable(name);
    if (!chain) return err(NO_CHAIN);
    if (ruleNumber > chain.rules.length + 1) return err(indexTooBig('insertion'));
    return this.commit('RULE_INSERT', chain, () => chain.rules.splice(ruleNumber - 1, 0, { spec, packets: 0, bytes: 0 }));
  }

  /** `-R CHAIN N RULE`: the new rule starts with fresh counters. */
  replace(name: string, ruleNumber: number, spec: XtRuleSpec): Result<void, IptablesError> {
    const chain = this.chains.get(name);
    if (!chain || !chain.exists) return err(NO_CHAIN);
    if (ruleNumber > chain.rules.length) return err(indexTooBig('replacement'));
    return this.commit('RULE_REPLACE', chain, () => chain.rules.splice(ruleNumber - 1, 1, { spec, packets: 0, bytes: 0 }));
  }

  /** `-D CHAIN RULE`: the first rule equal to it. */
  deleteRule(name: string, spec: XtRuleSpec): Result<void, IptablesError> {
    const chain = this.chains.get(name);
    const at = chain && chain.exists ? chain.rules.findIndex((r) => sameRule(r.spec, spec)) : -1;
    if (!chain || at < 0) return err(BAD_RULE);
    chain.rules.splice(at, 1);
    return ok(undefined);
  }

  /** `-D CHAIN N`. */
  deleteNumber(name: string, ruleNumber: number): Result<void, IptablesError> {
    const chain = this.chains.get(name);
    if (!chain || !chain.exists) return err(NO_CHAIN);
    if (ruleNumber > chain.rules.length) return err(indexTooBig('deletion'));
    chain.rules.splice(ruleNumber - 1, 1);
    return ok(undefined);
  }

  /** `-F [CHAIN]`: without a chain every existing chain is emptied; `-F BUILTIN` creates the chain. */
  flush(name: string | undefined): Result<void, IptablesError> {
    if (name === undefined) {
      for (const c of this.chains.values()) c.rules = [];
      return ok(undefined);
    }
    const chain = this.chains.get(name);
    if (!chain) return err(NO_CHAIN);
    this.created = true;
    chain.exists = true;
    chain.rules = [];
    return ok(undefined);
  }

  /** `-Z [CHAIN]`: rule and policy counters back to 0 (and a base chain has policy counters from then on). */
  zero(name: string | undefined): Result<void, IptablesError> {
    const chains = name === undefined ? [...this.chains.values()].filter((c) => c.exists) : [this.chains.get(name)];
    const missing = chains.some((c) => !c || !c.exists);
    if (missing) return err(NO_CHAIN);
    for (const c of chains as XtChain[]) {
      c.counted = true;
      c.policyPackets = 0;
      c.policyBytes = 0;
      for (const r of c.rules) {
        r.packets = 0;
        r.bytes = 0;
      }
    }
    return ok(undefined);
  }

  /** `-N CHAIN`; the name has been checked by checkChainName(). */
  addChain(name: string): Result<void, IptablesError> {
    if (this.chains.has(name)) return err(CHAIN_EXISTS);
    this.created = true;
    this.chains.set(name, this.newChain(name, undefined));
    return ok(undefined);
  }

  /**
   * `-X [CHAIN]`: a chain with rules or references is busy (EBUSY from nf_tables_delchain()); an empty built-in
   * chain can be deleted too. Without a name every user chain goes, or none when one is busy.
   */
  deleteChain(name: string | undefined): Result<void, IptablesError> {
    const busy = (c: XtChain): boolean => c.rules.length > 0 || this.references(c.name) > 0;
    if (name === undefined) {
      const user = this.listed().filter((c) => c.hook === undefined);
      const blocked = user.find(busy);
      if (blocked) return err(kernelError('CHAIN_DEL', 'Device or resource busy', blocked.name));
      for (const c of user) this.chains.delete(c.name);
      return ok(undefined);
    }
    const chain = this.chains.get(name);
    if (!chain || !chain.exists) return err(NO_CHAIN);
    if (busy(chain)) return err(kernelError('CHAIN_DEL', 'Device or resource busy', name));
    if (chain.hook) this.chains.set(name, this.newChain(name, chain.hook));
    else this.chains.delete(name);
    return ok(undefined);
  }

  /** `-P CHAIN POLICY` (built-in chains only; creates the chain). */
  setPolicy(name: string, policy: 'ACCEPT' | 'DROP'): Result<void, IptablesError> {
    const chain = this.chains.get(name);
    if (!chain || !chain.hook) return err({ message: 'iptables: Bad built-in chain name.', status: 1 });
    this.created = true;
    chain.exists = true;
    chain.policy = policy;
    // nft_chain_set(): the policy goes with fresh counters.
    chain.counted = true;
    chain.policyPackets = 0;
    chain.policyBytes = 0;
    return ok(undefined);
  }

  /**
   * Applies a rule change, then validates the table as nf_tables does at commit: NAT and REJECT targets only in
   * their table, `--reject-with tcp-reset` only with `-p tcp`, no jump to a built-in chain, every rule reachable
   * from a base chain valid for that hook, jumps at most 16 deep (loops included). Undone when refused.
   */
  private commit(op: 'RULE_APPEND' | 'RULE_INSERT' | 'RULE_REPLACE', chain: XtChain, change: () => void): Result<void, IptablesError> {
    const saved = { rules: [...chain.rules], exists: chain.exists, created: this.created };
    change();
    chain.exists = true;
    this.created = true;
    const problem = this.validate();
    if (problem) {
      chain.rules = saved.rules;
      chain.exists = saved.exists;
      this.created = saved.created;
      return err(kernelError(op, problem, chain.name));
    }
    return ok(undefined);
  }

  /** The errno text of the first problem in the table, or undefined (nft_target_init() checks, nft_table_validate()). */
  private validate(): string | undefined {
    for (const c of this.chains.values()) {
      for (const r of c.rules) {
        const t = r.spec.target;
        const place = TARGET_PLACES[t.kind];
        if (place && place.table !== this.name) return 'Invalid argument';
        if (t.kind === 'REJECT' && t.rejectWith === 'tcp-reset' && (r.spec.protocol?.value !== 6 || r.spec.protocol.negated)) return 'Invalid argument';
        if (t.kind === 'jump' && this.chains.get(t.chain)?.hook !== undefined) return 'No such file or directory';
      }
    }
    for (const hook of BUILTIN_CHAINS[this.name]) {
      const base = this.chains.get(hook)!;
      if (!base.exists) continue;
      const problem = this.walk(base, hook, 0);
      if (problem) return problem;
    }
    return undefined;
  }

  private walk(chain: XtChain, hook: NfHook, depth: number): string | undefined {
    if (depth > JUMP_STACK_SIZE) return 'Too many links';
    for (const r of chain.rules) {
      const t = r.spec.target;
      const place = TARGET_PLACES[t.kind];
      if (place && !place.hooks.includes(hook)) return 'Invalid argument';
      if (t.kind === 'jump') {
        const next = this.chains.get(t.chain);
        if (next) {
          const problem = this.walk(next, hook, depth + 1);
          if (problem) return problem;
        }
      }
    }
    return undefined;
  }
}

/** Target names a chain may not take (the standard verdicts and the target extensions iptables can load). */
const TARGET_NAMES = new Set(['ACCEPT', 'DROP', 'QUEUE', 'RETURN', 'REJECT', 'LOG', 'MASQUERADE', 'SNAT', 'DNAT', 'REDIRECT', 'MARK', 'CONNMARK', 'TCPMSS', 'NOTRACK', 'CT', 'TEE', 'NFLOG', 'NFQUEUE', 'TRACE', 'TPROXY', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'NETMAP', 'SECMARK', 'CONNSECMARK', 'AUDIT', 'CHECKSUM', 'IDLETIMER', 'LED', 'SET', 'SYNPROXY', 'HMARK', 'RATEEST', 'CLUSTERIP', 'ECN']);

/** The checks of `-N NAME` in do_parse() (iptables/xshared.c), before any kernel request. */
export function checkChainName(name: string): IptablesError | undefined {
  if (name.length >= 29) return parameterProblem(`chain name \`${name}' too long (must be under 29 chars)`);
  if (name.startsWith('-') || name.startsWith('!')) return parameterProblem("chain name not allowed to start with `-'");
  if (TARGET_NAMES.has(name)) return parameterProblem('chain name may not clash with target name');
  return undefined;
}
