/*
 * What tcpdump's default optimisation (libpcap 1.10 optimize.c) changes in a filter's meaning and errors. The test
 * tree is wired into a decision graph as gencode wires BPF blocks (each test with a true and a false successor),
 * then optimised in the two passes of bpf_optimize():
 *
 * 1. Without touching statements (opt_loop with do_stmts 0): jump threading along every path. A test is decided
 *    when the same test was made before on the path, when the same value was found equal to another constant
 *    (fold_edge), or when it compares two literal numbers (opt_peep); a decided test disappears from its path, and
 *    so does a test whose two successors end up the same (opt_j), with its loads: `X or 1 = 1` accepts a frame
 *    too short for X, and a filter no path accepts becomes "reject" ("expression rejects all packets").
 * 2. Statements (do_stmts 1): constant folding of arithmetic (fold_op, opt_stmt: `1 + 2`, `-5`, `x * 0`, `x & 0`,
 *    `0 * x`, `0 / x`...), with errors for a constant zero divisor or a shift above 31 in any surviving test. A test
 *    that folding decides now jumps to one successor, but this pass moves no branches: the tests before it stay,
 *    and only a decided test at the root is skipped (opt_root). So `ip and - 5 = 2` compiles (and matches
 *    nothing), while `- 5 = 2` rejects all packets.
 *
 * Pass 1 decides along paths where libpcap uses edge dominators and its or/and pull-ups, so the two can differ on
 * frames cut short inside the headers a filter reads, and on contradictions only visible across a join.
 */
import { formatValue, type CmpOp, type Node, type Value } from './filter-ir.ts';

/** A node of the decision graph: a leaf (accept or reject), or a test with its two successors. */
export type Dag =
  | { readonly kind: 'leaf'; readonly accept: boolean; readonly id: number }
  | { readonly kind: 'test'; readonly test: TestNode; readonly t: Dag; readonly f: Dag; readonly id: number };

/** The tests a graph node makes: comparisons and live-capture metadata. */
export type TestNode = Extract<Node, { t: 'cmp' | 'meta' }>;

/** Applies one ALU operation to numbers as BPF does (bpf_filter.c; a shift by 32 or more gives 0). */
export function alu(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return (a + b) >>> 0;
    case '-': return (a - b) >>> 0;
    case '*': return Math.imul(a, b) >>> 0;
    case '/': return Math.floor(a / b) >>> 0;
    case '%': return a % b >>> 0;
    case '&': return (a & b) >>> 0;
    case '|': return (a | b) >>> 0;
    case '^': return (a ^ b) >>> 0;
    case '<<': return b < 32 ? (a << b) >>> 0 : 0;
    case '>>': return b < 32 ? a >>> b : 0;
    default: throw new Error(`alu ${op}`);
  }
}

interface Folded {
  readonly v: Value;
  /** The optimiser's error for a constant zero divisor or an oversized shift, if any. */
  readonly error?: string;
}

const ZERO_ABSORBING = new Set(['*', '/', '%', '&', '<<', '>>']);

/** Folds a value as pass 2 does (optimize.c: opt_stmt, fold_op). */
function foldValue(v: Value): Folded {
  const with_ = (value: Value, error: string | undefined): Folded => (error === undefined ? { v: value } : { v: value, error });
  switch (v.k) {
    case 'const':
    case 'len':
      return { v };
    case 'load': {
      const index = foldValue(v.index);
      return with_({ ...v, index: index.v }, index.error);
    }
    case 'neg': {
      const a = foldValue(v.a);
      return with_(a.v.k === 'const' ? { k: 'const', v: -a.v.v >>> 0 } : { k: 'neg', a: a.v }, a.error);
    }
    case 'alu': {
      const a = foldValue(v.a);
      const b = foldValue(v.b);
      let error = a.error ?? b.error;
      const kept: Value = { k: 'alu', op: v.op, a: a.v, b: b.v };
      if (b.v.k === 'const') {
        const k = b.v.v;
        if ((v.op === '/' || v.op === '%') && k === 0) return with_(kept, error ?? (v.op === '/' ? 'division by zero' : 'modulus by zero'));
        if (a.v.k === 'const') return with_({ k: 'const', v: alu(v.op, a.v.v, k) }, error);
        if ((v.op === '<<' || v.op === '>>') && k > 31) error ??= 'shift by more than 31 bits';
        if ((v.op === '*' || v.op === '&') && k === 0) return with_({ k: 'const', v: 0 }, error);
      }
      if (a.v.k === 'const' && a.v.v === 0 && ZERO_ABSORBING.has(v.op)) return with_(a.v, error);
      return with_(kept, error);
    }
  }
}

function compare(op: CmpOp, a: number, b: number): boolean {
  switch (op) {
    case 'eq': return a === b;
    case 'gt': return a > b;
    case 'ge': return a >= b;
    case 'set': return (a & b) !== 0;
  }
}

const TRUE: Node = { t: 'const', v: true };
const FALSE: Node = { t: 'const', v: false };

/** The operands of a left-leaning chain of one connective (`a or b or c` parses as `(a or b) or c`), in order. */
export function chain(n: Extract<Node, { t: 'and' | 'or' }>): Node[] {
  const items: Node[] = [];
  let cur: Node = n;
  while (cur.t === n.t) {
    items.push(cur.b);
    cur = cur.a;
  }
  items.push(cur);
  return items.reverse();
}

/** Decides the comparisons of two literal numbers, as pass 1 does, and the connectives they make constant. */
export function decideLiterals(n: Node): Node {
  switch (n.t) {
    case 'const':
    case 'meta':
      return n;
    case 'cmp':
      return n.a.k === 'const' && n.b.k === 'const' ? (compare(n.op, n.a.v, n.b.v) ? TRUE : FALSE) : n;
    case 'not': {
      const a = decideLiterals(n.a);
      return a.t === 'const' ? (a.v ? FALSE : TRUE) : { t: 'not', a };
    }
    case 'and':
    case 'or': {
      const absorbing = n.t === 'or';
      let out: Node | undefined;
      for (const item of chain(n)) {
        const d = decideLiterals(item);
        if (out === undefined) out = d;
        else if (out.t === 'const') out = out.v === absorbing ? out : d;
        else out = { t: n.t, a: out, b: d };
      }
      return out!;
    }
  }
}

/** The identity of a test for the optimiser: its value, comparison and constant (value numbers, in libpcap). */
export function testKey(test: TestNode): { value: string; op: string; k: number | undefined } {
  if (test.t === 'meta') return { value: `meta:${test.what}`, op: 'eq', k: test.v };
  if (test.b.k === 'const') return { value: formatValue(test.a), op: test.op, k: test.b.v };
  return { value: `${formatValue(test.a)}|${formatValue(test.b)}`, op: test.op, k: undefined };
}

/** A test's identity as text: tests with the same name are the same test. */
function testName(test: TestNode): string {
  const k = testKey(test);
  return `${k.value} ${k.op} ${k.k}`;
}

/**
 * Graphs with more tests than this are not specialised (their paths are too long to walk recursively); BPF
 * programs of that size exceed what the Linux kernel accepts (BPF_MAXINSNS, 4096 instructions) anyway.
 */
const MAX_SPECIALISED = 3000;

/** Builds and specialises decision graphs, sharing equal nodes. */
export class DagBuilder {
  private nextId = 2;
  readonly accept: Dag = { kind: 'leaf', accept: true, id: 0 };
  readonly reject: Dag = { kind: 'leaf', accept: false, id: 1 };
  private readonly interned = new Map<string, Dag>();
  private readonly keysOf = new Map<Dag, ReadonlySet<string>>();

  private make(test: TestNode, t: Dag, f: Dag, pass1 = true): Dag {
    const name = `${pass1 ? 1 : 2}|${testName(test)}|${t.id}|${f.id}`;
    let node = this.interned.get(name);
    if (!node) {
      node = { kind: 'test', test, t, f, id: this.nextId++ };
      this.interned.set(name, node);
    }
    return node;
  }

  /** Wires a test tree as gencode wires blocks: `and` runs b on a's true edge, `or` on its false edge. */
  wire(n: Node, onTrue: Dag = this.accept, onFalse: Dag = this.reject): Dag {
    switch (n.t) {
      case 'const': return n.v ? onTrue : onFalse;
      case 'not': return this.wire(n.a, onFalse, onTrue);
      case 'and':
      case 'or': {
        // Iterate along the chain, last operand first, instead of recursing down its left spine.
        const items = chain(n);
        let next = this.wire(items[items.length - 1]!, onTrue, onFalse);
        for (let i = items.length - 2; i >= 0; i--) next = n.t === 'and' ? this.wire(items[i]!, next, onFalse) : this.wire(items[i]!, onTrue, next);
        return next;
      }
      default: return this.make(n, onTrue, onFalse);
    }
  }

  /** The values a node's graph tests, for keying memoised specialisations on the relevant facts only. */
  private keys(d: Dag): ReadonlySet<string> {
    let ks = this.keysOf.get(d);
    if (ks) return ks;
    if (d.kind === 'leaf') ks = new Set();
    else ks = new Set([testKey(d.test).value, ...this.keys(d.t), ...this.keys(d.f)]);
    this.keysOf.set(d, ks);
    return ks;
  }

  /**
   * Specialises a graph along its paths (optimize.c: opt_j, fold_edge); undefined if it takes more than `budget`
   * steps, in which case the graph is used as wired. A test skipped as the root keeps its loads (`kept`): libpcap
   * threads edges past other blocks, but the root block has no edge into it and opt_root() keeps its statements.
   */
  specialise(root: Dag, budget = 200_000): { root: Dag; kept: TestNode | undefined } | undefined {
    if (this.interned.size > MAX_SPECIALISED) return undefined;
    const memo = new Map<string, Dag>();
    let steps = 0;
    type Fact = { readonly value: string; readonly op: string; readonly k: number | undefined; readonly sense: boolean };
    const known = (key: ReturnType<typeof testKey>, facts: readonly Fact[]): boolean | undefined => {
      for (const f of facts) {
        if (f.value !== key.value) continue;
        if (f.op === key.op && f.k === key.k) return f.sense;
        if (f.op === 'eq' && f.sense && key.op === 'eq' && key.k !== undefined && f.k !== undefined && f.k !== key.k) return false;
      }
      return undefined;
    };
    const branches = (d: Extract<Dag, { kind: 'test' }>, facts: readonly Fact[]): [Dag, Dag] | undefined => {
      const key = testKey(d.test);
      const t = walk(d.t, [...facts, { ...key, sense: true }]);
      const f = t && walk(d.f, [...facts, { ...key, sense: false }]);
      return t && f ? [t, f] : undefined;
    };
    const walk = (d: Dag, facts: readonly Fact[]): Dag | undefined => {
      if (d.kind === 'leaf') return d;
      if (++steps > budget) return undefined;
      const relevant = this.keys(d);
      const mine = facts.filter((f) => relevant.has(f.value));
      const memoKey = `${d.id}:${mine.map((f) => `${f.value} ${f.op} ${f.k} ${f.sense}`).sort().join(';')}`;
      const hit = memo.get(memoKey);
      if (hit) return hit;
      const outcome = known(testKey(d.test), mine);
      let out: Dag | undefined;
      if (outcome !== undefined) out = walk(outcome ? d.t : d.f, mine);
      else {
        const tf = branches(d, mine);
        out = tf && (tf[0] === tf[1] ? tf[0] : this.make(d.test, tf[0], tf[1]));
      }
      if (out) memo.set(memoKey, out);
      return out;
    };
    if (root.kind === 'leaf') return { root, kept: undefined };
    const tf = branches(root, []);
    if (!tf) return undefined;
    return tf[0] === tf[1] ? { root: tf[0], kept: root.test } : { root: this.make(root.test, tf[0], tf[1]), kept: undefined };
  }

  /**
   * Pass 2 (optimize.c: opt_loop with do_stmts): folds the values of every test; a test decided by folding is
   * replaced by the successor it now always takes, without removing the tests before it. Returns the new root,
   * the values the skipped root test still loads, and the first folding error of a surviving test.
   */
  foldStatements(root: Dag, kept?: TestNode): { root: Dag; kept: Value[]; error: string | undefined } {
    const memo = new Map<number, Dag>();
    let error: string | undefined;
    // Children before parents, without recursion: a node is mapped once both its successors are.
    const pending: Dag[] = [root];
    while (pending.length > 0) {
      const d = pending[pending.length - 1]!;
      if (d.kind === 'leaf' || memo.has(d.id)) {
        pending.pop();
        continue;
      }
      const waiting = [d.t, d.f].filter((c) => c.kind === 'test' && !memo.has(c.id));
      if (waiting.length > 0) {
        pending.push(...waiting);
        continue;
      }
      pending.pop();
      const mapped = (c: Dag): Dag => (c.kind === 'leaf' ? c : memo.get(c.id)!);
      let out: Dag;
      if (d.test.t === 'meta') out = this.make(d.test, mapped(d.t), mapped(d.f), false);
      else {
        const a = foldValue(d.test.a);
        const b = foldValue(d.test.b);
        error ??= a.error ?? b.error;
        if (a.error === undefined && b.error === undefined && a.v.k === 'const' && b.v.k === 'const') out = mapped(compare(d.test.op, a.v.v, b.v.v) ? d.t : d.f);
        else out = this.make({ t: 'cmp', op: d.test.op, a: a.v, b: b.v }, mapped(d.t), mapped(d.f), false);
      }
      memo.set(d.id, out);
    }
    const walk = (d: Dag): Dag => (d.kind === 'leaf' ? d : memo.get(d.id)!);
    const out = walk(root);
    const loads: Value[] = [];
    if (kept?.t === 'cmp') {
      for (const v of [kept.a, kept.b]) {
        const folded = foldValue(v);
        error ??= folded.error;
        if (folded.v.k !== 'const') loads.push(folded.v);
      }
    }
    return { root: out, kept: loads, error };
  }
}
