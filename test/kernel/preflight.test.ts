import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { commandFromArgv, type KernelCommand } from '../../kernel-adapter/command.ts';
import { listNetns } from '../../kernel-adapter/netns.ts';
import { environmentProblems, preflight } from '../../kernel-adapter/preflight.ts';
import { RUN_DIR } from '../../kernel-adapter/run-record.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const at = (line: number, text: string): KernelCommand => commandFromArgv(text.split(' '), 'fixtures/x.sh', line);

/** Every namespace and run record of twinnet's on the machine. */
function ours(): string[] {
  let records: string[] = [];
  try {
    records = readdirSync(RUN_DIR).filter((f) => f !== 'kernel-features.json');
  } catch {
    // No run directory yet.
  }
  return [...listNetns().filter((n) => n.startsWith('twn')), ...records].sort();
}

describeKernel('kernel adapter preflight: refusals before anything is created', () => {
  guardHostNamespace();

  it('finds nothing missing on this machine (root, tools, cap and raw-socket)', { timeout: 15_000 }, () => {
    expect(environmentProblems()).toEqual([]);
  });

  it('refuses 8.8.8.8 without creating anything, not even the feature probe', { timeout: 15_000 }, () => {
    rmSync(join(RUN_DIR, 'kernel-features.json'), { force: true });
    const before = ours();
    const r = preflight([at(1, 'ip link add d0 type dummy'), at(2, 'ping -c 1 8.8.8.8')]);
    expect(r).toEqual({
      ok: false,
      error: [
        'twinnet replay: refusing the public address 8.8.8.8 (fixtures/x.sh:2:1: ping -c 1 8.8.8.8): kernel replays use only private, loopback, link-local and documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)',
      ],
    });
    expect(ours()).toEqual(before);
    expect(readdirSync(RUN_DIR)).not.toContain('kernel-features.json');
  });

  it('refuses the dummy link type and netem, probed in a throwaway namespace that is gone afterwards', { timeout: 15_000 }, () => {
    rmSync(join(RUN_DIR, 'kernel-features.json'), { force: true });
    const before = ours();
    const r = preflight([at(3, 'ip link add d0 type dummy'), at(4, 'tc qdisc add dev veth1 root netem loss 10%'), at(5, 'ip link add br0 type bridge')]);
    expect(r).toEqual({
      ok: false,
      error: [
        'twinnet replay: this kernel lacks the "dummy" link type (fixtures/x.sh:3:1: ip link add d0 type dummy); run it with the simulator only',
        'twinnet replay: this kernel lacks the "netem" qdisc (fixtures/x.sh:4:1: tc qdisc add dev veth1 root netem loss 10%); run it with the simulator only',
      ],
    });
    expect(ours()).toEqual(before);
  });

  it('passes a veth and bridge scenario on private and documentation addresses', { timeout: 15_000 }, () => {
    const r = preflight([
      at(1, 'ip link add veth1 type veth peer name ceth1'),
      at(2, 'ip link add br0 type bridge'),
      at(3, 'ip addr add 198.51.100.1/24 dev br0'),
      at(4, 'ping -c 1 10.0.0.2'),
    ]);
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.value.features]).toEqual([['link:veth', true], ['link:bridge', true]]);
  });
});
