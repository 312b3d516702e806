import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import { checkScenarioAddresses } from '../../kernel-adapter/addresses.ts';
import { scenarioCommands, type KernelCommand } from '../../kernel-adapter/command.ts';
import { featuresOf } from '../../kernel-adapter/preflight.ts';

const SCRIPT = `ip netns add netns1
ip link add veth1 type veth peer name ceth1 netns netns1
ip netns exec netns1 ip link add d0 type dummy
sudo ip netns exec netns1 sh -c 'ip addr add 10.0.0.2/24 dev ceth1; ip link set ceth1 up'
ping -c 1 8.8.8.8 && ping -c 1 10.0.0.2
`;

describe('kernel-adapter commands from the parser', () => {
  it('takes the parser\'s typed commands as they are: positions, sh -c bodies, ip netns exec stripped', () => {
    const parsed = parseScenario(SCRIPT, { file: 'fixtures/x.sh' });
    expect(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.error)).toBe(true);
    if (!parsed.ok) return;
    const commands: KernelCommand[] = scenarioCommands(parsed.value);
    expect(commands.map((c) => `${c.namespace ?? '-'} ${c.argv.join(' ')}`)).toEqual([
      '- ip netns add netns1',
      '- ip link add veth1 type veth peer name ceth1 netns netns1',
      'netns1 ip link add d0 type dummy',
      "netns1 sh -c ip addr add 10.0.0.2/24 dev ceth1; ip link set ceth1 up",
      'netns1 ip addr add 10.0.0.2/24 dev ceth1',
      'netns1 ip link set ceth1 up',
      '- ping -c 1 8.8.8.8',
      '- ping -c 1 10.0.0.2',
    ]);
    const dummy = commands.find((c) => featuresOf(c).length > 0 && featuresOf(c)[0]!.name === 'dummy');
    expect(dummy?.namespace).toBe('netns1');
    expect(dummy?.position).toMatchObject({ file: 'fixtures/x.sh', line: 3 });
    expect(checkScenarioAddresses(commands)).toEqual([
      expect.stringMatching(/^twinnet replay: refusing the public address 8\.8\.8\.8 \(fixtures\/x\.sh:5:1: ping -c 1 8\.8\.8\.8\)/),
    ]);
  });

  it('reads a document\'s doctest commands and skips alternatives', () => {
    const doc = ['Set up:', '', '```', '$ ip netns add red', '$ ping -c 1 8.8.4.4', '```', '', 'or', '', '```', '$ ping -c 1 1.1.1.1', '```', ''].join('\n');
    const parsed = parseScenario(doc, { file: 'guide.md' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const commands = scenarioCommands(parsed.value);
    expect(commands.map((c) => c.text)).toEqual(['ip netns add red', 'ping -c 1 8.8.4.4']);
  });
});
