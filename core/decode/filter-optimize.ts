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
      const a = decideLiterals(n.a);
      const b = decideLiterals(n.b);
      const absorbing = n.t === 'or';
      if (a.t === 'const') return a.v === absorbing ? a : b;
      return { t: n.t, a, b };
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
      case 'and': return this.wire(n.a, this.wire(n.b, onTrue, onFalse), onFalse);
      case 'or': return this.wire(n.a, onTrue, this.wire(n.b, onTrue, onFalse));
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
   * steps, in which case the graph is used as wired.
   */
  specialise(root: Dag, budget = 200_000): Dag | undefined {
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
    const walk = (d: Dag, facts: readonly Fact[]): Dag | undefined => {
      if (d.kind === 'leaf') return d;
      if (++steps > budget) return undefined;
      const relevant = this.keys(d);
      const mine = facts.filter((f) => relevant.has(f.value));
      const memoKey = `${d.id}:${mine.map((f) => `${f.value} ${f.op} ${f.k} ${f.sense}`).sort().join(';')}`;
      const hit = memo.get(memoKey);
      if (hit) return hit;
      const key = testKey(d.test);
      const outcome = known(key, mine);
      let out: Dag | undefined;
      if (outcome !== undefined) out = walk(outcome ? d.t : d.f, mine);
      else {
        const t = walk(d.t, [...mine, { ...key, sense: true }]);
        const f = t && walk(d.f, [...mine, { ...key, sense: false }]);
        out = t && f && (t === f ? t : this.make(d.test, t, f));
      }
      if (out) memo.set(memoKey, out);
      return out;
    };
    return walk(root, []);
  }

  /**
   * Pass 2 (optimize.c: opt_loop with do_stmts): folds the values of every test; a test decided by folding is
   * replaced by the successor it now always takes, without removing the tests before it. Returns the new root
   * and the first folding error of a surviving test.
   */
  foldStatements(root: Dag): { root: Dag; error: string | undefined } {
    const memo = new Map<number, Dag>();
    let error: string | undefined;
    const walk = (d: Dag): Dag => {
      if (d.kind === 'leaf') return d;
      const hit = memo.get(d.id);
      if (hit) return hit;
      let out: Dag;
      if (d.test.t === 'meta') out = this.make(d.test, walk(d.t), walk(d.f), false);
      else {
        const a = foldValue(d.test.a);
        const b = foldValue(d.test.b);
        error ??= a.error ?? b.error;
        if (a.error === undefined && b.error === undefined && a.v.k === 'const' && b.v.k === 'const') out = walk(compare(d.test.op, a.v.v, b.v.v) ? d.t : d.f);
        else out = this.make({ t: 'cmp', op: d.test.op, a: a.v, b: b.v }, walk(d.t), walk(d.f), false);
      }
      memo.set(d.id, out);
      return out;
    };
    const out = walk(root);
    return { root: out, error };
  }
}
