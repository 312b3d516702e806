import { describe, expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../../core/scenario/index.ts';
import { namespaceNameProblem, replayRefusals, writablePath } from '../../kernel-adapter/replay-refusals.ts';

function scenario(text: string, file = 'bad.sh'): Scenario {
  const r = parseScenario(text, { file });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const GOOD = `ip netns add netns1
ip link add veth1 type veth peer name ceth1 netns netns1
ip -n netns1 link set ceth1 up
ip netns exec netns1 sh -c 'ip addr add 10.0.0.2/24 dev ceth1; ip link set lo up'
tcpdump -i veth1 -w veth1.pcap &
echo hi 2>/dev/null >out.txt
ip link set eth0 up
`;

describe('replay refusals: what could reach outside the sandbox is refused before anything runs', () => {
  it('a scenario that stays in its own namespaces and files passes; a device it never made is not a refusal', () => {
    expect(replayRefusals([scenario(GOOD)], { appsAvailable: true })).toEqual([]);
  });

  it('a namespace the scenario does not create, by ip netns exec, ip -n or netns NS, is refused with its line', () => {
    const refusals = replayRefusals([scenario('ip netns add a\nip netns exec other ip link\nip -n foo link\nip link add v type veth peer name p netns bar\n')]);
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatch(/^twinnet replay: refusing bad\.sh:2:\d+: .*"other" is not a namespace this scenario creates/);
    expect(refusals[1]).toMatch(/bad\.sh:3:\d+: .*"foo"/);
    expect(refusals[2]).toMatch(/bad\.sh:4:\d+: .*"bar"/);
  });

  it('a namespace created later in the scenario counts as the scenario\'s (the kernel answers "Cannot open" until then)', () => {
    expect(replayRefusals([scenario('ip netns exec late ip link\nip netns add late\n')])).toEqual([]);
  });

  it('the preamble\'s namespaces count as the scenario\'s', () => {
    expect(replayRefusals([scenario('ip netns add up\n', 'host.sh'), scenario('ip netns exec up ip link\n')])).toEqual([]);
    expect(replayRefusals([scenario('ip netns exec up ip link\n')])).toHaveLength(1);
  });

  it('the reserved name "global" is refused', () => {
    expect(replayRefusals([scenario('ip netns add global\n')])[0]).toMatch(/reserved by the kernel adapter/);
    expect(namespaceNameProblem('global')).toBeDefined();
    expect(namespaceNameProblem('netns1')).toBeUndefined();
  });

  it('files outside the run\'s directories: tcpdump -w and redirections', () => {
    const refusals = replayRefusals([scenario('ip link add v type veth peer name p\ntcpdump -i v -w /etc/x.pcap &\ntcpdump -i v -w ../x.pcap &\necho x > /etc/passwd\necho x >> ../../y\n')], { pcapDir: '/srv/pcaps' });
    expect(refusals).toHaveLength(4);
    expect(refusals[0]).toMatch(/bad\.sh:2:\d+: .*the file "\/etc\/x\.pcap" is outside/);
    expect(refusals[2]).toMatch(/redirection to "\/etc\/passwd"/);
  });

  it('writablePath: relative without "..", /dev/null, under the pcap directory or the temporary directory', () => {
    expect(writablePath('a/b.pcap', undefined)).toBe(true);
    expect(writablePath('/dev/null', undefined)).toBe(true);
    expect(writablePath('/srv/pcaps/x.pcap', '/srv/pcaps')).toBe(true);
    expect(writablePath('/srv/pcaps/../etc/x', '/srv/pcaps')).toBe(false);
    expect(writablePath('/srv/pcaps', '/srv/pcaps')).toBe(false);
    expect(writablePath('/etc/shadow', '/srv/pcaps')).toBe(false);
    expect(writablePath('../x', undefined)).toBe(false);
    expect(writablePath('/tmp/x.pcap', undefined)).toBe(true);
  });

  it('a scenario declaring "# engines: sim" is refused with that reason', () => {
    expect(replayRefusals([scenario('# engines: sim\nip link\n', 'sim-only.sh')])).toEqual([
      'twinnet replay: sim-only.sh declares "# engines: sim": it runs on the simulator only, not on the kernel',
    ]);
  });

  it('defence in depth on typed commands built by hand: a sysctl outside net., nc -U, an unrenamed netns word', () => {
    const base = scenario('sysctl -w net.ipv4.ip_forward=1\nnc -l -p 5000 &\nip link set v up\n');
    if (base.form !== 'script') throw new Error('script');
    const [sysctl, nc, link] = base.statements.map((s) => s.pipelines[0]!.commands[0]!);
    const forged: Scenario = {
      ...base,
      statements: [
        { ...base.statements[0]!, pipelines: [{ commands: [{ ...sysctl!, settings: [{ key: 'kernel.panic', value: 1, position: sysctl!.position }] } as never] }] },
        { ...base.statements[1]!, pipelines: [{ commands: [{ ...nc!, argv: ['nc', '-lU', '/run/docker.sock'] }] }] },
        { ...base.statements[2]!, pipelines: [{ commands: [{ ...link!, argv: ['ip', 'link', 'set', 'v', 'netns', 'elsewhere'] }] }] },
      ],
    };
    const refusals = replayRefusals([forged]);
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatch(/"kernel\.panic" is the machine's/);
    expect(refusals[1]).toMatch(/nc -U/);
    expect(refusals[2]).toMatch(/"netns elsewhere" names a namespace/);
  });

  it('httpd/curl are refused while twinnet\'s own kernel apps are missing', () => {
    expect(replayRefusals([scenario('httpd 80 &\n')], { appsAvailable: false })[0]).toMatch(/kernel-adapter\/apps\/httpd\.ts/);
  });
});
