/*
 * Capture filters: the pcap-filter(7) language of tcpdump's FILTER arguments, compiled as libpcap 1.10 compiles
 * it for an Ethernet capture (DLT_EN10MB) and optimised as tcpdump does by default, then run on raw frames with
 * BPF's semantics. Errors carry libpcap's words, which tcpdump prints after "tcpdump: ".
 *
 * The pieces: filter-lexer.ts (scanner.l), filter-parser.ts (grammar.y), filter-gen.ts (gencode.c),
 * filter-optimize.ts (what optimize.c changes), filter-eval.ts (bpf_filter.c), filter-names.ts (name databases).
 */
import type { Ipv4Address } from '../ipv4.ts';
import { err, ok, type Result } from '../result.ts';
import { compileDag, type FrameMeta } from './filter-eval.ts';
import { FilterFault, Gen } from './filter-gen.ts';
import { formatNode, formatValue, type Node, type Value } from './filter-ir.ts';
import { scanFilter } from './filter-lexer.ts';
import { DagBuilder, decideLiterals, type Dag, type TestNode } from './filter-optimize.ts';
import { FilterParser, GrammarFault } from './filter-parser.ts';

export type { FrameMeta } from './filter-eval.ts';

/** Why a filter did not compile. */
export interface FilterError {
  /** 'libpcap' when libpcap rejects the filter too; 'unsupported' for a valid filter twinnet does not implement. */
  readonly kind: 'libpcap' | 'unsupported';
  /** libpcap's message (pcap_geterr() after pcap_compile()), or twinnet's for 'unsupported'. */
  readonly message: string;
  /** The line tcpdump prints on stderr before exiting with status 1. */
  readonly tcpdumpMessage: string;
}

/** Options of compileFilter(), mirroring what tcpdump passes to pcap_compile(). */
export interface FilterOptions {
  /** The netmask for `ip broadcast`; tcpdump passes 0 when it has none (for -r, and as measured for veths). */
  readonly netmask?: number;
  /** Compile for a savefile (tcpdump -r) rather than a live capture: `inbound`, `outbound`, `ifindex` fail. */
  readonly savefile?: boolean;
  /** False to compile as `tcpdump -O` does, without the optimiser. */
  readonly optimize?: boolean;
  /** Host names and their addresses, as the resolver would give them; by default only localhost. */
  readonly hosts?: ReadonlyMap<string, readonly Ipv4Address[]>;
}

/** How a filter came out on a frame; 'aborted' is a load past the end or a division by zero (BPF rejects). */
export type FilterOutcome = 'match' | 'no-match' | 'aborted';

/** A compiled capture filter. */
export interface CaptureFilter {
  /** The filter text as given. */
  readonly source: string;
  /** Whether libpcap would accept the frame: never throws, never reads past the end of `frame`. */
  matches(frame: Uint8Array, meta?: FrameMeta): boolean;
  /** Like matches(), telling a rejection by the tests from one by a load past the end or a division by zero. */
  outcome(frame: Uint8Array, meta?: FrameMeta): FilterOutcome;
  /** The tests the filter runs after optimisation, one line per test (loads as P[offset:size]). */
  describe(): string;
}

const DEFAULT_HOSTS: ReadonlyMap<string, readonly Ipv4Address[]> = new Map([['localhost', [0x7f000001]]]);

/** The filter text tcpdump builds from the arguments after its options (tcpdump.c: copy_argv joins with spaces). */
export function filterFromArgs(args: readonly string[]): string {
  return args.join(' ');
}

function failure(kind: FilterError['kind'], message: string): Result<CaptureFilter, FilterError> {
  return err({ kind, message, tcpdumpMessage: `tcpdump: ${message}` });
}

/** Compiles a pcap-filter(7) expression as tcpdump does (pcap_compile() with optimisation) for Ethernet frames. */
export function compileFilter(text: string, options: FilterOptions = {}): Result<CaptureFilter, FilterError> {
  try {
    return compile(text, options);
  } catch (e) {
    // Nesting deep enough for JavaScript's stack (libpcap's own limit is in the parser: "memory exhausted").
    if (e instanceof RangeError) return failure('unsupported', 'twinnet does not support a capture filter this large or this deeply nested');
    throw e;
  }
}

/** Deeper arithmetic than this is refused, so that evaluating a value cannot exhaust the stack. */
const MAX_VALUE_DEPTH = 500;

function valueDepth(v: Value): number {
  switch (v.k) {
    case 'const':
    case 'len': return 1;
    case 'load': return 1 + valueDepth(v.index);
    case 'neg': return 1 + valueDepth(v.a);
    case 'alu': return 1 + Math.max(valueDepth(v.a), valueDepth(v.b));
  }
}

function compile(text: string, options: FilterOptions): Result<CaptureFilter, FilterError> {
  const gen = new Gen({ netmask: options.netmask ?? 0, savefile: options.savefile ?? false, hosts: options.hosts ?? DEFAULT_HOSTS });
  const parser = new FilterParser(scanFilter(text), gen);
  let tree: Node;
  try {
    tree = parser.parseProgram() ?? { t: 'const', v: true };
  } catch (e) {
    if (!(e instanceof FilterFault)) throw e;
    // The scanner's error stands unless the code generator's bpf_error() overwrote it.
    const message = e instanceof GrammarFault && parser.lexError !== undefined ? parser.lexError : e.message;
    return failure(e.unsupported ? 'unsupported' : 'libpcap', message);
  }
  const builder = new DagBuilder();
  let dag: Dag;
  let kept: Value[] = [];
  if (options.optimize === false) dag = builder.wire(tree);
  else {
    const wired = builder.wire(decideLiterals(tree));
    const pass1 = builder.specialise(wired) ?? { root: wired, kept: undefined };
    const pass2 = builder.foldStatements(pass1.root, pass1.kept);
    if (pass2.error !== undefined) return failure('libpcap', pass2.error);
    dag = pass2.root;
    // opt_root() prepends the skipped root's loads to the new root block; a return block emits no statements.
    kept = dag.kind === 'leaf' ? [] : pass2.kept;
    if (dag === builder.reject) return failure('libpcap', 'expression rejects all packets');
  }
  const values = [...kept, ...testsOf(dag).flatMap((t) => (t.t === 'cmp' ? [t.a, t.b] : []))];
  if (values.some((v) => valueDepth(v) > MAX_VALUE_DEPTH)) {
    return failure('unsupported', 'twinnet does not support a capture filter this large or this deeply nested');
  }
  const test = compileDag(dag, kept);
  const description = describeDag(dag, kept);
  return ok({
    source: text,
    matches: (frame, meta) => test(frame, meta) === 1,
    outcome: (frame, meta) => OUTCOMES[test(frame, meta) + 1]!,
    describe: () => description,
  });
}

/** The tests of a graph, each once. */
function testsOf(root: Dag): TestNode[] {
  const seen = new Set<number>();
  const out: TestNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (d.kind === 'leaf' || seen.has(d.id)) continue;
    seen.add(d.id);
    out.push(d.test);
    stack.push(d.f, d.t);
  }
  return out;
}

const OUTCOMES: readonly FilterOutcome[] = ['aborted', 'no-match', 'match'];

/** Renders a decision graph as numbered conditionals, each shared node once, after the loads it keeps first. */
function describeDag(root: Dag, kept: readonly Value[]): string {
  const nodes = testsOf(root).length > 0 ? orderOf(root) : [];
  const names = new Map(nodes.map((d, i) => [d.id, `L${i}`]));
  const name = (d: Dag): string => (d.kind === 'leaf' ? (d.accept ? 'accept' : 'reject') : names.get(d.id)!);
  const lines = nodes.map((d) => `${name(d)}: if ${formatNode(d.test)} then ${name(d.t)} else ${name(d.f)}`);
  return [...kept.map((v) => `load ${formatValue(v)}`), ...(lines.length === 0 ? [name(root)] : lines)].join('\n');
}

/** The test nodes of a graph in depth-first order, true branch first. */
function orderOf(root: Dag): Array<Extract<Dag, { kind: 'test' }>> {
  const seen = new Set<number>();
  const out: Array<Extract<Dag, { kind: 'test' }>> = [];
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (d.kind === 'leaf' || seen.has(d.id)) continue;
    seen.add(d.id);
    out.push(d);
    stack.push(d.f, d.t);
  }
  return out;
}
