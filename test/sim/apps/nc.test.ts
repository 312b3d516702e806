import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MILLISECOND } from '../../../core/clock.ts';
import { parseScenario, type Command, type Netcat } from '../../../core/scenario/index.ts';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { NetcatProcess } from '../../../sim/apps/nc.ts';
import { capture, twoHosts } from '../../l3/transport-topology.ts';
import { describeFrames, readPcap } from '../../l3/transport-frames.ts';

/** One process of a recorded case (fixtures/transport/record.sh). */
interface Recorded {
  readonly argv: readonly string[];
  readonly stdin: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
  readonly elapsedMs: number;
  readonly killed: boolean;
}

interface Case {
  readonly case: string;
  readonly client: Recorded;
  readonly server?: Recorded;
}

const DIR = new URL('../../../fixtures/transport/nc/', import.meta.url);
const CASES: Case[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Case);

function parseNc(argv: readonly string[]): Command & Netcat {
  const parsed = parseScenario(argv.join(' '), { file: 'nc.sh' });
  if (!parsed.ok || parsed.value.form !== 'script') throw new Error(`cannot parse ${argv.join(' ')}`);
  const command = parsed.value.statements[0]!.pipelines[0]!.commands[0]!;
  if (command.kind !== 'nc') throw new Error(argv.join(' '));
  return command;
}

/** What the simulator's nc did in one case: as recorded, with the deadline of the recorder (8 s, then SIGTERM). */
function simulate(c: Case, seed: number) {
  const { net, a, b, aEth } = twoHosts(seed, ['ip -n a route add 192.0.2.0/24 via 10.0.0.2']);
  const frames = capture(aEth);
  const start = (ns: NetNamespace, r: Recorded) => {
    const p = new NetcatProcess(ns, parseNc(r.argv), r.stdin ?? undefined);
    p.start();
    return p;
  };
  // The tcp-l-inuse case starts its "server" in a, the same namespace as the client.
  const serverNs = c.case === 'tcp-l-inuse' ? a : b;
  const server = c.server ? start(serverNs, c.server) : undefined;
  net.advanceBy(300 * MILLISECOND);
  const t0 = net.now;
  const client = start(a, c.client);
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
  return {
    frames: describeFrames(frames),
    client: { stdout: client.stdout, stderr: client.stderr, status: client.exitStatus, killed: clientKilled, elapsedMs: (clientEnd - t0) / MILLISECOND },
    server: server && { stdout: server.stdout, stderr: server.stderr, status: server.exitStatus, killed: serverKilled, elapsedMs: (serverEnd - t0) / MILLISECOND },
  };
}

/** Elapsed times agree within 50 ms or 5 % (the recorder's own start-up and polling add a few milliseconds). */
function closeTo(simMs: number, realMs: number): boolean {
  return Math.abs(simMs - realMs) <= Math.max(50, realMs * 0.05);
}

/** The peer's ephemeral port in `Connection received on ADDR PORT` is drawn at random on both sides. */
function normalise(stderr: string): string {
  return stderr.replace(/^(Connection received on [0-9.]+) [0-9]+$/m, '$1 EPHEMERAL');
}

function expectSame(sim: ReturnType<typeof simulate>['client'], real: Recorded): void {
  expect(sim.killed).toBe(real.killed);
  // bash reports the SIGTERM the recorder sends ("Terminated"); that is the shell's, not nc's.
  expect(normalise(sim.stderr)).toBe(normalise(real.stderr.replace(/Terminated\n$/, '')));
  expect(sim.stdout).toBe(real.stdout);
  if (!real.killed) {
    expect(sim.status).toBe(real.status);
    expect(closeTo(sim.elapsedMs, real.elapsedMs), `elapsed ${sim.elapsedMs} ms, recorded ${real.elapsedMs} ms`).toBe(true);
  }
}

/**
 * Cases whose frame order is a race between two processes on the real machine: in tcp-n both sides write as soon as
 * the connection is up, and which line goes first (and so what each segment acknowledges) depends on scheduling.
 */
const RACY = new Set(['tcp-n']);

describe('nc on the simulator against netcat-openbsd 1.219 (fixtures/transport/nc)', () => {
  it('has recordings', () => expect(CASES.length).toBeGreaterThan(20));
  for (const c of CASES) {
    it(`${c.case}: output, exit status and timing`, () => {
      for (const seed of [1, 2, 3]) {
        const sim = simulate(c, seed);
        expectSame(sim.client, c.client);
        if (c.server) expectSame(sim.server!, c.server);
      }
    });
    if (!RACY.has(c.case)) {
      it(`${c.case}: the frames on a's eth0`, () => {
        const real = describeFrames(readPcap(new URL(`${c.case}.pcap`, DIR)));
        for (const seed of [1, 2]) expect(simulate(c, seed).frames).toEqual(real);
      });
    }
  }
});
