/** `twinnet sweep [--dry-run]`: removes what dead kernel-adapter runs left behind (kernel-adapter/sweep.ts). */
import { sweep } from '../kernel-adapter/sweep.ts';

const USAGE = 'usage: twinnet sweep [--dry-run]\n';

/** Runs the sweep and prints what it found; 0 when nothing is left behind, 1 when a namespace could not be removed. */
export async function sweepCommand(args: readonly string[]): Promise<number> {
  const dryRun = args.includes('--dry-run') || args.includes('-n');
  if (args.some((a) => a !== '--dry-run' && a !== '-n')) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('twinnet sweep: must run as root (it deletes network namespaces)\n');
    return 1;
  }
  const report = sweep({ dryRun });
  const verb = dryRun ? 'would remove' : 'removed';
  let failed = 0;
  for (const run of report.swept) {
    const what = run.namespaces.length === 0 ? 'no namespace' : run.namespaces.join(' ');
    const killed = run.killed.length === 0 ? '' : `, killed ${run.killed.join(' ')}`;
    process.stdout.write(`run ${run.runId}: ${verb} ${what}${run.hadRecord ? ' and its record' : ''}${killed}\n`);
    for (const ns of run.failed) process.stderr.write(`twinnet sweep: could not remove namespace ${ns}\n`);
    failed += run.failed.length;
  }
  for (const f of report.removedTemporaries) process.stdout.write(`${verb} stale file ${f}\n`);
  for (const id of report.live) process.stdout.write(`run ${id}: alive, left alone\n`);
  if (report.swept.length === 0 && report.removedTemporaries.length === 0) process.stdout.write('nothing to sweep\n');
  return failed === 0 ? 0 : 1;
}
