/**
 * TCP bulk transfer through MASQUERADE, the simulator beside the real kernel (issue 4):
 * `npx tsx bench/tcp-bulk.ts [MEGABYTES] [LOSS%]`.
 *
 * The tutorial's path to the internet, cut to what the transfer crosses: netns2 (ceth2 172.20.0.12, default via
 * 172.20.0.10) on br0 of the host, which forwards out of enp0s3 (10.0.2.15) and masquerades 172.20.0.0/16 there;
 * `upstream` (10.0.2.2 | 198.51.100.1) forwards to `internet`, which holds 203.0.113.8 and routes back only to
 * 10.0.2.0/24. A TCP connection from netns2 to 203.0.113.8:5000 carries MEGABYTES (default 32) of zeros:
 * - simulator: sockets driven as netcat drives them (16 KiB writes, reads drained at once), through `Network`, timed
 *   by the wall clock from connect() to the server's end of file; an optional netem loss on veth2 (LOSS%);
 * - kernel (root only, else skipped with a notice): `nc -l` in internet, `head -c … /dev/zero | nc -N` in netns2,
 *   in throwaway namespaces (`tw-bench-` prefixed; the "host" is one of them, never the machine's own), timed the
 *   same way; no loss (this kernel lacks netem).
 * Prints payload bytes per wall second side by side. Nothing here asserts a timing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { SECOND } from '../core/clock.ts';
import { TcpSocket } from '../l3/tcp-socket.ts';
import { transportOf } from '../l3/transport.ts';
import { Network } from '../sim/network.ts';

const MEGABYTES = Number(process.argv[2] ?? 32);
const LOSS = Number(process.argv[3] ?? 0);
const BYTES = MEGABYTES * 1024 * 1024;
const SERVER = '203.0.113.8';

/** The topology's commands; `exec(ns)` prefixes a command for namespace `ns` ('' for the host). */
function topology(exec: (ns: string) => string, name: (ns: string) => string): string[] {
  const [host, netns2, upstream, internet] = ['', 'netns2', 'upstream', 'internet'];
  return [
    `${exec(host)}ip link set lo up`,
    `${exec(netns2)}ip link set lo up`,
    `${exec(upstream)}ip link set lo up`,
    `${exec(internet)}ip link set lo up`,
    `${exec(host)}ip link add veth2 type veth peer name ceth2 netns ${name(netns2)}`,
    `${exec(host)}ip link add enp0s3 type veth peer name up0 netns ${name(upstream)}`,
    `${exec(upstream)}ip link add up1 type veth peer name in0 netns ${name(internet)}`,
    `${exec(host)}ip link add br0 type bridge`,
    `${exec(host)}ip link set veth2 master br0`,
    `${exec(host)}ip addr add 172.20.0.10/16 brd + dev br0`,
    `${exec(host)}ip addr add 10.0.2.15/24 dev enp0s3`,
    `${exec(upstream)}ip addr add 10.0.2.2/24 dev up0`,
    `${exec(upstream)}ip addr add 198.51.100.1/24 dev up1`,
    `${exec(internet)}ip addr add 198.51.100.2/24 dev in0`,
    `${exec(internet)}ip addr add ${SERVER}/32 dev lo`,
    `${exec(netns2)}ip addr add 172.20.0.12/16 dev ceth2`,
    ...[`${exec(host)}ip link set br0 up`, `${exec(host)}ip link set veth2 up`, `${exec(host)}ip link set enp0s3 up`],
    ...[`${exec(netns2)}ip link set ceth2 up`, `${exec(upstream)}ip link set up0 up`, `${exec(upstream)}ip link set up1 up`, `${exec(internet)}ip link set in0 up`],
    `${exec(netns2)}ip route add default via 172.20.0.10`,
    `${exec(host)}ip route add default via 10.0.2.2`,
    `${exec(upstream)}ip route add default via 198.51.100.2`,
    `${exec(internet)}ip route add 10.0.2.0/24 via 198.51.100.1`,
    `${exec(host)}sysctl -qw net.ipv4.ip_forward=1`,
    `${exec(upstream)}sysctl -qw net.ipv4.ip_forward=1`,
    `${exec(host)}iptables -t nat -A POSTROUTING -s 172.20.0.0/16 -j MASQUERADE`,
  ];
}

interface Result {
  readonly bytes: number;
  readonly seconds: number;
  readonly note: string;
}

function simulator(): Result {
  const net = new Network();
  net.keepDrops = false;
  const lines = ['ip netns add netns2', 'ip netns add upstream', 'ip netns add internet', ...topology((ns) => (ns ? `ip netns exec ${ns} ` : ''), (ns) => ns)];
  if (LOSS > 0) lines.push(`tc qdisc add dev veth2 root netem loss ${LOSS}%`);
  for (const line of lines) {
    const r = net.exec(line);
    if (r.status !== 0) throw new Error(`${line}: ${r.stderr}`);
  }
  const internet = net.namespace('internet')!;
  const netns2 = net.namespace('netns2')!;
  const listener = transportOf(internet).tcp.listen(0, 5000, 1, { reuseAddr: true, reusePort: true });
  if (typeof listener === 'string') throw new Error(listener);
  let received = 0;
  let done = false;
  listener.onAcceptable = () => {
    const server = listener.accept()!;
    server.onReadable = () => {
      received += server.read().length;
      if (server.eof && !done) {
        done = true;
        server.close();
      }
    };
  };
  const chunk = new Uint8Array(16384);
  const client = new TcpSocket(transportOf(netns2).tcp);
  let sent = 0;
  const pump = (): void => {
    while (sent < BYTES) {
      const n = client.write(chunk.subarray(0, Math.min(chunk.length, BYTES - sent)));
      if (typeof n === 'string' || n === 0) return;
      sent += n;
    }
    client.shutdown();
  };
  client.onConnect = pump;
  client.onWritable = pump;
  client.onReadable = () => void client.read();
  const started = performance.now();
  const virtualStart = net.now;
  client.connect(0xcb007108, 5000);
  const scheduler = net.scheduler;
  while (!done && scheduler.nextAt() !== undefined) scheduler.runUntil(scheduler.nextAt()!);
  const seconds = (performance.now() - started) / 1000;
  if (received !== BYTES) throw new Error(`simulator: ${received} of ${BYTES} bytes arrived`);
  const virtual = (net.now - virtualStart) / SECOND;
  return { bytes: received, seconds, note: `${virtual.toFixed(3)} s of virtual time${LOSS > 0 ? `, netem loss ${LOSS}% on veth2` : ''}` };
}

function kernel(): Result | string {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of [['ip', '-V'], ['nc', '-h'], ['iptables', '-V']]) if (spawnSync(tool[0]!, tool.slice(1)).error) return `no ${tool[0]}`;
  const p = `tw-bench-${process.pid}-`;
  const names = ['host', 'netns2', 'upstream', 'internet'].map((n) => `${p}${n}`);
  const ns = (n: string): string => `${p}${n || 'host'}`;
  const run = (args: string[]): string => execFileSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  const kbytes = Math.max(BYTES, 256 * 1024 * 1024);
  try {
    for (const n of names) {
      run(['ip', 'netns', 'add', n]);
      run(['ip', 'netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      run(['ip', 'netns', 'exec', n, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    }
    for (const line of topology((n) => `ip netns exec ${ns(n)} `, ns)) run(line.split(' '));
    const server = spawnSync('sh', ['-c', `ip netns exec ${ns('internet')} timeout 120 nc -l 5000 > /dev/null & sleep 0.3; s=$(date +%s%N); head -c ${kbytes} /dev/zero | ip netns exec ${ns('netns2')} nc -N ${SERVER} 5000; e=$(date +%s%N); wait; echo $(( e - s ))`], { encoding: 'utf8' });
    if (server.status !== 0) return `failed: ${server.stderr.trim()}`;
    const ns2 = Number(server.stdout.trim().split('\n').pop());
    return { bytes: kbytes, seconds: ns2 / 1e9, note: 'netcat-openbsd, no loss (no netem here)' };
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    for (const n of names) spawnSync('ip', ['netns', 'del', n]);
  }
}

const mb = (bytes: number, seconds: number): string => `${(bytes / seconds / 1e6).toFixed(1)} MB/s`;
console.log(`TCP bulk netns2 → ${SERVER}:5000 through MASQUERADE on the host (payload bytes per wall second)`);
const sim = simulator();
console.log(`simulator: ${(sim.bytes / 1048576).toFixed(0)} MiB in ${sim.seconds.toFixed(2)} s = ${mb(sim.bytes, sim.seconds)} (${sim.note})`);
const k = kernel();
if (typeof k === 'string') {
  console.log(`kernel:    skipped (${k}); run as root for the kernel's rate`);
} else {
  console.log(`kernel:    ${(k.bytes / 1048576).toFixed(0)} MiB in ${k.seconds.toFixed(2)} s = ${mb(k.bytes, k.seconds)} (${k.note})`);
  console.log(`ratio:     kernel / simulator = ${(k.bytes / k.seconds / (sim.bytes / sim.seconds)).toFixed(0)}×`);
}
