import type { Command } from '../../core/scenario/index.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import type { SimProcess } from '../process.ts';

/** Where a command writes, and what it reads. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input (a pipe from `echo` or a here-string), if any. */
  readonly stdin: string | undefined;
}

/** Everything a command handler needs: the world, the namespace it runs in, its I/O. */
export interface ExecContext<C extends Command = Command> {
  readonly net: Network;
  readonly ns: NetNamespace;
  readonly command: C;
  readonly io: CommandIo;
}

/**
 * What a handler returns: an exit status for commands that finish at once, or a running program (ping, nc,
 * tcpdump …) that the runner drives on the virtual clock.
 */
export type Outcome = { readonly status: number } | { readonly process: SimProcess };

/** A finished command. */
export function done(status = 0): Outcome {
  return { status };
}

/** A failed command: the message on stderr, then the exit status (iproute2: 1 for its own errors, 2 for RTNETLINK's). */
export function fail(io: CommandIo, message: string, status: number): Outcome {
  io.stderr(message.endsWith('\n') ? message : `${message}\n`);
  return { status };
}

/** iproute2's `Cannot find device "X"` (exit 1). */
export function noDevice(io: CommandIo, name: string): Outcome {
  return fail(io, `Cannot find device "${name}"`, 1);
}
