/*
 * The compiled form of a capture filter: what libpcap's gencode.c builds as BPF blocks, kept as a tree. A Node is
 * a test (true, false, or "aborted" when it reads past the end of the captured bytes, which makes BPF reject the
 * packet); a Value is the 32-bit unsigned number a BPF load or ALU statement computes.
 */

/** The ALU operations of BPF (bpf.h: BPF_ADD ... BPF_RSH), written as pcap-filter(7) writes them. */
export type AluOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';

/** The jump tests of BPF (BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET), unsigned 32-bit comparisons. */
export type CmpOp = 'eq' | 'gt' | 'ge' | 'set';

/** A 32-bit unsigned value computed from the packet. */
export type Value =
  | { readonly k: 'const'; readonly v: number }
  /** The packet's length on the wire (BPF_LEN). */
  | { readonly k: 'len' }
  /**
   * A big-endian load of `size` bytes at `index + offset`; with `ipHeader`, the IPv4 header length read at that
   * offset (4 * (P[ipHeader] & 0xf), BPF_MSH) is first added to `index` modulo 2^32, as gencode does for
   * transport-layer loads.
   */
  | { readonly k: 'load'; readonly size: 1 | 2 | 4; readonly index: Value; readonly offset: number; readonly ipHeader?: number }
  | { readonly k: 'alu'; readonly op: AluOp; readonly a: Value; readonly b: Value }
  | { readonly k: 'neg'; readonly a: Value };

/** A test on a packet. */
export type Node =
  | { readonly t: 'const'; readonly v: boolean }
  | { readonly t: 'and' | 'or'; readonly a: Node; readonly b: Node }
  | { readonly t: 'not'; readonly a: Node }
  | { readonly t: 'cmp'; readonly op: CmpOp; readonly a: Value; readonly b: Value }
  /** Live-capture metadata (Linux SKF_AD_PKTTYPE, SKF_AD_IFINDEX): outbound packets, or the interface index. */
  | { readonly t: 'meta'; readonly what: 'outbound' | 'ifindex'; readonly v: number };

/** A constant value. */
export function constant(v: number): Value {
  return { k: 'const', v: v >>> 0 };
}

/** A load at a fixed offset from the start of the packet. */
export function load(offset: number, size: 1 | 2 | 4): Value {
  return { k: 'load', size, index: constant(0), offset };
}

/** A comparison of `a` with a constant or value. */
export function cmp(op: CmpOp, a: Value, b: Value | number): Node {
  return { t: 'cmp', op, a, b: typeof b === 'number' ? constant(b) : b };
}

/** `a` and then `b` (gencode.c: gen_and): `b` is tested only when `a` holds. */
export function and(a: Node, b: Node): Node {
  return { t: 'and', a, b };
}

/** `a` or else `b` (gencode.c: gen_or): `b` is tested only when `a` fails. */
export function or(a: Node, b: Node): Node {
  return { t: 'or', a, b };
}

/** The negation of `a` (gencode.c: gen_not). */
export function not(a: Node): Node {
  return { t: 'not', a };
}

/** A masked comparison (gencode.c: gen_mcmp): `(a & mask) == v`, without the AND for an all-ones mask. */
export function masked(a: Value, mask: number, v: number): Node {
  return cmp('eq', mask >>> 0 === 0xffffffff ? a : { k: 'alu', op: '&', a, b: constant(mask) }, v);
}

/** Renders a value as pcap-filter-like text, for describe() and keys of the optimizer. */
export function formatValue(v: Value): string {
  switch (v.k) {
    case 'const':
      return v.v < 10 ? String(v.v) : `0x${v.v.toString(16)}`;
    case 'len':
      return 'len';
    case 'load': {
      const x = v.ipHeader === undefined ? '' : `4*(P[${v.ipHeader}]&0xf)+`;
      const at = v.index.k === 'const' ? String(v.index.v + v.offset) : `${formatValue(v.index)}+${v.offset}`;
      return `P[${x}${at}:${v.size}]`;
    }
    case 'alu':
      return `(${formatValue(v.a)} ${v.op} ${formatValue(v.b)})`;
    case 'neg':
      return `-${formatValue(v.a)}`;
  }
}

const CMP_TEXT: Record<CmpOp, string> = { eq: '==', gt: '>', ge: '>=', set: '&' };

/** Renders a test as text: the structure the filter runs, one operator per BPF jump. */
export function formatNode(n: Node): string {
  switch (n.t) {
    case 'const':
      return n.v ? 'true' : 'false';
    case 'and':
      return `(${formatNode(n.a)} && ${formatNode(n.b)})`;
    case 'or':
      return `(${formatNode(n.a)} || ${formatNode(n.b)})`;
    case 'not':
      return `!${formatNode(n.a)}`;
    case 'cmp':
      return n.op === 'set' ? `(${formatValue(n.a)} & ${formatValue(n.b)}) != 0` : `${formatValue(n.a)} ${CMP_TEXT[n.op]} ${formatValue(n.b)}`;
    case 'meta':
      return n.what === 'outbound' ? 'outbound' : `ifindex == ${n.v}`;
  }
}
