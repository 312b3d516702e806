/**
 * Ping-flood speed of the simulator beside the real kernel (issue 3): `npx tsx bench/ping-flood.ts [COUNT]`.
 *
 * The tutorial's bridged topology (part (d)): netns1 (ceth1 172.20.0.11) and netns2 (ceth2 172.20.0.12), each on a
 * veth pair whose other end (veth1, veth2) is a port of br0 (172.20.0.10). `ping -f -q -c COUNT` (default 50,000)
 * from netns1 to netns2 runs in the simulator (through `Network.exec`, timed by the wall clock), then, as root, the
 * same on the kernel in throwaway namespaces (`tw-bench-` prefixed; the bridge lives in one of them, never in the
 * machine's own namespace). Frames are those crossing ceth1 (each echo request and reply). Prints the two rates and
 * their ratio; nothing here asserts a timing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { Network } from '../sim/network.ts';

const COUNT = Number(process.argv[2] ?? 50_000);

/** Part (d)'s machine, with the bridge in namespace HOST (the global one in the simulator). */
function topology(host: string, ns1: string, ns2: string, exec: (ns: string) => string): string[] {
  return [
    `${exec(ns1)}ip link set lo up`,
    `${exec(ns2)}ip link set lo up`,
    `${exec(host)}ip link add br0 type bridge`,
    `${exec(host)}ip link add veth1 type veth peer name ceth1 netns ${ns1}`,
    `${exec(host)}ip link add veth2 type veth peer name ceth2 netns ${ns2}`,
    `${exec(host)}ip link set veth1 master br0`,
    `${exec(host)}ip link set veth2 master br0`,
    `${exec(host)}ip addr add 172.20.0.10/16 brd + dev br0`,
    `${exec(host)}ip link set br0 up`,
    `${exec(host)}ip link set veth1 up`,
    `${exec(host)}ip link set veth2 up`,
    `${exec(ns1)}ip addr add 172.20.0.11/16 dev ceth1`,
    `${exec(ns2)}ip addr add 172.20.0.12/16 dev ceth2`,
    `${exec(ns1)}ip link set ceth1 up`,
    `${exec(ns2)}ip link set ceth2 up`,
    `${exec(ns1)}ip route add default via 172.20.0.10`,
    `${exec(ns2)}ip route add default via 172.20.0.10`,
  ];
}

interface Result {
  readonly pings: number;
  readonly frames: number;
  readonly seconds: number;
  readonly summary: string;
}

function simulator(): Result {
  const net = new Network();
  net.keepDrops = false;
  for (const line of ['ip netns add netns1', 'ip netns add netns2', ...topology('', 'netns1', 'netns2', (ns) => (ns ? `ip netns exec ${ns} ` : ''))]) {
    const r = net.exec(line);
    if (r.status !== 0) throw new Error(`${line}: ${r.stderr}`);
  }
  const ceth1 = net.namespace('netns1')!.device('ceth1')!;
  const before = ceth1.stats.txPackets + ceth1.stats.rxPackets;
  const started = performance.now();
  const r = net.exec(`ip netns exec netns1 ping -f -q -c ${COUNT} 172.20.0.12`);
  const seconds = (performance.now() - started) / 1000;
  const frames = ceth1.stats.txPackets + ceth1.stats.rxPackets - before;
  return { pings: COUNT, frames, seconds, summary: r.stdout.trim().split('\n').slice(-2).join(' / ') };
}

function kernel(): Result | string {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'no iproute2';
  const p = `tw-bench-${process.pid}-`;
  const [host, ns1, ns2] = [`${p}host`, `${p}netns1`, `${p}netns2`];
  const run = (args: string[]): string => execFileSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  try {
    for (const ns of [host, ns1, ns2]) {
      run(['ip', 'netns', 'add', ns]);
      run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    for (const line of topology(host, ns1, ns2, (ns) => `ip netns exec ${ns} `)) run(line.split(' '));
    // One echo first, so that ARP is done before the clock starts (the simulator's run includes it; it is tiny).
    run(['ip', 'netns', 'exec', ns1, 'ping', '-c', '1', '-W', '1', '172.20.0.12']);
    const counters = (): number => {
      const stats = JSON.parse(run(['ip', '-n', ns1, '-s', '-j', 'link', 'show', 'ceth1']))[0].stats64;
      return stats.rx.packets + stats.tx.packets;
    };
    const before = counters();
    const started = performance.now();
    const out = run(['ip', 'netns', 'exec', ns1, 'ping', '-f', '-q', '-c', String(COUNT), '172.20.0.12']);
    const seconds = (performance.now() - started) / 1000;
    return { pings: COUNT, frames: counters() - before, seconds, summary: out.trim().split('\n').slice(-2).join(' / ') };
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    for (const ns of [host, ns1, ns2]) spawnSync('ip', ['netns', 'del', ns]);
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sim = simulator();
console.log(`ping -f -q -c ${fmt(COUNT)} netns1 → netns2 across br0 (the tutorial's part (d))`);
console.log(`simulator: ${sim.seconds.toFixed(2)} s, ${fmt(sim.frames)} frames on ceth1, ${fmt(sim.frames / sim.seconds)} frames/s, ${fmt(sim.pings / sim.seconds)} pings/s`);
console.log(`           ${sim.summary}`);
const k = kernel();
if (typeof k === 'string') {
  console.log(`kernel:    skipped (${k}); run as root for the kernel's rate and the ratio`);
} else {
  console.log(`kernel:    ${k.seconds.toFixed(2)} s, ${fmt(k.frames)} frames on ceth1, ${fmt(k.frames / k.seconds)} frames/s, ${fmt(k.pings / k.seconds)} pings/s`);
  console.log(`           ${k.summary}`);
  console.log(`ratio:     simulator / kernel = ${(k.seconds / sim.seconds).toFixed(2)}× (target: 10×)`);
}
