import type { AddrShow, BridgeFdbShow, BridgeLinkShow, Command, IpOptions, LinkShow, NeighShowFlush, NetnsIdentify, NetnsList, NetToolsArp, NetToolsRoute, NtableShow, RouteGet, RouteShow } from '../../core/scenario/index.ts';
import { showBridgeLinks, showFdb } from '../show/bridge.ts';
import { showAddresses } from '../show/ip-addr.ts';
import { showLinks } from '../show/ip-link.ts';
import { showNeighbours, showNtable } from '../show/ip-neigh.ts';
import { getRoute, showRoutes } from '../show/ip-route.ts';
import { showArp, showRouteTable } from '../show/net-tools.ts';
import { listNetns } from '../show/netns.ts';
import type { ShowResult } from '../show/result.ts';
import { done, type ExecContext, type Outcome } from './context.ts';

/** Writes a formatter's result. */
function emit(ctx: ExecContext, result: ShowResult): Outcome {
  if (result.stdout) ctx.io.stdout(result.stdout);
  if (result.stderr) ctx.io.stderr(result.stderr);
  return done(result.status);
}

function display(options: IpOptions) {
  return { brief: options.brief, json: options.json, pretty: options.pretty, oneline: options.oneline, details: options.details > 0, stats: options.stats };
}

/** `ip link [show] …`. */
export function linkShow(ctx: ExecContext<Command & LinkShow>): Outcome {
  return emit(ctx, showLinks(ctx.net, ctx.ns, { ...display(ctx.command.options), device: ctx.command.device }));
}

/** `ip addr [show] …`. */
export function addrShow(ctx: ExecContext<Command & AddrShow>): Outcome {
  return emit(ctx, showAddresses(ctx.net, ctx.ns, { ...display(ctx.command.options), device: ctx.command.device }));
}

/** `ip route [show] [table T] [dev D]`. */
export function routeShow(ctx: ExecContext<Command & RouteShow>): Outcome {
  const t = ctx.command.table;
  const table = t === undefined ? undefined : t === 'all' ? 'all' : t === 255 ? 'local' : t === 254 ? 'main' : t === 253 ? 'default' : String(t);
  return emit(ctx, showRoutes(ctx.net, ctx.ns, { table, device: ctx.command.device, json: ctx.command.options.json, pretty: ctx.command.options.pretty }));
}

/** `ip route get ADDR`. */
export function routeGet(ctx: ExecContext<Command & RouteGet>): Outcome {
  return emit(ctx, getRoute(ctx.net, ctx.ns, ctx.command.address, { json: ctx.command.options.json, pretty: ctx.command.options.pretty }));
}

/** `route [-n]`. */
export function netToolsRoute(ctx: ExecContext<Command & NetToolsRoute>): Outcome {
  return emit(ctx, showRouteTable(ctx.net, ctx.ns, { numeric: ctx.command.numeric }));
}

/** `ip neigh show` and `ip neigh flush` (neigh_flush: every non-permanent entry of the device, or all). */
export function neigh(ctx: ExecContext<Command & NeighShowFlush>): Outcome {
  const { command, ns } = ctx;
  if (command.kind === 'neigh.flush') {
    if (command.device !== undefined && !ns.device(command.device)) return emit(ctx, { stdout: '', stderr: `Cannot find device "${command.device}"\n`, status: 1 });
    for (const entry of [...ns.arp.entries()]) {
      if (entry.state === 'PERMANENT' || entry.state === 'NOARP') continue;
      if (command.device !== undefined && entry.device.name !== command.device) continue;
      ns.arp.remove(entry);
    }
    return done();
  }
  return emit(ctx, showNeighbours(ctx.net, ns, { device: command.device, json: command.options.json, pretty: command.options.pretty }));
}

/** `ip ntable show [dev DEV]`. */
export function ntable(ctx: ExecContext<Command & NtableShow>): Outcome {
  return emit(ctx, showNtable(ctx.net, ctx.ns, { device: ctx.command.device }));
}

/** net-tools `arp`. */
export function arp(ctx: ExecContext<Command & NetToolsArp>): Outcome {
  return emit(ctx, showArp(ctx.net, ctx.ns, { all: ctx.command.all }));
}

/** `bridge link [show]`. */
export function bridgeLink(ctx: ExecContext<Command & BridgeLinkShow>): Outcome {
  return emit(ctx, showBridgeLinks(ctx.net, ctx.ns, { device: ctx.command.device, json: ctx.command.options.json, pretty: ctx.command.options.pretty }));
}

/** `bridge fdb [show]`. */
export function bridgeFdb(ctx: ExecContext<Command & BridgeFdbShow>): Outcome {
  const c = ctx.command;
  return emit(ctx, showFdb(ctx.net, ctx.ns, { bridge: c.bridge, device: c.device, dynamic: c.dynamic, json: c.options.json, pretty: c.options.pretty }));
}

/**
 * `ip netns identify` (ip/ipnetns.c netns_identify()): the name bound to the namespace the command runs in; the
 * machine's own namespace has none, and iproute2 prints the empty name and its newline (measured).
 */
export function netnsIdentify(ctx: ExecContext<Command & NetnsIdentify>): Outcome {
  ctx.io.stdout(ctx.ns === ctx.net.global ? '\n' : `${ctx.ns.name}\n`);
  return done(0);
}

/** `ip netns [list]`. */
export function netnsList(ctx: ExecContext<Command & NetnsList>): Outcome {
  return emit(ctx, listNetns(ctx.net, ctx.ns, { json: ctx.command.options.json, pretty: ctx.command.options.pretty }));
}
