/*
 * Turns a filter's test tree into closures that run on each frame, with BPF's semantics (bpf_filter.c): loads are
 * big-endian and bounds-checked against the captured length, a load past the end or a division by zero rejects
 * the packet whatever the rest of the filter says, and all arithmetic is unsigned 32-bit.
 *
 * A test returns 1 (true), 0 (false) or ABORT; a value returns its number or ABORT. The graph runs one test after
 * another as a BPF program jumps from block to block, and ABORT ends it, as a BPF program returns 0.
 */
import type { Value } from './filter-ir.ts';
import { alu, type Dag, type TestNode } from './filter-optimize.ts';

/** What a live capture knows about a frame besides its bytes. */
export interface FrameMeta {
  /** The frame's length on the wire (BPF_LEN, `len`); defaults to the number of captured bytes. */
  readonly wireLength?: number;
  /** True for a frame the capturing host sent (Linux PACKET_OUTGOING), for `inbound`/`outbound`. */
  readonly outgoing?: boolean;
  /** The index of the interface it was captured on, for `ifindex`. */
  readonly ifindex?: number;
}

/** A compiled test: 1, 0, or ABORT. */
export type Test = (p: Uint8Array, meta: FrameMeta | undefined) => number;
type Val = (p: Uint8Array, meta: FrameMeta | undefined) => number;

/** The result of a load past the captured bytes or a division by zero. */
export const ABORT = -1;

function compileLoad(v: Extract<Value, { k: 'load' }>): Val {
  const { size, offset, ipHeader } = v;
  if (v.index.k === 'const' && ipHeader === undefined) {
    const at = v.index.v + offset;
    if (size === 1) return (p) => (at < p.length ? p[at]! : ABORT);
    if (size === 2) return (p) => (at + 2 <= p.length ? (p[at]! << 8) | p[at + 1]! : ABORT);
    return (p) => (at + 4 <= p.length ? ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0 : ABORT);
  }
  const index = compileValue(v.index);
  return (p, meta) => {
    let i = index(p, meta);
    if (i < 0) return ABORT;
    if (ipHeader !== undefined) {
      if (ipHeader >= p.length) return ABORT;
      i = (i + 4 * (p[ipHeader]! & 0x0f)) >>> 0;
    }
    const at = i + offset;
    if (at + size > p.length) return ABORT;
    if (size === 1) return p[at]!;
    if (size === 2) return (p[at]! << 8) | p[at + 1]!;
    return ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0;
  };
}

function compileValue(v: Value): Val {
  switch (v.k) {
    case 'const': {
      const k = v.v;
      return () => k;
    }
    case 'len':
      return (p, meta) => meta?.wireLength ?? p.length;
    case 'load':
      return compileLoad(v);
    case 'neg': {
      const a = compileValue(v.a);
      return (p, meta) => {
        const x = a(p, meta);
        return x < 0 ? ABORT : -x >>> 0;
      };
    }
    case 'alu': {
      const a = compileValue(v.a);
      const b = compileValue(v.b);
      const op = v.op;
      return (p, meta) => {
        const x = a(p, meta);
        if (x < 0) return ABORT;
        const y = b(p, meta);
        if (y < 0) return ABORT;
        if ((op === '/' || op === '%') && y === 0) return ABORT;
        return alu(op, x, y);
      };
    }
  }
}

/** Compiles one test of a decision graph: 1, 0 or ABORT. */
function compileTest(n: TestNode): Test {
  if (n.t === 'meta') {
    if (n.what === 'outbound') return (_p, meta) => (meta?.outgoing === true ? 1 : 0);
    return (_p, meta) => (meta?.ifindex === n.v ? 1 : 0);
  }
  const a = compileValue(n.a);
  if (n.b.k === 'const') {
    const k = n.b.v;
    switch (n.op) {
      case 'eq':
        return (p, meta) => {
          const x = a(p, meta);
          return x < 0 ? ABORT : x === k ? 1 : 0;
        };
      case 'gt':
        return (p, meta) => {
          const x = a(p, meta);
          return x < 0 ? ABORT : x > k ? 1 : 0;
        };
      case 'ge':
        return (p, meta) => {
          const x = a(p, meta);
          return x < 0 ? ABORT : x >= k ? 1 : 0;
        };
      case 'set':
        return (p, meta) => {
          const x = a(p, meta);
          return x < 0 ? ABORT : (x & k) !== 0 ? 1 : 0;
        };
    }
  }
  const b = compileValue(n.b);
  const op = n.op;
  return (p, meta) => {
    const x = a(p, meta);
    if (x < 0) return ABORT;
    const y = b(p, meta);
    if (y < 0) return ABORT;
    const r = op === 'eq' ? x === y : op === 'gt' ? x > y : op === 'ge' ? x >= y : (x & y) !== 0;
    return r ? 1 : 0;
  };
}

/**
 * Compiles a decision graph to a closure that walks it as BPF walks its blocks, in a loop: first the values
 * `kept` (loads of a test the optimiser skipped at the root, which can still abort), then each test and its true
 * or false successor, until a leaf; ABORT stops.
 */
export function compileDag(root: Dag, kept: readonly Value[] = []): Test {
  const ACCEPT = -2;
  const REJECT = -1;
  const index = new Map<number, number>();
  const nodes: Array<Extract<Dag, { kind: 'test' }>> = [];
  const order = [root];
  while (order.length > 0) {
    const d = order.pop()!;
    if (d.kind === 'leaf' || index.has(d.id)) continue;
    index.set(d.id, nodes.length);
    nodes.push(d);
    order.push(d.f, d.t);
  }
  const target = (d: Dag): number => (d.kind === 'leaf' ? (d.accept ? ACCEPT : REJECT) : index.get(d.id)!);
  const tests = nodes.map((d) => compileTest(d.test));
  const jt = Int32Array.from(nodes, (d) => target(d.t));
  const jf = Int32Array.from(nodes, (d) => target(d.f));
  const loads = kept.map(compileValue);
  const start = target(root);
  return (p, meta) => {
    for (const load of loads) if (load(p, meta) < 0) return ABORT;
    let i = start;
    while (i >= 0) {
      const r = tests[i]!(p, meta);
      if (r < 0) return ABORT;
      i = r === 1 ? jt[i]! : jf[i]!;
    }
    return i === ACCEPT ? 1 : 0;
  };
}
