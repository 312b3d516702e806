/**
 * `twinnet compare` live (issue 5): every fixture that declares both engines runs on the real kernel and on the
 * simulator, one at a time, each within 20 s of real time, and nothing but declared variation may differ
 * (DESIGN.md §5). Where the simulator is known to be wrong, the test says so with `it.fails` (the differences are
 * spelled out in test/sim/kernel-fixtures.test.ts). Fixtures that cannot run in 20 s are listed, not run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { compareScenario } from '../../cli/compare.ts';
import { formatCompareReport } from '../../core/diff/compare.ts';
import { parseScenarioFile } from '../../core/scenario/index.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
/** A kernel fixture's time limit (DESIGN.md §4 "Limits"). */
const LIMIT_MS = 20_000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Fixtures declaring both engines (`# engines: sim,kernel`), preambles `host*.sh` aside. */
const fixtures = walk(join(ROOT, 'fixtures'))
  .filter((f) => f.endsWith('.sh') && !/\/host[^/]*\.sh$/.test(f))
  .filter((f) => {
    const engines = /^# engines:\s*(.*)$/m.exec(readFileSync(f, 'utf8'))?.[1] ?? '';
    return /\bsim\b/.test(engines) && /\bkernel\b/.test(engines);
  })
  .map((f) => relative(ROOT, f))
  .sort();

/** The seconds a scenario waits at least: its sleeps and its pings' intervals and waits. */
function plannedSeconds(file: string): number {
  let total = 0;
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    if (line.startsWith('#')) continue;
    const sleep = /(?:^|\s)sleep (\d+(?:\.\d+)?)\b/.exec(line);
    if (sleep) total += Number(sleep[1]);
    const ping = /\bping\b(.*)$/.exec(line);
    if (ping) {
      const count = Number(/-c (\d+)/.exec(ping[1]!)?.[1] ?? 4);
      const interval = Number(/-i (\d+(?:\.\d+)?)/.exec(ping[1]!)?.[1] ?? 1);
      total += (count - 1) * interval;
    }
  }
  return total;
}

/** Fixtures where the simulator is known to differ from the kernel (test/sim/kernel-fixtures.test.ts). */
const KNOWN_DIVERGENT = new Set<string>([]);

describeKernel('twinnet compare on the kernel fixtures', () => {
  guardHostNamespace();

  it('finds the kernel fixtures', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['fixtures/kernel/a-netns1/scenario.sh', 'fixtures/kernel/nud-ping-once-idle/scenario.sh']));
  });

  for (const file of fixtures) {
    const planned = plannedSeconds(file);
    if (planned > 17) {
      it.skip(`${file}: waits ${planned} s, over the ${LIMIT_MS / 1000} s a kernel fixture may take (DESIGN.md §4 "Limits")`, () => {});
      continue;
    }
    const test = KNOWN_DIVERGENT.has(file) ? it.fails : it;
    test(`${file}: nothing but declared variation differs`, { timeout: LIMIT_MS }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tw-compare-'));
      dirs.push(dir);
      const scenario = parseScenarioFile(join(ROOT, file));
      if (!scenario.ok) throw new Error(scenario.error.message);
      // A scenario without a tcpdump line (the regression corpus, recorded by the fuzz campaign) is compared at
      // every device, as `twinnet fuzz` compares it (--capture-all).
      const captureAll = !readFileSync(join(ROOT, file), 'utf8').split('\n').some((l) => !l.startsWith('#') && /\btcpdump\b/.test(l));
      const started = performance.now();
      const { report, kernel } = await compareScenario(scenario.value, { pcapDir: dir, captureAll });
      expect(performance.now() - started).toBeLessThan(LIMIT_MS);
      expect(kernel.warnings).toEqual([]);
      const text = formatCompareReport(report, { a: 'kernel', b: 'sim' });
      // A fixture with a tcpdump line must have frames to compare; the corpus's scenarios about state and output
      // alone (a send refused, a flow conntrack does not take) may see none, but every command must pair.
      if (!captureAll) expect(report.frames.counts.matched, text).toBeGreaterThan(0);
      else expect(report.transcript?.entries.paired, text).toBeGreaterThan(0);
      expect(report.transcript?.entries.paired, text).toBe(report.transcript?.entries.a);
      expect(report.divergences, formatCompareReport(report, { a: 'kernel', b: 'sim' })).toBe(0);
    });
  }

  it('the command line: `twinnet compare FILE` prints the report and exits 0; `--json` gives it as data', { timeout: LIMIT_MS }, () => {
    const cli = (...args: string[]) => spawnSync('node', [join(ROOT, 'cli/twinnet.js'), 'compare', ...args], { cwd: ROOT, encoding: 'utf8', timeout: LIMIT_MS });
    const r = cli('fixtures/kernel/a-netns1/scenario.sh', '--json');
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { exitStatus: number; divergences: number; sameMacs: boolean; frames: { counts: { matched: number } } };
    expect(json).toMatchObject({ exitStatus: 0, divergences: 0, sameMacs: true });
    expect(json.frames.counts.matched).toBe(6);
  });
});

describeKernel('twinnet compare refuses what it cannot run', () => {
  it('a simulator-only scenario: status 2, the replay\u2019s reason, nothing created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-compare-'));
    dirs.push(dir);
    const file = join(dir, 'sim-only.sh');
    writeFileSync(file, '# engines: sim\nip link add d0 type dummy\n');
    const r = spawnSync('node', [join(ROOT, 'cli/twinnet.js'), 'compare', file], { cwd: ROOT, encoding: 'utf8', timeout: LIMIT_MS });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`twinnet replay: ${file} declares "# engines: sim": it runs on the simulator only, not on the kernel\n`);
    expect(r.stdout).toBe('');
  });
});
