import { readdirSync, readFileSync } from 'node:fs';
import { MILLISECOND } from '../../../core/clock.ts';
import { parseScenario } from '../../../core/scenario/index.ts';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { CurlProcess } from '../../../sim/apps/curl.ts';
import { HttpdProcess } from '../../../sim/apps/httpd.ts';
import { NetcatProcess } from '../../../sim/apps/nc.ts';
import type { SimProcess } from '../../../sim/process.ts';
import { describeFrames } from '../../l3/transport-frames.ts';
import { capture, twoHosts } from '../../l3/transport-topology.ts';

/** One process of a recorded case (fixtures/transport/record.sh). */
export interface Recorded {
  readonly argv: readonly string[];
  readonly stdin: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
  readonly elapsedMs: number;
  readonly killed: boolean;
}

/** A recorded case: the client in a, the server (if any) in b, or in a for the `-inuse` cases. */
export interface Case {
  readonly case: string;
  /** Where the server ran (b unless said) and where the capture was (a's eth0 unless said). */
  readonly serverNs?: 'a' | 'b';
  readonly captureDev?: 'eth0' | 'lo';
  readonly client: Recorded;
  readonly server?: Recorded;
}

export const DIR = new URL('../../../fixtures/transport/nc/', import.meta.url);

/** Every recorded case. */
export function recordedCases(): Case[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Case);
}

/** Starts the simulator's version of a recorded program (nc, httpd, curl) in `ns`. */
function startProgram(ns: NetNamespace, r: Recorded): SimProcess {
  const parsed = parseScenario(r.argv.join(' '), { file: 'program.sh' });
  if (!parsed.ok || parsed.value.form !== 'script') throw new Error(`cannot parse ${r.argv.join(' ')}`);
  const command = parsed.value.statements[0]!.pipelines[0]!.commands[0]!;
  let p: SimProcess;
  if (command.kind === 'nc') p = new NetcatProcess(ns, command, r.stdin ?? undefined);
  else if (command.kind === 'httpd') p = new HttpdProcess(ns, command.port);
  else if (command.kind === 'curl') p = new CurlProcess(ns, command);
  else throw new Error(command.kind);
  p.start();
  return p;
}

/** What the simulator's programs did in one case: as the recorder ran them, with its 8 s deadline (then SIGTERM). */
export function simulate(c: Case, seed: number) {
  const { net, a, b, aEth } = twoHosts(seed, ['ip -n a route add 192.0.2.0/24 via 10.0.0.2']);
  const frames = capture(c.captureDev === 'lo' ? a.loopback : aEth);
  const serverNs = c.serverNs === 'a' ? a : b;
  const server = c.server ? startProgram(serverNs, c.server) : undefined;
  net.advanceBy(300 * MILLISECOND);
  const t0 = net.now;
  const client = startProgram(a, c.client);
  const deadline = t0 + 8000 * MILLISECOND;
  let clientEnd = 0;
  let serverEnd = 0;
  client.onExit(() => (clientEnd = net.now));
  server?.onExit(() => (serverEnd = net.now));
  while ((client.running || server?.running) && (net.scheduler.nextAt() ?? Infinity) <= deadline) net.scheduler.runUntil(net.scheduler.nextAt()!);
  const clientKilled = client.running;
  const serverKilled = server?.running ?? false;
  // The recorder's SIGTERM, then its 0.3 s before the capture stops.
  if (client.running) client.interrupt();
  if (server?.running) server.interrupt();
  net.advanceBy(300 * MILLISECOND);
  // A capture on lo sees each packet once: libpcap skips lo's PACKET_OUTGOING copies (pcap-linux.c), keeping the
  // received one.
  const seen = c.captureDev === 'lo' ? frames.filter((f) => f.direction === 'in') : frames;
  return {
    frames: describeFrames(seen),
    client: { stdout: client.stdout, stderr: client.stderr, status: client.exitStatus, killed: clientKilled, elapsedMs: (clientEnd - t0) / MILLISECOND },
    server: server && { stdout: server.stdout, stderr: server.stderr, status: server.exitStatus, killed: serverKilled, elapsedMs: (serverEnd - t0) / MILLISECOND },
  };
}

/** The peer's ephemeral port in `Connection received on ADDR PORT` is drawn at random on both sides. */
export function normalise(stderr: string): string {
  return stderr.replace(/^(Connection received on [0-9.]+) [0-9]+$/m, '$1 EPHEMERAL');
}
