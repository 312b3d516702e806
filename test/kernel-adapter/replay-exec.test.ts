import { describe, expect, it } from 'vitest';
import { parseScenario, type Command } from '../../core/scenario/index.ts';
import { scenarioCommands } from '../../kernel-adapter/command.ts';
import { DEFAULT_REPLAY_SEED } from '../../kernel-adapter/replay.ts';
import { commandTimeoutMs, isShowCommand, isToolCommand, toolArgv } from '../../kernel-adapter/replay-exec.ts';
import type { Sandbox } from '../../kernel-adapter/sandbox.ts';
import { DEFAULT_SEED } from '../../sim/network.ts';

function command(text: string): Command {
  const r = parseScenario(text, { file: 'x.sh' });
  if (!r.ok) throw new Error(r.error.message);
  return scenarioCommands(r.value).at(-1)!;
}

/** The part of a Sandbox toolArgv uses. */
const sandbox = { nsName: (ns: string | undefined) => `twn0badcafe-${ns ?? 'global'}` } as unknown as Sandbox;

describe('replay-exec: the real command for a typed one', () => {
  it('renames every word naming a namespace, and nothing else', () => {
    expect(toolArgv(command('ip link set ceth1 netns netns1'), sandbox, undefined)).toEqual(['ip', 'link', 'set', 'ceth1', 'netns', 'twn0badcafe-netns1']);
    expect(toolArgv(command('ip -n netns1 link add va type veth peer name vb netns netns2'), sandbox, undefined)).toEqual([
      'ip', '-n', 'twn0badcafe-netns1', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', 'twn0badcafe-netns2',
    ]);
    expect(toolArgv(command('ip netns exec netns1 ip addr show dev netns1'), sandbox, undefined)).toEqual(['ip', 'addr', 'show', 'dev', 'netns1']);
  });

  it('gives ping the simulator\'s identifier unless it has -e', () => {
    expect(toolArgv(command('ping -c 2 10.0.0.1'), sandbox, 1234)).toEqual(['ping', '-e', '1234', '-c', '2', '10.0.0.1']);
    expect(toolArgv(command('ping -e 7 -c 2 10.0.0.1'), sandbox, 1234)).toEqual(['ping', '-e', '7', '-c', '2', '10.0.0.1']);
  });

  it('time limits: a ping its count, interval and wait; a deadline; nc -w; the default otherwise', () => {
    expect(commandTimeoutMs(command('ping -c 2 10.0.0.1'), undefined, 10_000)).toBe(14_000);
    expect(commandTimeoutMs(command('ping -c 3 -i 0.2 -W 1 10.0.0.1'), undefined, 1_000)).toBe(3_600);
    expect(commandTimeoutMs(command('ping -w 3 10.0.0.1'), undefined, 10_000)).toBe(5_000);
    expect(commandTimeoutMs(command('ping 10.0.0.1'), 2, 10_000)).toBe(14_000);
    expect(commandTimeoutMs(command('nc -w 30 10.0.0.1 80'), undefined, 10_000)).toBe(32_000);
    expect(commandTimeoutMs(command('ip link'), undefined, 10_000)).toBe(10_000);
  });

  it('show commands get a state dump; namespaces, echo, sleep, send and tcpdump are the replay\'s own', () => {
    expect(['ip link', 'ip -j addr', 'bridge fdb show', 'iptables -L -n', 'iptables-save', 'route -n', 'ip netns list'].map((t) => isShowCommand(command(t)))).toEqual([true, true, true, true, true, true, true]);
    expect(['ip link set lo up', 'iptables -A INPUT -j DROP', 'ping -c 1 10.0.0.1'].map((t) => isShowCommand(command(t)))).toEqual([false, false, false]);
    expect(['ip netns add a', 'echo x', 'sleep 1', 'tcpdump -i lo', 'send udp dst 10.0.0.1 dport 9'].map((t) => isToolCommand(command(t)))).toEqual([false, false, false, false, false]);
  });

  it('the default seed is the simulator\'s, so ping identifiers agree without --seed', () => {
    expect(DEFAULT_REPLAY_SEED).toBe(DEFAULT_SEED);
  });
});
