import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/* `twinnet decode` end to end, through the real entry point (cli/twinnet.js), in UTC. */
const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'twinnet-cli-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function twinnet(...args: string[]) {
  const r = spawnSync('node', [join(ROOT, 'cli/twinnet.js'), 'decode', ...args], { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('twinnet decode', () => {
  it("prints the seed's -ennqtvv form of a capture on stdout and tcpdump's banner on stderr", () => {
    const r = twinnet('fixtures/pcap/port-unreachable.pcap', '-ennqtvv');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'fixtures/pcap/port-unreachable.ennqtvv.txt'), 'utf8'));
    expect(r.stderr).toBe('reading from file fixtures/pcap/port-unreachable.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n');
  });

  it('takes the flags apart and in any order, and a filter after them', () => {
    const r = twinnet('fixtures/pcap/ping.pcap', '-n', '-v', '-n', 'icmp', 'and', 'src', '10.0.0.1');
    expect(r.status).toBe(0);
    const golden = readFileSync(join(ROOT, 'fixtures/pcap/ping.nnv.txt'), 'utf8').split('\n');
    // The three echo requests (two lines each) from the -nnv golden, in order.
    const requests = golden.flatMap((line, i) => (line.includes('ICMP echo request') ? [golden[i - 1], line] : []));
    expect(r.stdout.trimEnd().split('\n')).toEqual(requests);
  });

  it('fails with the reader\'s offset for a cut file, status 1, after the frames before the damage', () => {
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, readFileSync(join(ROOT, 'fixtures/pcap/ping.pcap')).subarray(0, 100));
    const r = twinnet(path, '-nn');
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n')[0]).toContain('ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28');
    expect(r.stderr).toMatch(/offset 82: truncated record/);
  });

  it('rejects a bad filter with libpcap\'s words and bad flags with tcpdump\'s, and needs a file', () => {
    expect(twinnet('fixtures/pcap/ping.pcap', 'tcp[')).toMatchObject({ status: 1, stderr: 'tcpdump: can\'t parse filter expression: syntax error\n' });
    expect(twinnet('fixtures/pcap/ping.pcap', '-k').status).toBe(2);
    expect(twinnet().status).toBe(2);
    expect(twinnet('/nonexistent.pcap').status).toBe(1);
  });
});
