/**
 * Wall time of the simulator beside the kernel (issue 5, `bench/`): `npx tsx bench/replay.ts [FILE…]` (root).
 *
 * For each scenario (default: every `fixtures/**\/*.sh` whose `# engines:` line names the kernel, preambles
 * `host*.sh` aside), runs `twinnet run FILE` and `twinnet replay FILE` as a user would (each its own process, pcaps
 * into a temporary folder) and prints both wall times and their ratio, with each run's exit status. The kernel's
 * time is mostly real time the scenario asks for (pings one second apart, sleeps, timers) where the simulator's
 * clock jumps. Prints numbers only: nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'cli/twinnet.js');

/** Every file under `dir` (recursively). */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The fixtures that declare the kernel engine. */
function kernelFixtures(): string[] {
  return walk(join(ROOT, 'fixtures'))
    .filter((f) => f.endsWith('.sh') && !/\/host[^/]*\.sh$/.test(f))
    .filter((f) => /^#\s*engines:.*\bkernel\b/.test(readFileSync(f, 'utf8').split('\n', 1)[0]!))
    .sort();
}

/** Runs `twinnet COMMAND FILE` and returns its wall time in seconds and its exit status. */
function time(command: 'run' | 'replay', file: string, pcapDir: string): { seconds: number; status: number | null } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, command, file, '--pcap-dir', pcapDir], { cwd: pcapDir, encoding: 'utf8', maxBuffer: 256 << 20 });
  return { seconds: (performance.now() - started) / 1000, status: r.status };
}

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/replay.ts: twinnet replay needs root\n');
  process.exit(2);
}
const files = process.argv.length > 2 ? process.argv.slice(2) : kernelFixtures();
const dir = mkdtempSync(join(tmpdir(), 'twinnet-bench-replay-'));
try {
  const rows: string[][] = [['scenario', 'run (s)', 'replay (s)', 'replay/run', 'status run/replay']];
  let totalRun = 0;
  let totalReplay = 0;
  for (const file of files) {
    const run = time('run', file, mkdtempSync(join(dir, 'run-')));
    const replayed = time('replay', file, mkdtempSync(join(dir, 'replay-')));
    totalRun += run.seconds;
    totalReplay += replayed.seconds;
    rows.push([relative(ROOT, file), run.seconds.toFixed(2), replayed.seconds.toFixed(2), `${(replayed.seconds / run.seconds).toFixed(1)}x`, `${run.status}/${replayed.status}`]);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  rows.push(['total', totalRun.toFixed(2), totalReplay.toFixed(2), `${(totalReplay / totalRun).toFixed(1)}x`, '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
