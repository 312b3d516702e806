import { formatMac, parseMac } from '../mac.ts';
import { Bijection } from './bijection.ts';
import { flattenJson, isJsonObject, showJson, type JsonObject, type JsonValue } from './json.ts';
import { pairLists } from './list-align.ts';
import { macIsExact, type SameMacs } from './normalise.ts';
import { explainedByTimers, type NeighbourTiming } from './nud-timer.ts';
import { clockOffsetAt, type ClockAnchor, type FieldDifference } from './report.ts';
import { DIVERGENCE, variation, Variation, type Classification } from './variation.ts';

/**
 * One namespace's state as compare reads it (DESIGN.md §5 "State"), from either engine: iproute2's JSON for
 * links, addresses, routes (every table, as `ip -j route show table all`), neighbours and the bridge FDB, and the
 * text of iptables-save (per table) and conntrack -L. A section left out is not compared.
 */
export interface StateDump {
  /** The scenario's name of the namespace (undefined: the scenario's global one). */
  readonly namespace: string | undefined;
  /** When the dump was taken, in ns since the run began (for the NUD timer rule). */
  readonly at?: number;
  readonly links?: JsonValue;
  readonly addresses?: JsonValue;
  readonly routes?: JsonValue;
  readonly neighbours?: JsonValue;
  readonly fdb?: JsonValue;
  readonly iptables?: { readonly filter: string; readonly nat: string };
  readonly conntrack?: string;
  /** Each neighbour entry's timing, where the engine knows it (the simulator). */
  readonly neighbourTimers?: readonly NeighbourTiming[];
}

/** The sections of a state dump, in the order they are compared. */
export type StateSection = 'namespaces' | 'links' | 'addresses' | 'routes' | 'neighbours' | 'fdb' | 'iptables' | 'conntrack';

/** One state difference: an item of a section present on one side only, out of order, or with fields that differ. */
export interface StateDifference {
  /** `global` for the scenario's global namespace. */
  readonly namespace: string;
  readonly section: StateSection;
  readonly kind: 'missing' | 'extra' | 'different' | 'reordered';
  /** The item, as its table names it (`default`, `172.20.0.1 dev veth1`, a rule line). */
  readonly item: string;
  readonly fields: readonly FieldDifference[];
  readonly classification: Classification;
}

/** The state comparison. */
export interface StateReport {
  readonly differences: readonly StateDifference[];
  readonly divergences: number;
  readonly variations: number;
}

/** Options of the state comparison. */
export interface StateDiffOptions {
  /** Which MACs both runs share (core/diff/normalise.ts: SameMacs): those compare as they are, others one-to-one. */
  readonly sameMacs?: SameMacs;
  /** The NUD timer rule's lateness bound, in ns. */
  readonly nudLateness?: number;
  /** Aligned frame pairs' times, relating the two runs' clocks (core/diff/report.ts: clockOffsetAt()). */
  readonly anchors?: readonly ClockAnchor[];
}

const MAC_KEYS = new Set(['address', 'broadcast', 'lladdr', 'mac', 'permaddr']);
const MAC_TEXT = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The name of the scenario's global namespace in reports. */
function nsLabel(ns: string | undefined): string {
  return ns ?? 'global';
}

/** What a section's items are keyed and named by. */
interface SectionSpec {
  readonly section: StateSection;
  /** The item's identity (its key in its table). */
  key(item: JsonObject): string;
  /** How arrays of objects inside an item are keyed. */
  readonly elementKey?: (path: string, element: JsonObject, index: number) => string;
  /** Groups whose order against each other does not matter (routes: their tables), compared group by group. */
  readonly group?: (item: JsonObject) => string;
  /** The table is a hash table listed in a random order (`hash-order`): items pair by key wherever they are. */
  readonly unordered?: boolean;
}

const str = (v: JsonValue | undefined): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

const SECTIONS: readonly SectionSpec[] = [
  { section: 'links', key: (l) => str(l['ifname']) },
  { section: 'addresses', key: (l) => str(l['ifname']), elementKey: (_p, e) => `${str(e['local'])}/${str(e['prefixlen'])}` },
  {
    section: 'routes',
    key: (r) => [str(r['dst']), r['table'] !== undefined ? `table ${str(r['table'])}` : '', r['type'] !== undefined ? `type ${str(r['type'])}` : '', r['metric'] !== undefined ? `metric ${str(r['metric'])}` : ''].filter(Boolean).join(' '),
    group: (r) => str(r['table']),
  },
  { section: 'neighbours', key: (n) => `${str(n['dst'])} dev ${str(n['dev'])}`, unordered: true },
  { section: 'fdb', key: (f) => `${str(f['mac'])} dev ${str(f['ifname'])}${f['master'] !== undefined ? ` master ${str(f['master'])}` : ''}${f['vlan'] !== undefined ? ` vlan ${str(f['vlan'])}` : ''}`, unordered: true },
];

/** An item's `flags` as a list of words. */
function flagsOf(item: JsonObject): string[] {
  const f = item['flags'];
  return Array.isArray(f) ? f.map((x) => String(x)) : [];
}

/** Whether two flag lists differ in `flag` only. */
function differOnlyIn(a: readonly string[], b: readonly string[], flag: string): boolean {
  const strip = (l: readonly string[]): string => l.filter((x) => x !== flag).join(',');
  return strip(a) === strip(b);
}

/**
 * `linkwatch-delay`: a link whose carrier (LOWER_UP) both sides agree on but whose operstate and NO-CARRIER differ,
 * or a route that differs in its linkdown flag only: linkwatch had not yet run on the kernel (or had) when the
 * state was dumped (net/core/link_watch.c: linkwatch_schedule_work() delays non-urgent events up to a second after
 * its last run, machine-wide; a veth is urgent only when its index differs from its peer's).
 */
function linkwatchLag(section: StateSection, a: JsonObject, b: JsonObject, fields: readonly FieldDifference[]): boolean {
  const fa = flagsOf(a);
  const fb = flagsOf(b);
  if (section === 'links' || section === 'addresses') {
    if (!fa.includes('LOWER_UP') || !fb.includes('LOWER_UP') || fa.includes('NO-CARRIER') === fb.includes('NO-CARRIER')) return false;
    // The side linkwatch has not reached yet shows NO-CARRIER with an operstate that is still down.
    const lagging = fa.includes('NO-CARRIER') ? a : b;
    if (lagging['operstate'] !== 'DOWN' && lagging['operstate'] !== 'LOWERLAYERDOWN') return false;
    return fields.every((f) => f.field === 'operstate' || (f.field === 'flags' && differOnlyIn(fa, fb, 'NO-CARRIER')));
  }
  if (section === 'routes') return fields.every((f) => f.field === 'flags' && differOnlyIn(fa, fb, 'linkdown'));
  return false;
}

/** Numbers repeated keys as `KEY #2`, `KEY #3`, so that equal keys pair in order. */
function numbered(keys: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? k : `${k} #${n}`;
  });
}

/** Compares state dumps of the two engines namespace by namespace (DESIGN.md §5 "State"). */
export class StateComparer {
  private readonly macs = new Bijection(Number.MAX_SAFE_INTEGER);
  private readonly out: StateDifference[] = [];

  constructor(private readonly options: StateDiffOptions = {}) {}

  /** Compares every namespace either side dumped; returns the report. */
  compare(a: readonly StateDump[], b: readonly StateDump[]): StateReport {
    const byName = (list: readonly StateDump[]): Map<string, StateDump> => new Map(list.map((d) => [nsLabel(d.namespace), d]));
    const ma = byName(a);
    const mb = byName(b);
    for (const [name, da] of ma) {
      const db = mb.get(name);
      if (!db) this.push({ namespace: name, section: 'namespaces', kind: 'missing', item: name, fields: [], classification: DIVERGENCE });
      else this.namespace(name, da, db);
    }
    for (const name of mb.keys()) if (!ma.has(name)) this.push({ namespace: name, section: 'namespaces', kind: 'extra', item: name, fields: [], classification: DIVERGENCE });
    const divergences = this.out.filter((d) => d.classification.kind === 'divergence').length;
    return { differences: this.out, divergences, variations: this.out.length - divergences };
  }

  private push(d: StateDifference): void {
    this.out.push(d);
  }

  private namespace(name: string, a: StateDump, b: StateDump): void {
    for (const spec of SECTIONS) {
      const va = a[spec.section as 'links'];
      const vb = b[spec.section as 'links'];
      if (va === undefined || vb === undefined) continue;
      const la = asList(va);
      const lb = asList(vb);
      if (!spec.group) {
        this.section(name, spec, la, lb, a, b);
        continue;
      }
      const groups = [...new Set([...la, ...lb].map(spec.group))].sort();
      for (const g of groups) this.section(name, spec, la.filter((x) => spec.group!(x) === g), lb.filter((x) => spec.group!(x) === g), a, b);
    }
    if (a.iptables && b.iptables) {
      for (const table of ['filter', 'nat'] as const) this.lines(name, 'iptables', iptablesLines(a.iptables[table]), iptablesLines(b.iptables[table]), table);
    }
    if (a.conntrack !== undefined && b.conntrack !== undefined) this.conntrack(name, a.conntrack, b.conntrack);
  }

  /** A MAC of A as B would show it, when the correspondence is known. */
  private translateMac(text: string): string {
    const mac = parseMac(text);
    if (!mac.ok || macIsExact(this.options.sameMacs ?? false, mac.value)) return text;
    const partner = this.macs.partnerOf(mac.value);
    return partner === undefined ? text : formatMac(partner);
  }

  private section(ns: string, spec: SectionSpec, a: JsonObject[], b: JsonObject[], da: StateDump, db: StateDump): void {
    const keyA = numbered(a.map((item) => (spec.section === 'fdb' ? spec.key({ ...item, mac: this.translateMac(str(item['mac'])) }) : spec.key(item))));
    const keyB = numbered(b.map((item) => spec.key(item)));
    const pairing = pairLists(keyA, keyB);
    for (const [i, j] of [...pairing.aligned, ...pairing.reordered].sort((x, y) => x[0] - y[0])) {
      const fields = this.fields(spec, a[i]!, b[j]!);
      const reordered = !spec.unordered && pairing.reordered.some(([x]) => x === i);
      if (fields.length === 0 && !reordered) continue;
      let classification = fields.some((f) => f.classification.kind === 'divergence') || reordered ? DIVERGENCE : fields[0]!.classification;
      if (spec.section === 'neighbours' && !reordered && this.nudVariation(a[i]!, b[j]!, fields, da, db)) classification = variation(Variation.NudTimerJitter);
      if (classification.kind === 'divergence' && !reordered && fields.length > 0 && linkwatchLag(spec.section, a[i]!, b[j]!, fields)) classification = variation(Variation.LinkwatchDelay);
      this.push({ namespace: ns, section: spec.section, kind: fields.length > 0 ? 'different' : 'reordered', item: keyA[i]!, fields, classification });
    }
    for (const i of pairing.onlyA) this.push({ namespace: ns, section: spec.section, kind: 'missing', item: `${keyA[i]!}: ${JSON.stringify(a[i])}`, fields: [], classification: DIVERGENCE });
    for (const j of pairing.onlyB) this.push({ namespace: ns, section: spec.section, kind: 'extra', item: `${keyB[j]!}: ${JSON.stringify(b[j])}`, fields: [], classification: DIVERGENCE });
  }

  /** The differing leaves of two items; MACs one-to-one unless --same-macs. */
  private fields(spec: SectionSpec, a: JsonObject, b: JsonObject): FieldDifference[] {
    const fa = flattenJson(a, spec.elementKey);
    const fb = flattenJson(b, spec.elementKey);
    const out: FieldDifference[] = [];
    for (const [path, va] of fa) {
      const vb = fb.get(path);
      if (vb === undefined) {
        out.push({ field: path, a: showJson(va), b: '(absent)', classification: DIVERGENCE });
        continue;
      }
      const leaf = path.slice(path.lastIndexOf('.') + 1);
      if (this.options.sameMacs !== true && MAC_KEYS.has(leaf) && typeof va === 'string' && typeof vb === 'string' && MAC_TEXT.test(va) && MAC_TEXT.test(vb)) {
        const x = parseMac(va);
        const y = parseMac(vb);
        const shared = (m: number): boolean => macIsExact(this.options.sameMacs ?? false, m);
        if (x.ok && y.ok && (x.value === y.value || (!shared(x.value) && !shared(y.value) && this.macs.pair(x.value, y.value) === undefined))) continue;
        out.push({ field: path, a: va, b: vb, classification: DIVERGENCE, note: 'mac-address: these MACs already correspond to others' });
        continue;
      }
      if (showJson(va) !== showJson(vb)) out.push({ field: path, a: showJson(va), b: showJson(vb), classification: DIVERGENCE });
    }
    for (const [path, vb] of fb) if (!fa.has(path)) out.push({ field: path, a: '(absent)', b: showJson(vb), classification: DIVERGENCE });
    return out;
  }

  /** Whether a neighbour's differences are only its state (and the lladdr a state hides), explained by timers. */
  private nudVariation(a: JsonObject, b: JsonObject, fields: readonly FieldDifference[], da: StateDump, db: StateDump): boolean {
    if (!fields.some((f) => f.field === 'state')) return false;
    // A state without a valid link-layer address (INCOMPLETE, FAILED) prints no lladdr: that difference goes with it.
    if (fields.some((f) => f.field !== 'state' && !(f.field === 'lladdr' && (f.a === '(absent)' || f.b === '(absent)')))) return false;
    const stateOf = (n: JsonObject): string => (Array.isArray(n['state']) ? String(n['state'][0]) : str(n['state']));
    const find = (d: StateDump): NeighbourTiming | undefined => d.neighbourTimers?.find((t) => t.dst === str(a['dst']) && t.dev === str(a['dev']));
    const ta = find(da);
    const tb = find(db);
    const lateness = this.options.nudLateness;
    const offset = clockOffsetAt(this.options.anchors ?? [], da.at ?? 0);
    if (tb && db.at !== undefined && da.at !== undefined) {
      return explainedByTimers({ timedState: stateOf(b), timedAt: db.at, timing: tb, otherState: stateOf(a), otherAt: da.at - offset, ...(lateness !== undefined ? { lateness } : {}) });
    }
    if (ta && da.at !== undefined && db.at !== undefined) {
      return explainedByTimers({ timedState: stateOf(a), timedAt: da.at, timing: ta, otherState: stateOf(b), otherAt: db.at + offset, ...(lateness !== undefined ? { lateness } : {}) });
    }
    return false;
  }

  /** Compares two lists of lines (iptables-save) in order: lines on one side only, or out of order. */
  private lines(ns: string, section: StateSection, a: readonly string[], b: readonly string[], label: string): void {
    const pairing = pairLists(a, b);
    for (const [i] of pairing.reordered) this.push({ namespace: ns, section, kind: 'reordered', item: `${label}: ${a[i]!}`, fields: [], classification: DIVERGENCE });
    for (const i of pairing.onlyA) this.push({ namespace: ns, section, kind: 'missing', item: `${label}: ${a[i]!}`, fields: [], classification: DIVERGENCE });
    for (const j of pairing.onlyB) this.push({ namespace: ns, section, kind: 'extra', item: `${label}: ${b[j]!}`, fields: [], classification: DIVERGENCE });
  }

  /**
   * conntrack -L: entries compared as a set, each with its timeout (seconds left, counting down in real time)
   * compared within a few seconds (`conntrack-timeout`), ICMP ids and ephemeral ports one-to-one by position.
   */
  private conntrack(ns: string, a: string, b: string): void {
    const la = conntrackEntries(a);
    const lb = conntrackEntries(b);
    const pairing = pairLists(
      la.map((e) => e.key),
      lb.map((e) => e.key),
    );
    for (const [i, j] of [...pairing.aligned, ...pairing.reordered]) {
      const x = la[i]!;
      const y = lb[j]!;
      if (Math.abs(x.timeout - y.timeout) > CONNTRACK_TIMEOUT_SLACK) {
        this.push({ namespace: ns, section: 'conntrack', kind: 'different', item: x.key, fields: [{ field: 'timeout', a: `${x.timeout}`, b: `${y.timeout}`, classification: DIVERGENCE, note: `more than ${CONNTRACK_TIMEOUT_SLACK} s apart` }], classification: DIVERGENCE });
      }
    }
    const igmp = (line: string): Classification => (isIgmpConntrackEntry(line) ? variation(Variation.IgmpReportTiming) : DIVERGENCE);
    for (const i of pairing.onlyA) this.push({ namespace: ns, section: 'conntrack', kind: 'missing', item: la[i]!.line, fields: [], classification: igmp(la[i]!.line) });
    for (const j of pairing.onlyB) this.push({ namespace: ns, section: 'conntrack', kind: 'extra', item: lb[j]!.line, fields: [], classification: igmp(lb[j]!.line) });
  }
}

/** How far two conntrack timeouts may be apart, in seconds: they count down in real time on the kernel. */
export const CONNTRACK_TIMEOUT_SLACK = 5;

/** A section's value as a list of objects (iproute2 prints arrays; anything else is one item or none). */
function asList(v: JsonValue): JsonObject[] {
  if (Array.isArray(v)) return v.filter(isJsonObject);
  return isJsonObject(v) ? [v] : [];
}

/**
 * iptables-save lines without the dated comments (DESIGN.md §5) and blank lines. A table that holds nothing (its
 * builtin chains accepting, with zero counters, and no rule) counts as no table: `iptables-save -t TABLE` prints
 * a table that does not exist that way (measured: iptables 1.8.9, nf_tables), while `iptables-save` leaves it out.
 */
export function iptablesLines(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !/^# (Generated by|Completed on) /.test(l));
  const empty = lines.every((l) => /^\*\w+$/.test(l) || /^:[A-Z]+ ACCEPT \[0:0\]$/.test(l) || l === 'COMMIT');
  return empty ? [] : lines;
}

/**
 * Whether a conntrack entry is an IGMP report's (`unknown  2 …`, the generic tracker): it comes and goes with the
 * report, which is sent after a timer that may or may not have run when the table was listed (igmp-report-timing).
 */
export function isIgmpConntrackEntry(line: string): boolean {
  return /^unknown\s+2\s/.test(line);
}

/** One conntrack entry: its line with the timeout taken out and ICMP ids / ephemeral ports masked, and the timeout. */
export function conntrackEntries(text: string): { key: string; line: string; timeout: number }[] {
  const out: { key: string; line: string; timeout: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+\s+\d+\s+)(\d+)(\s.*)$/.exec(line.trim());
    if (!m) continue;
    const rest = m[3]!.replace(/\bid=\d+/g, 'id=*').replace(/\b(sport|dport)=(\d+)/g, (whole, k: string, v: string) => (Number(v) >= 32768 && Number(v) <= 60999 ? `${k}=*` : whole));
    out.push({ key: `${m[1]!.replace(/\s+/g, ' ')}${rest.replace(/\s+/g, ' ').trim()}`, line: line.trim(), timeout: Number(m[2]) });
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/** Compares two engines' state dumps (DESIGN.md §5 "State"). */
export function diffStates(a: readonly StateDump[], b: readonly StateDump[], options: StateDiffOptions = {}): StateReport {
  return new StateComparer(options).compare(a, b);
}
