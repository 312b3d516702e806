import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** Tools a kernel test needs on PATH (Debian packages iproute2, iptables, tcpdump, iputils-ping, conntrack). */
const TOOLS = ['ip', 'bridge', 'iptables', 'tcpdump', 'ping', 'nc', 'conntrack'];

/** Why kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailableReason(tools: readonly string[] = TOOLS): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `the tool "${tool}" is not installed`;
    }
  }
  return undefined;
}

/**
 * `describe` for tests that need the real kernel. Where it is unavailable the suite is skipped with a visible
 * notice, or, with TWINNET_REQUIRE_KERNEL=1 (set by .ci/run), fails: a skip is never a silent pass.
 */
export function describeKernel(name: string, body: () => void, tools?: readonly string[]): void {
  const reason = kernelUnavailableReason(tools);
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  if (process.env.TWINNET_REQUIRE_KERNEL === '1') {
    describe(name, () => {
      it('needs the real kernel', () => {
        throw new Error(`TWINNET_REQUIRE_KERNEL=1 but kernel tests cannot run: ${reason}`);
      });
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPED (kernel): "${name}": ${reason}. Run as root to include it. ***\n`);
  describe.skip(`${name} [skipped: ${reason}]`, body);
}
