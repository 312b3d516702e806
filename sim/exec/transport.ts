import type { Command, Netcat } from '../../core/scenario/index.ts';
import { NetcatProcess } from '../apps/nc.ts';
import type { ExecContext, Outcome } from './context.ts';

/** `nc …`: netcat-openbsd as a simulated process; its stdin is the here-string, else the pipe, if any. */
export function nc(ctx: ExecContext<Command & Netcat>): Outcome {
  return { process: new NetcatProcess(ctx.ns, ctx.command, ctx.command.stdin ?? ctx.io.stdin) };
}
