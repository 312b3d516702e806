import { describe, expect, it } from 'vitest';
import { commandFromArgv } from '../../kernel-adapter/command.ts';
import { featuresOf } from '../../kernel-adapter/preflight.ts';

const needs = (line: string) => featuresOf(commandFromArgv(line.split(' ')));

describe('kernel-adapter preflight: what a command needs of the kernel', () => {
  it('finds link types and qdisc kinds however the command is written', () => {
    expect(needs('ip link add d0 type dummy')).toEqual([{ kind: 'link', name: 'dummy' }]);
    expect(needs('ip -n ns1 link add veth1 type veth peer name ceth1 netns ns2')).toEqual([{ kind: 'link', name: 'veth' }]);
    expect(needs('sudo ip netns exec ns1 ip l add br0 type bridge')).toEqual([{ kind: 'link', name: 'bridge' }]);
    expect(needs('tc qdisc add dev veth1 root netem loss 10% delay 5ms')).toEqual([{ kind: 'qdisc', name: 'netem' }]);
    expect(needs('tc qdisc replace dev veth1 parent 1:1 handle 10: netem delay 1ms')).toEqual([{ kind: 'qdisc', name: 'netem' }]);
    expect(needs('tc -n ns1 qdisc add dev veth1 root handle 1: htb')).toEqual([{ kind: 'qdisc', name: 'htb' }]);
  });

  it('needs nothing for other commands', () => {
    for (const line of ['ip link set veth1 up', 'ip link show type bridge', 'tc qdisc del dev veth1 root', 'tc qdisc show', 'ping -c 1 10.0.0.1']) {
      expect(needs(line), line).toEqual([]);
    }
  });
});
