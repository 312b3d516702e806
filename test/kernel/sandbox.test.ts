import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startCapture } from '../../kernel-adapter/capture/capture.ts';
import { listNetns } from '../../kernel-adapter/netns.ts';
import { tsxLoaderUrl } from '../../kernel-adapter/node-helper.ts';
import { readRecord, recordPath } from '../../kernel-adapter/run-record.ts';
import { hostNeighDefaults, Sandbox, withSandbox } from '../../kernel-adapter/sandbox.ts';
import { namespaceSysctls, NEIGH_DEFAULTS } from '../../kernel-adapter/sysctl-defaults.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const HOLD = fileURLToPath(new URL('./hold-sandbox.ts', import.meta.url));

describeKernel('kernel adapter sandbox: names, sysctls, isolation of concurrent runs, cleanup', () => {
  guardHostNamespace();

  it('names every namespace twn<run>-<name>, records them first, and cleanup removes all of it (twice is harmless)', { timeout: 15_000 }, () => {
    const sandbox = Sandbox.create();
    expect(sandbox.runId).toMatch(/^[0-9a-f]{8}$/);
    expect(sandbox.nsName(undefined)).toBe(`twn${sandbox.runId}-global`);
    expect(sandbox.nsName('netns1')).toBe(`twn${sandbox.runId}-netns1`);
    expect(() => sandbox.nsName('global')).toThrow(/reserved/);
    expect(() => sandbox.nsName('a/b')).toThrow(/invalid/);
    sandbox.mustAddNamespace(undefined);
    sandbox.mustAddNamespace('netns1');
    expect(listNetns()).toEqual(expect.arrayContaining([`twn${sandbox.runId}-global`, `twn${sandbox.runId}-netns1`]));
    expect(readRecord(sandbox.runId)).toMatchObject({ pid: process.pid, namespaces: [`twn${sandbox.runId}-global`, `twn${sandbox.runId}-netns1`] });
    // Adding an existing one fails as the tool does, and the replay gets the tool's words.
    const again = sandbox.addNamespace('netns1');
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.result.stderr).toContain('File exists');
    expect(sandbox.cleanup()).toEqual({ deleted: [`twn${sandbox.runId}-netns1`, `twn${sandbox.runId}-global`], failed: [] });
    expect(listNetns().filter((n) => n.startsWith(sandbox.prefix))).toEqual([]);
    expect(existsSync(recordPath(sandbox.runId))).toBe(false);
    expect(sandbox.cleanup()).toEqual({ deleted: [], failed: [] });
  });

  it('sets every modelled sysctl to the simulator\'s default before any device exists; IPv6 off; lo down', { timeout: 15_000 }, async () => {
    await withSandbox((sandbox) => {
      const setup = sandbox.mustAddNamespace('a');
      const expected = namespaceSysctls({ ipv6: false });
      expect(setup.sysctls).toEqual(expected.map((s) => ({ key: s.key, value: s.value })));
      // Read back independently with sysctl(8).
      const r = sandbox.exec('a', ['sysctl', ...expected.map((s) => s.key)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(expected.map((s) => `${s.key} = ${s.value}`));
      // Measured: net.ipv4.neigh.default exists only in the initial namespace; devices copy arp_tbl's defaults.
      expect(sandbox.exec('a', ['sysctl', 'net.ipv4.neigh.default.base_reachable_time_ms']).status).not.toBe(0);
      const lo = sandbox.exec('a', ['sysctl', ...Object.keys(NEIGH_DEFAULTS).map((k) => `net.ipv4.neigh.lo.${k}`)]);
      expect(setup.neighDefaults).toBe(hostNeighDefaults().mode);
      expect(lo.stdout.trim().split('\n')).toEqual(Object.entries(NEIGH_DEFAULTS).map(([k, v]) => `net.ipv4.neigh.lo.${k} = ${v}`));
      expect(sandbox.exec('a', ['ip', '-o', 'link', 'show', 'lo']).stdout).toContain('state DOWN');
      sandbox.exec('a', ['ip', 'link', 'set', 'lo', 'up']);
      expect(sandbox.exec('a', ['ip', '-o', 'addr', 'show', 'lo']).stdout).not.toContain('inet6');
    });
  });

  it('keeps IPv6 on when asked, and brings lo up when asked', { timeout: 15_000 }, async () => {
    await withSandbox(
      (sandbox) => {
        sandbox.mustAddNamespace(undefined);
        expect(sandbox.exec(undefined, ['sysctl', '-n', 'net.ipv6.conf.all.disable_ipv6']).stdout.trim()).toBe('0');
        expect(sandbox.exec(undefined, ['ip', '-o', 'link', 'show', 'lo']).stdout).toContain('LOOPBACK,UP');
        expect(sandbox.exec(undefined, ['ip', '-o', 'addr', 'show', 'lo']).stdout).toContain('inet6 ::1/128');
      },
      { ipv6: true, loopbackUp: true },
    );
  });

  it('two runs at once, with the same scenario names and addresses, do not see each other', { timeout: 20_000 }, async () => {
    const runs = [Sandbox.create(), Sandbox.create()];
    try {
      expect(runs[0]!.runId).not.toBe(runs[1]!.runId);
      for (const s of runs) {
        s.mustAddNamespace(undefined);
        s.mustAddNamespace('netns1');
        for (const line of [`ip link add veth1 type veth peer name ceth1 netns ${s.nsName('netns1')}`, 'ip addr add 10.201.0.1/24 dev veth1', 'ip link set veth1 up']) {
          expect(s.exec(undefined, line.split(' ')).status).toBe(0);
        }
        for (const line of ['ip addr add 10.201.0.2/24 dev ceth1', 'ip link set ceth1 up']) expect(s.exec('netns1', line.split(' ')).status).toBe(0);
      }
      const files = runs.map((s) => `/tmp/twinnet-twins-${s.runId}.pcap`);
      const captures = await Promise.all(runs.map((s, i) => startCapture(s, 'netns1', 'ceth1', files[i]!, { filter: 'icmp' })));
      // Only the first run pings; the second run's capture must stay empty.
      expect(runs[0]!.exec(undefined, ['ping', '-c', '2', '-i', '0.2', '10.201.0.2']).status).toBe(0);
      const results = await Promise.all(captures.map((c) => c.stop()));
      expect(results.map((r) => r.frames)).toEqual([4, 0]);
      expect([...readCapture(files[1]!)]).toEqual([]);
    } finally {
      for (const s of runs) expect(s.cleanup().failed).toEqual([]);
    }
  });

  it('two processes starting runs at the same moment get distinct ids and both complete', { timeout: 20_000 }, async () => {
    const start = (): Promise<{ runId: string; stop: () => Promise<void> }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), HOLD, '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /^holding ([0-9a-f]{8})$/m.exec(out);
          if (m) resolve({ runId: m[1]!, stop: () => new Promise((done) => (child.once('close', () => done()), child.kill('SIGTERM'))) });
        });
        child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('close', (code) => reject(new Error(`hold-sandbox ended with ${code}:\n${out}`)));
      });
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.runId).not.toBe(b.runId);
    await Promise.all([a.stop(), b.stop()]);
    expect(listNetns().filter((n) => n.startsWith(`twn${a.runId}-`) || n.startsWith(`twn${b.runId}-`))).toEqual([]);
  });
});
