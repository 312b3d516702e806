import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { processStartTime, recordPath } from '../../kernel-adapter/run-record.ts';
import { listNetns, netnsPids } from '../../kernel-adapter/netns.ts';
import { tsxLoaderUrl } from '../../kernel-adapter/node-helper.ts';
import { sweep } from '../../kernel-adapter/sweep.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const HOLD = fileURLToPath(new URL('./hold-sandbox.ts', import.meta.url));
/** hold-sandbox.ts's last step (a running capture helper). */
const LAST_STEP = 6;

interface Held {
  readonly child: ChildProcess;
  readonly runId: string;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts hold-sandbox.ts and resolves once it printed `step STEP` (or `holding`). */
function hold(step: number, mode?: 'throw'): Promise<Held> {
  const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), HOLD, String(step), ...(mode ? [mode] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = new RegExp(`^step ${step} ([0-9a-f]{8})$`, 'm').exec(out);
      if (m !== null) resolve({ child, runId: m[1]!, output: () => out, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`hold-sandbox ended (${code ?? signal}) before step ${step}:\n${out}`)));
  });
}

/** Everything a run could leave: its namespaces and its record. */
function leftovers(runId: string): string[] {
  const left = listNetns().filter((n) => n.startsWith(`twn${runId}-`));
  if (existsSync(recordPath(runId))) left.push(recordPath(runId));
  return left;
}

/** The processes inside a run's namespaces, each with its start time (to tell it from a reused PID). */
function processesOf(runId: string): { pid: number; start: string | null }[] {
  return listNetns()
    .filter((n) => n.startsWith(`twn${runId}-`))
    .flatMap((n) => netnsPids(n))
    .map((pid) => ({ pid, start: processStartTime(pid) }));
}

/** Those of `processes` still running. */
function survivors(processes: readonly { pid: number; start: string | null }[]): number[] {
  return processes.filter((p) => p.start !== null && processStartTime(p.pid) === p.start).map((p) => p.pid);
}

describeKernel('kernel adapter lifecycle: cleanup on signals and errors, sweep after SIGKILL', () => {
  guardHostNamespace();

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: the run cleans up and dies by the signal', { timeout: 20_000 }, async (signal) => {
    const held = await hold(LAST_STEP);
    expect(leftovers(held.runId).length).toBeGreaterThan(0);
    const inside = processesOf(held.runId);
    expect(inside.length, 'the sleep and the capture helper run inside the sandbox').toBeGreaterThanOrEqual(2);
    held.child.kill(signal);
    const { signal: died } = await held.exited;
    expect(died).toBe(signal);
    expect(leftovers(held.runId)).toEqual([]);
    expect(survivors(inside)).toEqual([]);
  });

  it('an uncaught exception cleans up', { timeout: 20_000 }, async () => {
    const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), HOLD, '4', 'throw'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(out).toContain('thrown on purpose');
    const runId = /step 4 ([0-9a-f]{8})/.exec(out)?.[1];
    expect(runId).toBeDefined();
    expect(leftovers(runId!)).toEqual([]);
  });

  // Each kill lands after a step drawn at random (printed on failure); the sweep must leave nothing behind.
  const steps = [...Array(LAST_STEP + 1).keys()].sort(() => Math.random() - 0.5).slice(0, 3);
  it.each(steps)('SIGKILL after step %i, then sweep() leaves nothing', { timeout: 20_000 }, async (step) => {
    const held = await hold(step);
    held.child.kill('SIGKILL');
    await held.exited;
    if (step >= 1) expect(leftovers(held.runId).length).toBeGreaterThan(0);
    const inside = processesOf(held.runId);
    if (step >= 5) expect(inside.length, 'processes outlived the SIGKILLed run').toBeGreaterThan(0);
    const report = sweep();
    const mine = report.swept.find((r) => r.runId === held.runId);
    expect(mine, `sweep did not find run ${held.runId}: ${JSON.stringify(report)}`).toBeDefined();
    expect(mine!.failed).toEqual([]);
    expect(leftovers(held.runId)).toEqual([]);
    expect(survivors(inside)).toEqual([]);
    rmSync(`/tmp/twinnet-hold-${held.child.pid}.pcap`, { force: true });
  });

  it('twinnet sweep (the CLI) removes a killed run and says what it removed', { timeout: 20_000 }, async () => {
    const held = await hold(3);
    held.child.kill('SIGKILL');
    await held.exited;
    const cli = fileURLToPath(new URL('../../cli/twinnet.js', import.meta.url));
    const dry = spawnSync(process.execPath, [cli, 'sweep', '--dry-run'], { encoding: 'utf8' });
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`run ${held.runId}: would remove twn${held.runId}-global twn${held.runId}-netns1 and its record`);
    expect(leftovers(held.runId).length).toBe(3);
    const real = spawnSync(process.execPath, [cli, 'sweep'], { encoding: 'utf8' });
    expect(real.status, real.stderr).toBe(0);
    expect(real.stdout).toContain(`run ${held.runId}: removed twn${held.runId}-global twn${held.runId}-netns1 and its record`);
    expect(leftovers(held.runId)).toEqual([]);
  });

  it('the sweep leaves live runs alone', { timeout: 20_000 }, async () => {
    const held = await hold(2);
    try {
      const report = sweep();
      expect(report.live).toContain(held.runId);
      expect(report.swept.map((r) => r.runId)).not.toContain(held.runId);
      expect(listNetns()).toContain(`twn${held.runId}-netns1`);
    } finally {
      held.child.kill('SIGTERM');
      await held.exited;
    }
    expect(leftovers(held.runId)).toEqual([]);
  });
});
