/**
 * A child process for the kernel tests: builds a sandbox step by step, printing `step N RUNID` after each, then
 * waits for a signal. Usage: hold-sandbox.ts LAST_STEP [throw]. With `throw` it throws after LAST_STEP instead
 * of waiting (an uncaught exception). The parent kills it at a chosen step and checks what is left.
 */
import { startCapture } from '../../kernel-adapter/capture/capture.ts';
import { Sandbox } from '../../kernel-adapter/sandbox.ts';
import { spawn } from 'node:child_process';

const last = Number(process.argv[2] ?? '99');
const mode = process.argv[3];
const sandbox = Sandbox.create();
const must = (ns: string | undefined, argv: string[]): void => {
  const r = sandbox.exec(ns, argv);
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
};

/** The steps, each leaving something more behind. */
const STEPS: (() => void | Promise<void>)[] = [
  () => {},
  () => void sandbox.mustAddNamespace(undefined),
  () => void sandbox.mustAddNamespace('netns1'),
  () => must(undefined, ['ip', 'link', 'add', 'veth1', 'type', 'veth', 'peer', 'name', 'ceth1', 'netns', sandbox.nsName('netns1')]),
  () => {
    must(undefined, ['ip', 'addr', 'add', '10.77.0.1/24', 'dev', 'veth1']);
    must(undefined, ['ip', 'link', 'set', 'veth1', 'up']);
    must('netns1', ['ip', 'addr', 'add', '10.77.0.2/24', 'dev', 'ceth1']);
    must('netns1', ['ip', 'link', 'set', 'ceth1', 'up']);
    must(undefined, ['iptables', '-A', 'INPUT', '-s', '10.77.0.2', '-j', 'ACCEPT']);
  },
  () => {
    // A process that outlives its parent unless something kills it: detached, in its own session.
    const child = spawn('ip', ['netns', 'exec', sandbox.nsName('netns1'), 'sleep', '300'], { detached: true, stdio: 'ignore' });
    child.unref();
  },
  async () => {
    await startCapture(sandbox, undefined, 'veth1', `/tmp/twinnet-hold-${process.pid}.pcap`);
  },
];

for (let step = 0; step < STEPS.length && step <= last; step++) {
  await STEPS[step]!();
  process.stdout.write(`step ${step} ${sandbox.runId}\n`);
}
if (mode === 'throw') throw new Error('hold-sandbox: thrown on purpose');
process.stdout.write(`holding ${sandbox.runId}\n`);
setInterval(() => {}, 1_000);
