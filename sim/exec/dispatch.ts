import type { Command } from '../../core/scenario/index.ts';
import { addrChange } from './addresses.ts';
import { CaptureProcess, type CaptureSink } from './capture.ts';
import { fail, type ExecContext, type Outcome } from './context.ts';
import { linkAdd, linkDel, linkSet, netnsAdd, netnsDel } from './links.ts';
import { conntrackList, iptables, iptablesSave } from './netfilter.ts';
import { routeChange } from './routes.ts';
import { addrShow, arp, bridgeFdb, bridgeLink, linkShow, neigh, netnsIdentify, netnsList, netToolsRoute, ntable, routeGet, routeShow } from './shows.ts';
import { sysctl } from './sysctl.ts';
import { echo, ping, sleep } from './traffic.ts';
import { curl, httpd, nc, send, tcNetemAdd, tcNetemDel } from './transport.ts';

/** What the runner lends a command besides its context: where captures go, how to bound long-running ones. */
export interface DispatchOptions {
  readonly captures: CaptureSink;
  /** For a ping without -c: stop after this many replies (DESIGN.md §1). */
  readonly stopAfterReplies?: number;
}

/**
 * Runs one typed command against the simulated machine. Commands of later layers that the simulator does not
 * model yet say so plainly and fail (exit 127, as a shell does for a missing tool), never pass silently.
 */
export function dispatch(ctx: ExecContext, options: DispatchOptions): Outcome {
  const c = ctx.command;
  switch (c.kind) {
    case 'netns.add':
      return netnsAdd(ctx as ExecContext<typeof c>);
    case 'netns.del':
      return netnsDel(ctx as ExecContext<typeof c>);
    case 'netns.list':
      return netnsList(ctx as ExecContext<typeof c>);
    case 'netns.identify':
      return netnsIdentify(ctx as ExecContext<typeof c>);
    case 'link.add':
      return linkAdd(ctx as ExecContext<typeof c>);
    case 'link.set':
      return linkSet(ctx as ExecContext<typeof c>);
    case 'link.del':
      return linkDel(ctx as ExecContext<typeof c>);
    case 'link.show':
      return linkShow(ctx as ExecContext<typeof c>);
    case 'addr.add':
    case 'addr.del':
      return addrChange(ctx as ExecContext<typeof c>);
    case 'addr.show':
      return addrShow(ctx as ExecContext<typeof c>);
    case 'route.add':
    case 'route.del':
    case 'route.replace':
    case 'route.append':
      return routeChange(ctx as ExecContext<typeof c>);
    case 'route.show':
      return routeShow(ctx as ExecContext<typeof c>);
    case 'route.get':
      return routeGet(ctx as ExecContext<typeof c>);
    case 'route.nettools':
      return netToolsRoute(ctx as ExecContext<typeof c>);
    case 'neigh.show':
    case 'neigh.flush':
      return neigh(ctx as ExecContext<typeof c>);
    case 'ntable.show':
      return ntable(ctx as ExecContext<typeof c>);
    case 'arp':
      return arp(ctx as ExecContext<typeof c>);
    case 'bridge.link.show':
      return bridgeLink(ctx as ExecContext<typeof c>);
    case 'bridge.fdb.show':
      return bridgeFdb(ctx as ExecContext<typeof c>);
    case 'sysctl':
      return sysctl(ctx as ExecContext<typeof c>);
    case 'ping':
      return ping(ctx as ExecContext<typeof c>, options.stopAfterReplies);
    case 'sleep':
      return sleep(ctx as ExecContext<typeof c>);
    case 'echo':
      return echo(ctx as ExecContext<typeof c>);
    case 'tcpdump':
      return { process: new CaptureProcess(ctx.ns, c, options.captures) };
    // Netfilter (sim/exec/netfilter.ts).
    case 'iptables':
      return iptables(ctx as ExecContext<typeof c>);
    case 'iptables-save':
      return iptablesSave(ctx as ExecContext<typeof c>);
    case 'conntrack.list':
      return conntrackList(ctx as ExecContext<typeof c>);
    // Transport applications and tools (sim/exec/transport.ts).
    case 'nc':
      return nc(ctx as ExecContext<typeof c>);
    case 'tc.netem.add':
      return tcNetemAdd(ctx as ExecContext<typeof c>);
    case 'tc.netem.del':
      return tcNetemDel(ctx as ExecContext<typeof c>);
    case 'httpd':
      return httpd(ctx as ExecContext<typeof c>);
    case 'curl':
      return curl(ctx as ExecContext<typeof c>);
    case 'send':
      return send(ctx as ExecContext<typeof c>);
    case 'sh':
    case 'set':
    case 'exit':
    case 'shell.enter':
    case 'shell.leave':
      // The runner handles shell structure itself.
      return { status: 0 };
  }
}

/** The exit status of a command the runner could not start because its namespace does not exist. */
export function noNamespace(ctx: Pick<ExecContext, 'io'>, name: string): Outcome {
  return fail(ctx.io, `Cannot open network namespace "${name}": No such file or directory`, 255);
}

export type { Command };
