/**
 * Setting up many namespaces, simulator beside the kernel (issue 3): `npx tsx bench/namespaces.ts [N...]`.
 *
 * N namespaces, each with a veth pair whose outer end is a port of a bridge in the global namespace: one bridge per
 * 1,000 namespaces (a bridge takes at most 1,023 ports), the bridges joined by a root bridge through veth pairs;
 * each namespace's end gets an address and comes up. In the simulator, for N = 100, 1,000, 10,000, 100,000 (or the
 * N given):
 * - through the library's Network object (addNamespace, addVeth, Bridge.addPort, open, addAddress): the model's cost;
 * - through `Network.exec` of the equivalent `ip` commands, a bridge's worth at a time (parsing included), up to
 *   10,000 namespaces (it is the parser's speed that it measures beyond that).
 * Time and retained heap per namespace (after a full GC), and the process's RSS. Then, as root, N = 100 and 1,000
 * on the kernel, through /work/shared/tools/kernel-truth in a private mount namespace (so that its cleanup sees only
 * this run's namespaces): wall time of the setup and the growth of the kernel's slab memory per namespace.
 * Prints numbers only: nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Bridge } from '../l2/bridge.ts';
import type { Veth } from '../l2/veth.ts';
import type { NetNamespace } from '../l3/namespace.ts';
import { Network } from '../sim/network.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1_000, 10_000, 100_000];
const PER_BRIDGE = 1_000;

/** 10.0.0.0/8 has room for 100,000 hosts: namespace i is 10.(i>>16).(i>>8).(i) + 1. */
const addressOf = (i: number): number => ((10 << 24) | (i + 1)) >>> 0;
const dotted = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

/** The commands for namespaces [from, to): a new bridge (joined to the root) every PER_BRIDGE namespaces. */
function commands(from: number, to: number): string[] {
  const lines: string[] = [];
  if (from === 0) lines.push('ip link add brroot type bridge', 'ip link set brroot up');
  for (let i = from; i < to; i++) {
    const b = Math.floor(i / PER_BRIDGE);
    if (i % PER_BRIDGE === 0) {
      lines.push(`ip link add br${b} type bridge`, `ip link set br${b} up`, `ip link add up${b} type veth peer name dn${b}`);
      lines.push(`ip link set up${b} master brroot`, `ip link set dn${b} master br${b}`, `ip link set up${b} up`, `ip link set dn${b} up`);
    }
    lines.push(`ip netns add ns${i}`, `ip link add v${i} type veth peer name eth0 netns ns${i}`, `ip link set v${i} master br${b}`, `ip link set v${i} up`);
    lines.push(`ip -n ns${i} addr add ${dotted(addressOf(i))}/8 dev eth0`, `ip -n ns${i} link set eth0 up`);
  }
  return lines;
}

interface Measure {
  readonly seconds: number;
  readonly heapPerNs: number;
  readonly rss: number;
}

function measure(run: () => unknown, n: number): Measure {
  gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const kept = run();
  const seconds = (performance.now() - started) / 1000;
  gc();
  const after = process.memoryUsage();
  if (kept === undefined) throw new Error('nothing built');
  return { seconds, heapPerNs: (after.heapUsed - before) / n, rss: after.rss };
}

/** Through the Network object's methods. */
function library(n: number): Network {
  const net = new Network();
  const g = net.global;
  const root = net.addBridge(g, 'brroot') as Bridge;
  root.open();
  let bridge = root;
  for (let i = 0; i < n; i++) {
    if (i % PER_BRIDGE === 0) {
      const b = i / PER_BRIDGE;
      bridge = net.addBridge(g, `br${b}`) as Bridge;
      bridge.open();
      const [up, down] = net.addVeth(g, `up${b}`, `dn${b}`) as [Veth, Veth];
      root.addPort(up);
      bridge.addPort(down);
      up.open();
      down.open();
    }
    const ns = net.addNamespace(`ns${i}`) as NetNamespace;
    const [outer, inner] = net.addVeth(g, `v${i}`, 'eth0', ns) as [Veth, Veth];
    bridge.addPort(outer);
    outer.open();
    ns.addAddress({ device: inner, local: addressOf(i), prefixLength: 8, broadcast: undefined, scope: 'global', label: 'eth0', noPrefixRoute: false, metric: 0 });
    inner.open();
  }
  net.advanceBy(1_000_000);
  return net;
}

/** Through `Network.exec`, a bridge's worth of commands at a time. */
function scripted(n: number): Network {
  const net = new Network();
  for (let from = 0; from < n; from += PER_BRIDGE) {
    const r = net.exec(commands(from, Math.min(n, from + PER_BRIDGE)).join('\n'));
    if (r.status !== 0) throw new Error(r.stderr);
  }
  return net;
}

/** The kernel: kernel-truth in a private mount namespace, timing and slab growth printed by the script itself. */
function kernel(n: number): { seconds: number; slabPerNs: number } | string {
  if (process.getuid?.() !== 0) return 'not root';
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-ns-'));
  try {
    const script = join(dir, 'setup.sh');
    const body = commands(0, n).map((l) => l.replace(/\bns(\d+)/g, 'tw-bench-ns$1'));
    writeFileSync(
      script,
      [
        'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1',
        "echo BEFORE $(date +%s%N) $(awk '/^Slab:/ {print $2}' /proc/meminfo)",
        ...body,
        "echo AFTER $(date +%s%N) $(awk '/^Slab:/ {print $2}' /proc/meminfo)",
        '',
      ].join('\n'),
    );
    const run = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', '-c', 'mount -t tmpfs tw-bench-ns /run/netns && exec "$1" "$2"', '_', '/work/shared/tools/kernel-truth', script], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const before = /^BEFORE (\d+) (\d+)$/m.exec(run.stdout);
    const after = /^AFTER (\d+) (\d+)$/m.exec(run.stdout);
    if (!before || !after) return `failed: ${(run.stderr || run.stdout).split('\n').slice(-3).join(' ')}`;
    const seconds = (Number(after[1]) - Number(before[1])) / 1e9;
    return { seconds, slabPerNs: ((Number(after[2]) - Number(before[2])) * 1024) / n };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (label: string, n: number, m: Measure): string =>
  `${label.padEnd(24)} N=${fmt(n).padStart(7)}  ${fmt(m.seconds, 2).padStart(7)} s  ${fmt((m.seconds * 1e6) / n, 1).padStart(7)} µs/ns  ${fmt(m.heapPerNs / 1024, 1).padStart(5)} KiB/ns  rss ${fmt(m.rss / 2 ** 20).padStart(5)} MiB`;

console.log(`N namespaces, each a veth into a bridge (${fmt(PER_BRIDGE)} per bridge, bridges on a root bridge)`);
for (const n of SIZES) console.log(row('simulator (library)', n, measure(() => library(n), n)));
for (const n of SIZES.filter((x) => x <= 10_000)) console.log(row('simulator (net.exec)', n, measure(() => scripted(n), n)));
for (const n of SIZES.filter((x) => x <= 1_000)) {
  const k = kernel(n);
  if (typeof k === 'string') console.log(`kernel (kernel-truth)     N=${fmt(n).padStart(7)}  skipped (${k}); run as root for the kernel's figures`);
  else console.log(`kernel (kernel-truth)     N=${fmt(n).padStart(7)}  ${fmt(k.seconds, 2).padStart(7)} s  ${fmt((k.seconds * 1e6) / n, 1).padStart(7)} µs/ns  slab +${fmt(k.slabPerNs / 1024, 1)} KiB/ns`);
}
