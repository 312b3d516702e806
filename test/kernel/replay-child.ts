/**
 * A child process for the replay kernel tests: replays a scenario file, printing `start RUNID`, then `step N` after
 * each transcript entry and `done STATUS` at the end. Usage: replay-child.ts FILE. The parent kills it at a chosen
 * step (SIGKILL: no cleanup can run) and checks what `twinnet sweep` leaves.
 */
import { parseScenarioFile } from '../../core/scenario/index.ts';
import { replay } from '../../kernel-adapter/replay.ts';

const parsed = parseScenarioFile(process.argv[2]!);
if (!parsed.ok) throw new Error(parsed.error.message);
let step = 0;
const result = await replay(parsed.value, {
  onStart: (runId) => process.stdout.write(`start ${runId}\n`),
  onEntry: () => process.stdout.write(`step ${++step}\n`),
});
process.stdout.write(`done ${result.exitStatus}\n`);
