import type { Command, Curl, Httpd, Netcat, NetemAdd, NetemDel, Send } from '../../core/scenario/index.ts';
import { Netem } from '../../l2/netem.ts';
import { CurlProcess } from '../apps/curl.ts';
import { HttpdProcess } from '../apps/httpd.ts';
import { NetcatProcess } from '../apps/nc.ts';
import { SendProcess } from '../apps/send.ts';
import { done, fail, noDevice, type ExecContext, type Outcome } from './context.ts';

/** `nc …`: netcat-openbsd as a simulated process; its stdin is the here-string, else the pipe, if any. */
export function nc(ctx: ExecContext<Command & Netcat>): Outcome {
  return { process: new NetcatProcess(ctx.ns, ctx.command, ctx.command.stdin ?? ctx.io.stdin) };
}

/** `httpd PORT`: twinnet's HTTP server (core/wire/http.ts), until stopped. */
export function httpd(ctx: ExecContext<Command & Httpd>): Outcome {
  return { process: new HttpdProcess(ctx.ns, ctx.command.port) };
}

/** `curl [-s] [-m S] URL`: twinnet's HTTP client (core/wire/http.ts). */
export function curl(ctx: ExecContext<Command & Curl>): Outcome {
  return { process: new CurlProcess(ctx.ns, ctx.command) };
}

/**
 * `tc qdisc add dev DEV root netem …` (simulator only: the kernel here lacks netem): a netem qdisc with its own
 * seeded stream on the device; a second root qdisc is refused as the kernel refuses it (measured with pfifo).
 */
export function tcNetemAdd({ net, ns, io, command }: ExecContext<Command & NetemAdd>): Outcome {
  const device = ns.device(command.device);
  if (!device) return noDevice(io, command.device);
  if (device.qdisc) return fail(io, 'Error: Exclusivity flag on, cannot modify.', 2);
  device.qdisc = new Netem(
    { loss: command.loss, delay: command.delay, duplicate: command.duplicate, reorder: command.reorder },
    net.scheduler,
    net.random(`netem:${ns.name}:${device.name}`),
  );
  return done();
}

/** `tc qdisc del dev DEV root`: back to the default qdisc; with none attached, the kernel's refusal (measured). */
export function tcNetemDel({ ns, io, command }: ExecContext<Command & NetemDel>): Outcome {
  const device = ns.device(command.device);
  if (!device) return noDevice(io, command.device);
  if (!device.qdisc) return fail(io, 'Error: Cannot delete qdisc with handle of zero.', 2);
  device.qdisc.destroy();
  device.qdisc = undefined;
  return done();
}

/** `send …`: twinnet's crafted probe (sim/apps/send.ts). */
export function send(ctx: ExecContext<Command & Send>): Outcome {
  return { process: new SendProcess(ctx.net, ctx.ns, ctx.command) };
}
