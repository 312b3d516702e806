import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, filterFromArgs, type CaptureFilter, type FilterOptions, type FilterOutcome } from '../../../core/decode/filter.ts';
import { CRAFTED, craftedRecords } from '../../../fixtures/filter/crafted.ts';
import { FAILING, MATCHING, UNOPTIMIZED, UNSUPPORTED } from '../../../fixtures/filter/expressions.ts';
import { byFile, combinedPcap, haveTcpdump, loadCorpus, ROOT, runTcpdump, type CorpusFile } from '../../../fixtures/filter/oracle.ts';
import { writePcap } from '../../../fixtures/filter/pcap.ts';

/*
 * The oracle is the real tcpdump 4.99.3 / libpcap 1.10.3: fixtures/filter/expected.json holds which frames of the
 * corpus (every capture under fixtures/pcap plus fixtures/filter/crafted.pcap) each expression keeps, or what
 * tcpdump printed when it refused the expression, as fixtures/filter/record.ts recorded them. Where tcpdump is
 * installed, the live tests re-run it and check that the golden file is still what it does.
 */

type Selection = Record<string, number[]>;
interface Golden {
  readonly tcpdump: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly frames: number }>;
  readonly matching: Record<string, Selection>;
  readonly failing: Record<string, string>;
  readonly unoptimized: Record<string, Selection | string>;
  readonly unsupported: Record<string, Selection | string>;
}

const golden = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'filter', 'expected.json'), 'utf8')) as Golden;
const corpus = loadCorpus();
const TCPDUMP = haveTcpdump();
if (!TCPDUMP) console.warn('tcpdump is not installed: capture filters are checked against the recorded golden file only');

const SAVEFILE: FilterOptions = { savefile: true };

function compile(text: string, options: FilterOptions = SAVEFILE): CaptureFilter {
  const r = compileFilter(text, options);
  if (!r.ok) throw new Error(`${JSON.stringify(text)} does not compile: ${r.error.message}`);
  return r.value;
}

/** The frames of each file a filter keeps, as tcpdump -r would. */
function select(filter: CaptureFilter, files: readonly CorpusFile[] = corpus): Selection {
  const out: Selection = {};
  for (const f of files) {
    const kept = f.records.flatMap((r, i) => (filter.matches(r.data, { wireLength: r.wireLength }) ? [i] : []));
    if (kept.length > 0) out[f.name] = kept;
  }
  return out;
}

/** Differences between two selections, naming crafted frames by what they are. */
function differences(got: Selection, want: Selection): string[] {
  const out: string[] = [];
  for (const f of corpus) {
    const g = got[f.name] ?? [];
    const w = want[f.name] ?? [];
    const name = (i: number): string => (f.name === 'filter/crafted.pcap' ? `${i} (${CRAFTED[i]!.what})` : String(i));
    const extra = g.filter((i) => !w.includes(i)).map(name);
    const missing = w.filter((i) => !g.includes(i)).map(name);
    if (extra.length > 0) out.push(`${f.name}: twinnet also keeps ${extra.join(', ')}`);
    if (missing.length > 0) out.push(`${f.name}: twinnet misses ${missing.join(', ')}`);
  }
  return out;
}

describe('the recorded oracle', () => {
  it('covers the corpus and the expression lists as they are now', () => {
    expect(golden.files).toEqual(corpus.map((f) => ({ name: f.name, frames: f.records.length })));
    // (JSON objects put keys such as "80" first, so compare as sets.)
    const keys = (o: object): string[] => Object.keys(o).sort();
    expect(keys(golden.matching)).toEqual([...MATCHING].sort());
    expect(keys(golden.failing)).toEqual([...FAILING].sort());
    expect(keys(golden.unoptimized)).toEqual([...UNOPTIMIZED].sort());
    expect(keys(golden.unsupported)).toEqual([...UNSUPPORTED].sort());
  });
  it('crafted.pcap holds the frames crafted.ts builds', () => {
    expect(readFileSync(join(ROOT, 'fixtures', 'filter', 'crafted.pcap'))).toEqual(Buffer.from(writePcap(craftedRecords())));
  });
});

describe('filters keep the frames tcpdump keeps', () => {
  it.each(MATCHING)('%s', (text) => {
    expect(differences(select(compile(text)), golden.matching[text]!)).toEqual([]);
  });
});

describe('filters tcpdump refuses fail with its words', () => {
  it.each(FAILING)('%s', (text) => {
    const r = compileFilter(text, SAVEFILE);
    expect(r.ok ? '(compiles)' : `${r.error.tcpdumpMessage}\n`).toBe(golden.failing[text]);
    if (!r.ok) expect(r.error.kind).toBe('libpcap');
  });
});

describe('without the optimiser (tcpdump -O)', () => {
  it.each(UNOPTIMIZED)('%s', (text) => {
    const want = golden.unoptimized[text]!;
    const r = compileFilter(text, { savefile: true, optimize: false });
    if (typeof want === 'string') expect(r.ok ? '(compiles)' : `${r.error.tcpdumpMessage}\n`).toBe(want);
    else expect(differences(select(compile(text, { savefile: true, optimize: false })), want)).toEqual([]);
  });
});

describe('filters twinnet does not implement', () => {
  it.each(UNSUPPORTED)('%s is refused as unsupported, not guessed', (text) => {
    const r = compileFilter(text, SAVEFILE);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('unsupported');
      expect(r.error.message).toMatch(/^twinnet does not support '.+' in capture filters$/);
    }
  });
});

describe.skipIf(!TCPDUMP)('the live tcpdump still agrees with the recording', () => {
  let dir: string;
  let all: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-filter-test-'));
    all = join(dir, 'all.pcap');
    writeFileSync(all, combinedPcap(corpus));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const selection = (r: ReturnType<typeof runTcpdump>): Selection | string =>
    'kept' in r ? Object.fromEntries(Object.entries(byFile(corpus, r.kept)).filter(([, v]) => v.length > 0)) : r.stderr;
  it('for the matching expressions', () => {
    for (const e of MATCHING) expect(selection(runTcpdump(all, e)), e).toEqual(golden.matching[e]);
  });
  it('for the failing expressions', () => {
    for (const e of FAILING) expect(selection(runTcpdump(all, e)), e).toEqual(golden.failing[e]);
  });
  it('with -O, and for the filters twinnet refuses', () => {
    for (const e of UNOPTIMIZED) expect(selection(runTcpdump(all, e, ['-O'])), e).toEqual(golden.unoptimized[e]);
    for (const e of UNSUPPORTED) expect(selection(runTcpdump(all, e)), e).toEqual(golden.unsupported[e]);
  });
});

describe('the language', () => {
  const same = (a: string, b: string, options: FilterOptions = SAVEFILE): void => expect(compile(a, options).describe()).toBe(compile(b, options).describe());

  it('passes the qualifiers of a primitive to the bare ids after and/or (pcap-filter(7))', () => {
    same('host 10.0.0.1 or 10.0.0.2', 'host 10.0.0.1 or host 10.0.0.2');
    same('tcp dst port 80 or 443 or domain', 'tcp dst port 80 or tcp dst port 443 or tcp dst port domain');
    same('not host 10.0.0.1 and 10.0.0.2', 'not host 10.0.0.1 and host 10.0.0.2');
    same('src host 10.0.0.1 or 10.0.0.2', 'src host 10.0.0.1 or src host 10.0.0.2');
    same('port 80 and (81 or 82)', 'port 80 and (port 81 or port 82)');
    same('host 10.0.0.1 and (port 80) or 10.0.0.2', 'host 10.0.0.1 and port 80 or host 10.0.0.2');
  });
  it('gives and/or equal precedence, grouped left to right, with not binding tightest', () => {
    same('icmp or arp and ip', '(icmp or arp) and ip');
    same('ip and tcp or arp', '(ip and tcp) or arp');
    same('not arp or icmp', '(not arp) or icmp');
    same('! arp && icmp || udp', '((not arp) and icmp) or udp');
  });
  it('reads an argument list as tcpdump does, joined with spaces', () => {
    // `tcpdump -i veth2 \(arp or icmp\)`: the shell passes "(arp", "or", "icmp)".
    expect(filterFromArgs(['(arp', 'or', 'icmp)'])).toBe('(arp or icmp)');
    same(filterFromArgs(['(arp', 'or', 'icmp)']), 'arp or icmp');
  });
  it('moves the offsets of everything after vlan past the tag', () => {
    expect(compile('vlan and ip').describe()).toContain('P[16:2] == 0x800');
    expect(compile('ip or vlan').describe()).toContain('P[12:2] == 0x800');
  });
  it('accepts every frame with an empty filter, even an empty frame', () => {
    for (const text of ['', '   ']) {
      const f = compile(text);
      expect(f.matches(new Uint8Array(0))).toBe(true);
      expect(f.describe()).toBe('accept');
    }
  });
  it('reports errors as tcpdump prints them', () => {
    const r = compileFilter('port 70000');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ kind: 'libpcap', message: 'illegal port number 70000 > 65535', tcpdumpMessage: 'tcpdump: illegal port number 70000 > 65535' });
  });
});

describe('options of a live capture', () => {
  const crafted = (what: string): Uint8Array => Uint8Array.from(CRAFTED.find((c) => c.what === what)!.bytes);
  const echo = crafted('ICMP echo request');

  it('tests packet direction and interface for inbound, outbound and ifindex', () => {
    expect(compile('outbound', {}).matches(echo, { outgoing: true })).toBe(true);
    expect(compile('outbound', {}).matches(echo, { outgoing: false })).toBe(false);
    expect(compile('inbound', {}).matches(echo, { outgoing: false })).toBe(true);
    expect(compile('inbound and icmp', {}).matches(echo, { outgoing: true })).toBe(false);
    expect(compile('ifindex 3', {}).matches(echo, { ifindex: 3 })).toBe(true);
    expect(compile('ifindex 3', {}).matches(echo, { ifindex: 4 })).toBe(false);
  });
  it('uses the interface netmask for ip broadcast', () => {
    const subnet = crafted('UDP to 10.0.0.255 (subnet broadcast)');
    const all = crafted('UDP to 255.255.255.255, Ethernet broadcast');
    expect(compile('ip broadcast').matches(subnet)).toBe(false);
    expect(compile('ip broadcast').matches(all)).toBe(true);
    const masked = compile('ip broadcast', { netmask: 0xffffff00 });
    expect([masked.matches(subnet), masked.matches(all), masked.matches(echo)]).toEqual([true, true, false]);
    const r = compileFilter('ip broadcast', { netmask: 0xffffffff });
    expect(!r.ok && r.error.message).toBe("netmask not known, so 'ip broadcast' not supported");
  });
  it('resolves host names through the given table', () => {
    const hosts = new Map([['b', [0x0a000002]]]);
    expect(compile('host b', { hosts }).matches(echo)).toBe(true);
    const r = compileFilter('host b');
    expect(!r.ok && r.error.tcpdumpMessage).toBe("tcpdump: unknown host 'b'");
  });
  it('uses the wire length for len, not the captured bytes', () => {
    const cut = CRAFTED.find((c) => c.what.startsWith('UDP captured with 20'))!;
    expect(compile('greater 500').matches(Uint8Array.from(cut.bytes), { wireLength: cut.wireLength! })).toBe(true);
    expect(compile('greater 500').matches(Uint8Array.from(cut.bytes))).toBe(false);
  });
});

/** Frames to try filters on: corpus frames, cut or extended at random, and random bytes. */
const frames: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.constantFrom(...corpus.flatMap((f) => f.records.map((r) => r.data))), fc.nat({ max: 1600 }), fc.uint8Array({ maxLength: 8 })).map(([data, cut, tail]) => {
    const out = new Uint8Array(Math.min(cut, data.length) + tail.length);
    out.set(data.subarray(0, cut));
    out.set(tail, Math.min(cut, data.length));
    return out;
  }),
  fc.uint8Array({ maxLength: 120 }),
);

/** Expressions whose meaning composes: no vlan (it moves offsets for what follows), no constant-only tests. */
const COMPOSABLE = MATCHING.filter((e) => !e.includes('vlan') && !/^[-\d\s=()*&|%^<>!]*$/.test(e) && !e.includes('1 = 1') && !e.includes('* 0'));
const compiled = new Map(MATCHING.map((e) => [e, compile(e)]));

describe('properties', () => {
  it('never throws and never depends on bytes past the end of the frame', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MATCHING), frames, fc.uint8Array({ minLength: 1, maxLength: 64 }), (text, frame, tail) => {
        const f = compiled.get(text)!;
        const longer = new Uint8Array(frame.length + tail.length);
        longer.set(frame);
        longer.set(tail, frame.length);
        const meta = { wireLength: frame.length };
        const alone = f.outcome(frame, meta);
        // A filter that did not read past the end must decide the same with more bytes after it.
        if (alone !== 'aborted') expect(f.outcome(longer, meta)).toBe(alone);
        expect(f.matches(frame)).toBe(alone === 'match');
      }),
      { numRuns: 3000 },
    );
  });

  it('not E is the complement of E, except on frames E rejects by reading past their end', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMPOSABLE), frames, (text, frame) => {
        const negated = compileFilter(`not (${text})`, SAVEFILE);
        if (!negated.ok) return; // E accepts everything: `not E` rejects all packets
        const e = compiled.get(text)!.outcome(frame);
        const n = negated.value.outcome(frame);
        const flip: Record<FilterOutcome, FilterOutcome> = { match: 'no-match', 'no-match': 'match', aborted: 'aborted' };
        expect(n).toBe(flip[e]);
      }),
      { numRuns: 2000 },
    );
  });

  it('A and B is the conjunction, A or B the disjunction, wherever neither side reads past the frame', () => {
    // Past-the-end reads do not compose: libpcap's optimiser drops a test whose outcome the rest makes moot, with
    // its loads, so `(A) and (B)` may decide a frame on which A alone aborts (and `expression rejects all
    // packets` means that no frame matches both).
    fc.assert(
      fc.property(fc.constantFrom(...COMPOSABLE), fc.constantFrom(...COMPOSABLE), frames, (a, b, frame) => {
        const oa = compiled.get(a)!.outcome(frame);
        const ob = compiled.get(b)!.outcome(frame);
        const decided = oa !== 'aborted' && ob !== 'aborted';
        const both = compileFilter(`(${a}) and (${b})`, SAVEFILE);
        if (!both.ok) expect(both.error.message === 'expression rejects all packets' && oa === 'match' && ob === 'match').toBe(false);
        else {
          const o = both.value.outcome(frame);
          if (decided) expect(o).toBe(oa === 'match' && ob === 'match' ? 'match' : 'no-match');
          if (o === 'match') expect([oa, ob]).not.toContain('no-match');
          if (o === 'no-match') expect(oa === 'match' && ob === 'match').toBe(false);
        }
        const either = compileFilter(`(${a}) or (${b})`, SAVEFILE);
        if (either.ok) {
          const o = either.value.outcome(frame);
          if (decided) expect(o).toBe(oa === 'match' || ob === 'match' ? 'match' : 'no-match');
          if (o === 'no-match') expect([oa, ob]).not.toContain('match');
          if (o === 'match') expect(oa === 'no-match' && ob === 'no-match').toBe(false);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
