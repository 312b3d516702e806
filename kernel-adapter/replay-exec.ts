/**
 * How a replay re-emits one typed command as the real one (DESIGN.md §1 "the kernel adapter re-emits them as real
 * commands, with sandbox names"): which commands are real programs, their argv with every namespace word renamed
 * to its sandbox and ping's identifier added, how long each may take, and which ones show state.
 */
import type { Command } from '../core/scenario/index.ts';
import type { Sandbox } from './sandbox.ts';

/** Commands that print the machine's state: the replay dumps the namespace's state after each (DESIGN.md §4 "State"). */
const SHOW_KINDS: ReadonlySet<Command['kind']> = new Set([
  'netns.list', 'link.show', 'addr.show', 'route.show', 'route.get', 'route.nettools', 'neigh.show', 'ntable.show', 'arp',
  'bridge.link.show', 'bridge.fdb.show', 'iptables-save', 'conntrack.list',
]);

/** Whether `command` shows state (iptables only for -L and -S). */
export function isShowCommand(command: Command): boolean {
  if (command.kind === 'iptables') return command.command.op === 'list' || command.command.op === 'list-rules';
  return SHOW_KINDS.has(command.kind);
}

/** Commands that make traffic: captures that watch for it (documents, `--capture-all`) run around them. */
const TRAFFIC_KINDS: ReadonlySet<Command['kind']> = new Set(['ping', 'nc', 'send', 'curl', 'httpd', 'sleep']);

/** Whether `command` makes (or waits for) traffic. */
export function isTrafficCommand(command: Command): boolean {
  return TRAFFIC_KINDS.has(command.kind);
}

/** Commands run as the real tool inside the sandbox namespace, argv as written (renamed). */
const TOOL_KINDS: ReadonlySet<Command['kind']> = new Set([
  'link.add', 'link.set', 'link.del', 'link.show', 'addr.add', 'addr.del', 'addr.show', 'route.add', 'route.del', 'route.replace',
  'route.append', 'route.show', 'route.get', 'route.nettools', 'neigh.show', 'neigh.flush', 'ntable.show', 'arp', 'bridge.link.show',
  'bridge.fdb.show', 'iptables', 'iptables-save', 'conntrack.list', 'sysctl', 'tc.netem.add', 'tc.netem.del', 'ping', 'nc', 'netns.list',
  'netns.identify',
]);

/** Whether the replay runs `command` as the real tool (the rest it does itself: namespaces, echo, sleep, send, tcpdump …). */
export function isToolCommand(command: Command): boolean {
  return TOOL_KINDS.has(command.kind);
}

/**
 * The real argv of a tool command: every word that names a namespace (`-n NS`, `netns NS`: the parser's
 * `netnsArgs`) renamed to its sandbox, and for `ping` without `-e` the simulator's identifier (`-e ID`), so that
 * its frames compare with the simulator's (DESIGN.md §4 "Traffic").
 */
export function toolArgv(command: Command, sandbox: Sandbox, pingIdentifier: number | undefined): string[] {
  const argv = [...command.argv];
  for (const i of command.netnsArgs) argv[i] = sandbox.nsName(argv[i]);
  if (command.kind === 'ping' && command.identifier === undefined && pingIdentifier !== undefined) argv.splice(1, 0, '-e', String(pingIdentifier));
  return argv;
}

/** iputils ping waits this long for replies after its last request when none came (ping_common.c: MAXWAIT). */
const PING_LINGER_S = 10;
/** Slack on top of a program's own expected duration. */
const SLACK_MS = 2_000;

/**
 * How long the replay lets a foreground program run before it interrupts it (as ^C): a ping its count times its
 * interval plus its wait (or its deadline), a long-running ping until its replies are in (`stopAfter`, else 4),
 * `nc -w` its timeout; every other command `defaultMs`.
 */
export function commandTimeoutMs(command: Command, stopAfter: number | undefined, defaultMs: number): number {
  if (command.kind === 'ping') {
    if (command.deadline !== undefined) return command.deadline * 1000 + SLACK_MS;
    const count = command.count ?? stopAfter ?? 4;
    const interval = command.interval ?? (command.flood ? 0 : 1);
    return Math.max(defaultMs, (count * interval + (command.timeout ?? PING_LINGER_S)) * 1000 + SLACK_MS);
  }
  if (command.kind === 'nc' && command.timeout !== undefined) return Math.max(defaultMs, command.timeout * 1000 + SLACK_MS);
  return defaultMs;
}
