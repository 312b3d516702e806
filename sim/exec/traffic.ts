import { SECOND } from '../../core/clock.ts';
import type { Command, Echo, Ping, Sleep } from '../../core/scenario/index.ts';
import { PingProcess } from '../apps/ping.ts';
import { done, type ExecContext, type Outcome } from './context.ts';

/** `ping …`: iputils ping as a simulated process; `stopAfterReplies` bounds a ping without -c (DESIGN.md §1). */
export function ping(ctx: ExecContext<Command & Ping>, stopAfterReplies?: number): Outcome {
  const { net, ns, command } = ctx;
  const interfaceIsDevice = command.interface !== undefined && command.sourceAddress === undefined;
  const process = new PingProcess(
    ns,
    {
      destination: command.destination,
      destinationText: command.destinationText,
      count: command.count,
      interval: command.interval === undefined ? undefined : Math.round(command.interval * SECOND),
      timeout: command.timeout === undefined ? undefined : Math.round(command.timeout * SECOND),
      deadline: command.deadline === undefined ? undefined : Math.round(command.deadline * SECOND),
      device: interfaceIsDevice ? command.interface : undefined,
      sourceAddress: command.sourceAddress,
      size: command.size,
      ttl: command.ttl,
      identifier: command.identifier,
      flood: command.flood,
      quiet: command.quiet,
      broadcast: command.broadcast,
      stopAfterReplies: command.longRunning ? (stopAfterReplies ?? 4) : undefined,
    },
    () => net.nextPid(),
  );
  return { process };
}

/** `sleep S`: the clock moves on (the runner advances it). */
export function sleep(ctx: ExecContext<Command & Sleep>): Outcome {
  ctx.net.advanceBy(Math.round(ctx.command.seconds * SECOND));
  return done();
}

/** `echo [-n] WORDS…`. */
export function echo({ io, command }: ExecContext<Command & Echo>): Outcome {
  io.stdout(command.newline ? `${command.message}\n` : command.message);
  return done();
}
