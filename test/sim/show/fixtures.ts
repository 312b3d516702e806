import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import { parseIpv4 } from '../../../core/ipv4.ts';
import { parseMac, type MacAddress } from '../../../core/mac.ts';
import { Bridge } from '../../../l2/bridge.ts';
import type { NetDevice } from '../../../l2/device.ts';
import type { Veth } from '../../../l2/veth.ts';
import { defaultAddressScope } from '../../../l3/address.ts';
import { TABLE_MAIN, type Route, type RouteScope, type RouteType } from '../../../l3/fib.ts';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { PingProcess } from '../../../sim/apps/ping.ts';
import type { Network } from '../../../sim/network.ts';
import type { ShowResult } from '../../../sim/show/result.ts';

/** One recorded command of a fixtures/show/NAME.out file (fixtures/show/lib.sh `show`). */
export interface Block extends ShowResult {
  readonly command: string;
}

/** Parses NAME.out into its blocks, in order. */
export function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let i = 0;
  const readUntil = (marker: (line: string) => boolean): string => {
    const collected: string[] = [];
    while (i < lines.length && !marker(lines[i]!)) collected.push(lines[i++]!);
    let body = collected.length ? `${collected.join('\n')}\n` : '';
    if (lines[i] === '@@@@ no-newline') {
      body = body.slice(0, -2);
      i++;
    }
    return body;
  };
  while (i < lines.length) {
    const line = lines[i++]!;
    if (!line.startsWith('@@@@ ') || line === '@@@@ stderr' || line.startsWith('@@@@ exit ')) continue;
    const command = line.slice(5);
    const stdout = readUntil((l) => l === '@@@@ stderr' || l === '@@@@ no-newline');
    i++;
    const stderr = readUntil((l) => l.startsWith('@@@@ exit ') || l === '@@@@ no-newline');
    const status = Number(lines[i++]!.slice('@@@@ exit '.length));
    blocks.push({ command, stdout, stderr, status });
  }
  return blocks;
}

/** The recorded blocks of a fixture, taken in order: `next(cmd)` checks the command text and returns its block. */
export class Recording {
  private index = 0;
  readonly blocks: Block[];

  constructor(readonly name: string) {
    this.blocks = parseBlocks(readFileSync(new URL(`../../../fixtures/show/${name}.out`, import.meta.url), 'utf8'));
  }

  next(command: string): Block {
    const block = this.blocks[this.index++];
    if (!block) throw new Error(`${this.name}.out: no block left for "${command}"`);
    if (block.command !== command) throw new Error(`${this.name}.out block ${this.index}: expected "${command}", recorded "${block.command}"`);
    return block;
  }

  /** Asserts every block was used, so that the test and the script stay in step. */
  done(): void {
    expect(this.index, `${this.name}.out has ${this.blocks.length} blocks`).toBe(this.blocks.length);
  }
}

/** Asserts a show result equals the kernel's block byte for byte (softly: every differing block is reported). */
export function expectSame(actual: ShowResult, block: Block): void {
  expect.soft({ command: block.command, stdout: actual.stdout, stderr: actual.stderr, status: actual.status }).toEqual({
    command: block.command,
    stdout: block.stdout,
    stderr: block.stderr,
    status: block.status,
  });
}

/**
 * Asserts equality with the lines in any order: for outputs the kernel lists in hash order (neighbours), which
 * depends on a per-boot random seed and so differs between runs.
 */
export function expectSameLines(actual: ShowResult, block: Block): void {
  const sorted = (s: string): string[] => s.split('\n').sort();
  expect.soft({ command: block.command, stdout: sorted(actual.stdout), status: actual.status }).toEqual({ command: block.command, stdout: sorted(block.stdout), status: block.status });
}

export function ip(text: string): number {
  const r = parseIpv4(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export function mac(text: string): MacAddress {
  const r = parseMac(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The device, which must exist. */
export function dev(ns: NetNamespace, name: string): NetDevice {
  const d = ns.device(name);
  if (!d) throw new Error(`no device ${name}`);
  return d;
}

/** `ip addr add CIDR [brd B|+] [metric N] [noprefixroute] dev D`. */
export function addAddress(ns: NetNamespace, device: string, cidr: string, extra: { brd?: string; metric?: number; noprefixroute?: boolean } = {}): void {
  const [address, length] = cidr.split('/');
  const local = ip(address!);
  const prefixLength = Number(length ?? 32);
  let broadcast: number | undefined;
  if (extra.brd === '+') broadcast = (local | ~(prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0)) >>> 0;
  else if (extra.brd !== undefined) broadcast = ip(extra.brd);
  const added = ns.addAddress({
    device: dev(ns, device),
    local,
    prefixLength,
    broadcast,
    scope: defaultAddressScope(local),
    label: device,
    noPrefixRoute: extra.noprefixroute ?? false,
    metric: extra.metric ?? 0,
  });
  if (typeof added === 'string') throw new Error(added);
}

/** `ip link set lo up` (the kernel adds 127.0.0.1/8 scope host then: inetdev_event(NETDEV_UP)). */
export function loopbackUp(ns: NetNamespace): void {
  ns.loopback.open();
}

/** `ip route add PREFIX [via GW] [dev D] [proto P] [scope S] [src A] [metric N] [table T]` as the kernel stores it. */
export function addRoute(
  ns: NetNamespace,
  prefix: string,
  r: { via?: string; dev?: string; proto?: string; scope?: RouteScope; src?: string; metric?: number; table?: number; type?: RouteType } = {},
): void {
  const [address, length] = prefix === 'default' ? ['0.0.0.0', '0'] : prefix.split('/');
  const prefixLength = Number(length ?? 32);
  const type = r.type ?? 'unicast';
  const gateway = r.via === undefined ? undefined : ip(r.via);
  const device = r.dev !== undefined ? dev(ns, r.dev) : gateway !== undefined ? [...ns.tables.get(TABLE_MAIN)!.routes()].find((x) => x.gateway === undefined && x.device && ((gateway ^ x.destination) & (x.prefixLength === 0 ? 0 : (0xffffffff << (32 - x.prefixLength)) >>> 0)) === 0)?.device : undefined;
  const route: Route = {
    table: r.table ?? TABLE_MAIN,
    type,
    destination: ip(address!),
    prefixLength,
    tos: 0,
    metric: r.metric ?? 0,
    protocol: r.proto ?? 'boot',
    scope: r.scope ?? (type === 'unicast' && gateway === undefined ? 'link' : 'global'),
    gateway,
    device: type === 'unicast' ? device : undefined,
    prefsrc: r.src === undefined ? undefined : ip(r.src),
    onlink: false,
    linkdown: type === 'unicast' && device !== undefined && !device.carrier,
    dead: false,
    nexthopScope: gateway === undefined ? 'host' : 'link',
  };
  const error = ns.table(route.table).insert(route, 'add');
  if (error) throw new Error(error);
}

/** Runs `ping -c COUNT [-W W] [-i I] DEST` in `ns` to completion on the virtual clock. */
export function ping(net: Network, ns: NetNamespace, destination: string, options: { count?: number; timeout?: number; interval?: number } = {}): PingProcess {
  let pid = 1000;
  const p = new PingProcess(
    ns,
    { destination: ip(destination), destinationText: destination, count: options.count ?? 1, timeout: options.timeout, interval: options.interval },
    () => pid++,
  );
  p.start();
  for (let i = 0; i < 10_000 && p.running; i++) net.advanceBy(SECOND / 100);
  if (p.running) throw new Error('ping did not finish');
  return p;
}

/** `ip link add NAME address MAC type veth peer name PEER address PEERMAC [netns NS]`. */
export function createVeth(net: Network, ns: NetNamespace, name: string, macText: string, peerName: string, peerMacText: string, peerNs: NetNamespace = ns): [Veth, Veth] {
  const pair = net.addVeth(ns, name, peerName, peerNs, { mac: mac(macText), peerMac: mac(peerMacText) });
  if (typeof pair === 'string') throw new Error(pair);
  return pair;
}

/** `ip link add NAME [address MAC] type bridge`. */
export function createBridge(net: Network, ns: NetNamespace, name: string, macText?: string): Bridge {
  const bridge = net.addBridge(ns, name, macText === undefined ? undefined : mac(macText));
  if (!(bridge instanceof Bridge)) throw new Error(bridge);
  return bridge;
}

/** A step of a fixture replay: runs the simulator's side of the recorded command `command`. */
export type Show = (command: string, run: () => ShowResult, compare?: 'exact' | 'lines' | ((actual: ShowResult, block: Block) => void)) => void;

/** A recorded block the simulator's MODEL gets wrong: its 1-based block number, command, and the reason. */
export interface ModelBug {
  readonly block: number;
  readonly command: string;
  readonly reason: string;
}

/**
 * Declares the tests of one fixture: `scenario` builds the topology through the Network API and calls `show` for
 * each recorded command, in the script's order. One test asserts every block but the model bugs; each model bug
 * gets an `it.fails` test asserting its block, so that a fix in the model turns it into a reported pass.
 */
export function replayFixture(name: string, scenario: (show: Show) => void, bugs: readonly ModelBug[] = []): void {
  const run = (only: ModelBug | undefined): void => {
    const k = new Recording(name);
    let index = 0;
    scenario((command, runShow, compare = 'exact') => {
      const block = k.next(command);
      index++;
      const bug = bugs.find((b) => b.block === index);
      if (bug && bug.command !== command) throw new Error(`${name}: model bug ${bug.block} is "${command}", not "${bug.command}"`);
      const actual = runShow();
      if (only ? only.block !== index : bug) return;
      (compare === 'lines' ? expectSameLines : compare === 'exact' ? expectSame : compare)(actual, block);
    });
    k.done();
  };
  it(`fixtures/show/${name}.out: every recorded command${bugs.length ? ` but ${bugs.length} model bug(s)` : ''}, byte for byte`, () => run(undefined));
  for (const bug of bugs) it.fails(`model bug, ${name}.out block ${bug.block} (${bug.command}): ${bug.reason}`, () => run(bug));
}
