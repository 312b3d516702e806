import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import { scenarioCommands } from '../../kernel-adapter/command.ts';
import { createdDevicePlaces, placeKey } from '../../kernel-adapter/replay-devices.ts';

function places(text: string) {
  const r = parseScenario(text, { file: 'x.sh' });
  if (!r.ok) throw new Error(r.error.message);
  const commands = scenarioCommands(r.value);
  const made = createdDevicePlaces(commands);
  return commands.flatMap((c) => {
    const p = made.get(c);
    return p ? [[p.self.created, p.self.final, p.peer?.created, p.peer?.final]] : [];
  });
}

describe('createdDevicePlaces: where each created device is at the end (the key compare gives its MAC under)', () => {
  it('follows moves into namespaces and renames; the peer is made where the command runs unless peer netns says', () => {
    expect(
      places(`ip netns add n1
ip netns add n2
ip link add veth1 type veth peer name ceth1
ip link set ceth1 netns n1
ip link add veth2 netns n1 type veth peer name ceth2 netns n2
ip -n n2 link set ceth2 name eth0
ip netns exec n1 ip link add x type veth peer name y
`),
    ).toEqual([
      ['veth1', 'veth1', 'ceth1', 'n1:ceth1'],
      ['n1:veth2', 'n1:veth2', 'n2:ceth2', 'n2:eth0'],
      ['n1:x', 'n1:x', 'n1:y', 'n1:y'],
    ]);
  });

  it('a device deleted (with its veth peer) or in a deleted namespace has no final place', () => {
    expect(
      places(`ip netns add n1
ip link add va type veth peer name vb
ip link del vb
ip link add vc type veth peer name vd netns n1
ip netns del n1
ip link add br0 type bridge
`),
    ).toEqual([
      ['va', undefined, 'vb', undefined],
      ['vc', undefined, 'n1:vd', undefined],
      ['br0', 'br0', undefined, undefined],
    ]);
  });

  it('placeKey: NS:DEV, or DEV in the global namespace', () => {
    expect(placeKey(undefined, 'veth1')).toBe('veth1');
    expect(placeKey('netns1', 'ceth1')).toBe('netns1:ceth1');
  });
});
