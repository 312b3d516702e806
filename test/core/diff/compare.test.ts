/**
 * `compare(a, b)` (DESIGN.md §6): captures, state and transcripts of two runs in one report, as data; the exit
 * status is 0 only when nothing but declared variation differs. And `twinnet compare`'s argument errors, which need
 * no root.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, formatCompareReport, type EngineRun } from '../../../core/diff/compare.ts';
import type { TranscriptEntry } from '../../../core/transcript.ts';
import { arpExchange, H1, H2, igmpReport, ping } from './frames.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

function entry(command: string, output: string, status = 0): TranscriptEntry {
  return { position: { file: 'x.sh', line: 1, column: 1 }, prompt: '$ ', command, namespace: undefined, output: output ? [{ stream: 'stdout', text: output, at: 0 }] : [], status, startedAt: 0, endedAt: 1 };
}

function run(options: { ttl?: number; igmp?: boolean; gateway?: string; status?: number } = {}): EngineRun {
  const frames = [...(options.igmp ? [igmpReport(H1, 0)] : []), ...arpExchange(H1, H2, 1), ...ping({ from: H1, to: H2, id: 7, seq: 1, ipIds: [1, 2], timevals: [1, 1], ms: 2 })];
  if (options.ttl !== undefined) {
    const last = frames.length - 1;
    const d = frames[last]!.data.slice();
    d[22] = options.ttl;
    frames[last] = { ...frames[last]!, data: d };
  }
  return {
    captures: new Map([['veth1', frames]]),
    transcript: [entry('ip route add default via 10.0.0.2', '', options.status ?? 0)],
    state: [{ namespace: undefined, routes: [{ dst: 'default', gateway: options.gateway ?? '10.0.0.2', dev: 'veth1' }] }],
  };
}

describe('compare(a, b)', () => {
  it('exit status 0 when only declared variation differs (an IGMP report on one side)', () => {
    const r = compare(run({ igmp: true }), run());
    expect(r.exitStatus).toBe(0);
    expect(r.divergences).toBe(0);
    expect(r.frames.variations).toEqual({ 'igmp-report-timing': 1 });
    expect(formatCompareReport(r)).toContain('result: same (only declared variation differs)');
  });
  it('exit status 1 on a divergence in frames, in state, or in the transcript, each counted', () => {
    expect(compare(run(), run({ ttl: 63 })).frames.divergences).toBe(1);
    const state = compare(run(), run({ gateway: '10.0.0.3' }));
    expect([state.exitStatus, state.state.divergences]).toEqual([1, 1]);
    expect(state.state.differences[0]).toMatchObject({ namespace: 'global', section: 'routes', kind: 'different', item: 'default', fields: [{ field: 'gateway', a: '10.0.0.2', b: '10.0.0.3' }] });
    const transcript = compare(run(), run({ status: 2 }));
    expect([transcript.exitStatus, transcript.transcript?.divergences]).toEqual([1, 1]);
    const all = compare(run(), run({ ttl: 63, gateway: '10.0.0.3', status: 2 }));
    expect([all.exitStatus, all.divergences]).toEqual([1, 3]);
  });
  it('is data: the report survives JSON', () => {
    const r = compare(run({ igmp: true }), run({ ttl: 63 }));
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
  it('prints each part: capture points, state, transcript, the verdict', () => {
    const text = formatCompareReport(compare(run(), run({ ttl: 63, gateway: '10.0.0.3', status: 2 })), { a: 'kernel', b: 'sim' });
    expect(text).toContain('capture veth1: 3 matched, 0 missing, 0 extra, 1 different, 0 reordered');
    expect(text).toContain('    ipv4.ttl 64 ≠ 63');
    expect(text).toContain('state global routes: different (divergence) default\n    gateway 10.0.0.2 ≠ 10.0.0.3');
    expect(text).toContain('transcript line 1: different (divergence) $ ip route add default via 10.0.0.2\n    status 0 ≠ 2');
    expect(text.trimEnd().split('\n').at(-1)).toBe('result: 3 divergences');
  });
});

describe('twinnet compare: arguments', () => {
  const cli = (...args: string[]) => spawnSync('node', [join(ROOT, 'cli/twinnet.js'), 'compare', ...args], { cwd: ROOT, encoding: 'utf8' });
  it('needs a scenario, knows its options, reports a bad scenario line', () => {
    expect(cli()).toMatchObject({ status: 2, stderr: expect.stringMatching(/^twinnet compare: name a scenario file\nusage: twinnet compare FILE/) });
    expect(cli('x.sh', '--tolerance', 'soon')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^twinnet compare: --tolerance needs milliseconds, not "soon"/) });
    expect(cli('x.sh', '--bogus')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^twinnet compare: unknown option "--bogus"/) });
    expect(cli('fixtures/scenarios/no-such-file.sh').status).toBe(2);
  });
});
