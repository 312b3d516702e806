import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { againstRecorded, readRecordedKernel } from '../../cli/fuzz.ts';
import { formatCompareReport } from '../../core/diff/compare.ts';
import { checkProperties } from '../../core/properties/index.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import { Network } from '../../sim/network.ts';

/**
 * The regression corpus (issue 6): each fixtures/regressions/NAME holds a minimal scenario the fuzz campaign found
 * where the simulator diverged from the kernel, the kernel's run as recorded (kernel.json, kernel.POINT.pcap) and
 * the divergence as it was found (diff.txt). The simulator, fixed, must now agree with the recording, and the
 * properties must hold on the kernel's run.
 */

const ROOT = join(import.meta.dirname, '../../fixtures/regressions');
const fixtures = readdirSync(ROOT).filter((n) => statSync(join(ROOT, n)).isDirectory()).sort();

describe('regression corpus', () => {
  it('has fixtures, each with what it was found to be', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const name of fixtures) expect(readFileSync(join(ROOT, name, 'diff.txt'), 'utf8'), name).toMatch(/divergence/);
  });

  for (const name of fixtures) {
    it(`${name}: the simulator agrees with the kernel's recorded run`, () => {
      const dir = join(ROOT, name);
      const parsed = parseScenario(readFileSync(join(dir, 'scenario.sh'), 'utf8'), { file: join(dir, 'scenario.sh'), form: 'script' });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
      const kernel = readRecordedKernel(dir);
      const { report } = againstRecorded(parsed.value, kernel);
      expect(report.divergences, formatCompareReport(report, { a: 'kernel', b: 'sim' })).toBe(0);
      for (const r of checkProperties(parsed.value, kernel)) expect(r.violations, r.name).toEqual([]);
    });
  }
});

describe('a datagram that OUTPUT drops fails the sending call (EPERM)', () => {
  it('netcat, whose write fails, waits on its socket until -w as the real one does', () => {
    const net = new Network();
    net.exec('ip link set lo up\niptables -P OUTPUT DROP');
    const before = net.now;
    expect(net.exec('nc -u -w 1 -q 0 127.0.0.1 5000 <<< x').status).toBe(0);
    // Measured (strace): write() gets EPERM, stdin and the write side close, poll() waits on the socket until -w.
    expect(net.now - before).toBeGreaterThanOrEqual(1e9);
    net.exec('iptables -P OUTPUT ACCEPT');
    const again = net.now;
    net.exec('nc -u -w 1 -q 0 127.0.0.1 5000 <<< x');
    expect(net.now - again).toBeLessThan(1e9);
  });
});
