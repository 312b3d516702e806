/**
 * Runs every benchmark, one after another, each in its own process (so one's heap does not weigh on the next):
 * `npm run bench` or `npx tsx bench/run.ts [NAME…]`. Benchmarks print numbers and ratios; none asserts a timing.
 * Those that compare with the kernel need root and say so when they skip that half.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => basename(f, '.ts'))
  .sort();
const wanted = process.argv.length > 2 ? process.argv.slice(2) : all;
let status = 0;
for (const name of wanted) {
  if (!all.includes(name)) {
    process.stderr.write(`bench: no benchmark "${name}" (${all.join(', ')})\n`);
    status = 2;
    continue;
  }
  process.stdout.write(`\n=== bench/${name}.ts\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exitCode = status;
