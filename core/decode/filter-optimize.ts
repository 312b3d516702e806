/*
 * What tcpdump's default optimisation (libpcap optimize.c) changes in a filter's meaning and errors. The test
 * tree is wired into a decision graph as gencode wires BPF blocks (each test with a true and a false successor),
 * then specialised along every path, as optimize.c's jump threading does:
 *
 * - a test is decided on a path when the same test was made before on it, or when the same value was found
 *   equal to another constant (fold_edge); the test and its loads disappear from that path;
 * - a test whose two successors are the same disappears (opt_j, JT == JF), so `X or 1 = 1` accepts a frame too
 *   short for X, and a filter no path can accept compiles to "reject" ("expression rejects all packets");
 * - constants fold (fold_op, opt_stmt): `1 + 2`, `-5`, `0 * x`, `0 / x` (= 0, even for x = 0), `x * 0`,
 *   `x & 0` (the last two still count as unknown for deciding tests); a constant zero divisor and a shift by more
 *   than 31 are errors when the test that holds them survives.
 *
 * This follows the optimiser's rules, not its iteration order, so it can decide more than libpcap does: libpcap
 * leaves `ip and not - 5 > 2` compiled (matching nothing) where twinnet reports that it rejects all packets.
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
  /** True for a constant that decides tests (no load was dropped to get it). */
  readonly pure: boolean;
  /** The optimiser's error for a constant zero divisor or an oversized shift, if any. */
  readonly error?: string;
}

const ZERO_ABSORBING = new Set(['*', '/', '%', '&', '<<', '>>']);

function foldValue(v: Value): Folded {
  switch (v.k) {
    case 'const':
      return { v, pure: true };
    case 'len':
      return { v, pure: false };
    case 'load': {
      const index = foldValue(v.index);
      return { v: { ...v, index: index.v }, pure: false, ...(index.error === undefined ? {} : { error: index.error }) };
    }
    case 'neg': {
      const a = foldValue(v.a);
      if (a.v.k === 'const') return { v: { k: 'const', v: -a.v.v >>> 0 }, pure: a.pure, ...(a.error === undefined ? {} : { error: a.error }) };
      return { v: { k: 'neg', a: a.v }, pure: false, ...(a.error === undefined ? {} : { error: a.error }) };
    }
    case 'alu': {
      const a = foldValue(v.a);
      const b = foldValue(v.b);
      const keep = (error: string | undefined): Folded => ({ v: { k: 'alu', op: v.op, a: a.v, b: b.v }, pure: false, ...(error === undefined ? {} : { error }) });
      let error = a.error ?? b.error;
      if (b.v.k === 'const') {
        const k = b.v.v;
        if ((v.op === '/' || v.op === '%') && k === 0) return keep(error ?? (v.op === '/' ? 'division by zero' : 'modulus by zero'));
        if (a.v.k === 'const') return { v: { k: 'const', v: alu(v.op, a.v.v, k) }, pure: a.pure && b.pure, ...(error === undefined ? {} : { error }) };
        if ((v.op === '<<' || v.op === '>>') && k > 31) error ??= 'shift by more than 31 bits';
        if ((v.op === '*' || v.op === '&') && k === 0) return { v: { k: 'const', v: 0 }, pure: false, ...(error === undefined ? {} : { error }) };
      }
      if (a.v.k === 'const' && a.v.v === 0 && a.pure && ZERO_ABSORBING.has(v.op)) return { v: a.v, pure: true, ...(error === undefined ? {} : { error }) };
      return keep(error);
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

/** A test's identity as text: tests with the same name are the same test. */
export function testName(test: TestNode): string {
  const k = testKey(test);
  return `${k.value} ${k.op} ${k.k}`;
}

/** Folds constants in a test tree; tests carrying a folding error are kept, with the error in `errors` by name. */
export function fold(n: Node, errors: Map<string, string>): Node {
  switch (n.t) {
    case 'const':
    case 'meta':
      return n;
    case 'cmp': {
      const a = foldValue(n.a);
      const b = foldValue(n.b);
      const error = a.error ?? b.error;
      if (error === undefined && a.pure && b.pure && a.v.k === 'const' && b.v.k === 'const') return compare(n.op, a.v.v, b.v.v) ? TRUE : FALSE;
      const folded: TestNode = { t: 'cmp', op: n.op, a: a.v, b: b.v };
      if (error !== undefined && !errors.has(testName(folded))) errors.set(testName(folded), error);
      return folded;
    }
    case 'not': {
      const a = fold(n.a, errors);
      return a.t === 'const' ? (a.v ? FALSE : TRUE) : { t: 'not', a };
    }
    case 'and':
    case 'or': {
      const a = fold(n.a, errors);
      const b = fold(n.b, errors);
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

/** Builds and specialises decision graphs, sharing equal nodes. */
export class DagBuilder {
  private nextId = 2;
  readonly accept: Dag = { kind: 'leaf', accept: true, id: 0 };
  readonly reject: Dag = { kind: 'leaf', accept: false, id: 1 };
  private readonly interned = new Map<string, Dag>();
  private readonly keysOf = new Map<Dag, ReadonlySet<string>>();

  private make(test: TestNode, t: Dag, f: Dag): Dag {
    const name = `${testName(test)}|${t.id}|${f.id}`;
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
}

/** The tests still in a graph, in depth-first order. */
export function liveTests(root: Dag): TestNode[] {
  const seen = new Set<number>();
  const out: TestNode[] = [];
  const visit = (d: Dag): void => {
    if (d.kind === 'leaf' || seen.has(d.id)) return;
    seen.add(d.id);
    out.push(d.test);
    visit(d.t);
    visit(d.f);
  };
  visit(root);
  return out;
}
