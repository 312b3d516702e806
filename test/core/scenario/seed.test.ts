import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../../core/decode/filter.ts';
import { parseIpv4 } from '../../../core/ipv4.ts';
import { type Command, type DocCommand, type DocumentScenario, parseScenarioFile } from '../../../core/scenario/index.ts';

/** The seed tutorial (a copy of shared/seeds/000_4dade473063ce86e.txt), parsed as a doctest (DESIGN.md §1). */
const SEED = new URL('../../../fixtures/scenarios/seed-000_4dade473063ce86e.txt', import.meta.url).pathname;
const parsed = parseScenarioFile(SEED);

function seed(): DocumentScenario {
  if (!parsed.ok) throw new Error(`${parsed.error.position.line}:${parsed.error.position.column}: ${parsed.error.message}`);
  if (parsed.value.form !== 'document') throw new Error('the seed is a document');
  return parsed.value;
}
const all = (): DocCommand[] => seed().blocks.flatMap((b) => b.commands);
const at = (line: number): DocCommand => {
  const c = all().find((d) => d.position.line === line);
  if (!c) throw new Error(`no command on line ${line}`);
  return c;
};
const only = (d: DocCommand): Command => {
  expect(d.statements).toHaveLength(1);
  expect(d.statements[0]!.pipelines).toHaveLength(1);
  return d.statements[0]!.pipelines[0]!.commands[0]!;
};
const ip = (text: string): number => {
  const a = parseIpv4(text);
  if (!a.ok) throw new Error(text);
  return a.value;
};

describe('the seed tutorial', () => {
  it('parses completely', () => {
    expect(parsed.ok).toBe(true);
  });

  it('has its 69 prompted commands (5 in the skipped alternative) and one script block', () => {
    expect(all()).toHaveLength(69);
    const blocks = seed().blocks;
    expect(blocks.filter((b) => b.kind === 'script')).toHaveLength(1);
    expect(blocks.filter((b) => !b.skipped).flatMap((b) => b.commands)).toHaveLength(64);
  });

  it('skips the two blocks introduced by "or" as alternatives', () => {
    const skipped = seed().blocks.filter((b) => b.skipped === 'alternative');
    expect(skipped.map((b) => b.position.line)).toEqual([42, 58]);
    // The first is the script `sudo ip netns exec netns1 sh`; the second the interactive block ending in exit.
    expect(skipped[0]!.statements[0]!.pipelines[0]!.commands[0]!.kind).toBe('shell.enter');
    expect(skipped[1]!.commands.map((c) => only(c).kind)).toEqual(['shell.enter', 'addr.add', 'link.set', 'link.set', 'shell.leave']);
    expect(skipped[1]!.commands.slice(1, 4).every((c) => only(c).namespace === 'netns1')).toBe(true);
  });

  it('runs the interactive sh block (line 220) in netns1', () => {
    const lines = [222, 223, 224, 225, 226];
    expect(lines.map((l) => only(at(l)).kind)).toEqual(['route.show', 'route.nettools', 'ping', 'ping', 'arp']);
    for (const l of lines) expect(only(at(l)).namespace).toBe('netns1');
    expect(only(at(221))).toMatchObject({ kind: 'shell.enter', into: 'netns1' });
    // The next block is back in the global namespace.
    expect(only(at(230)).namespace).toBeUndefined();
    // Pings without -c there are long-running, bounded at 4 replies by the runner since none are shown.
    expect(at(224).longRunning).toEqual({ tool: 'ping', shown: 0 });
  });

  it('reads `ip netns exec NS …` as a namespace, with sudo dropped', () => {
    const c = only(at(53));
    expect(c).toMatchObject({ kind: 'addr.add', namespace: 'netns1', device: 'ceth1', address: { address: ip('172.20.0.11'), prefixLength: 16 } });
    expect(c.argv).toEqual(['ip', 'addr', 'add', '172.20.0.11/16', 'dev', 'ceth1']);
    expect(c.text).toBe('sudo ip netns exec netns1 ip addr add 172.20.0.11/16 dev ceth1');
    expect(c.position).toEqual({ file: SEED, line: 53, column: 3 });
    expect(only(at(55))).toMatchObject({ kind: 'link.set', device: 'lo', up: true, namespace: 'netns1' });
  });

  it('takes prompts after spaces, `# `, `[root@pelican ~]# ` and `sujit@srv:~$ `', () => {
    expect(at(15).prompt).toBe('$ ');
    expect(only(at(15))).toMatchObject({ kind: 'netns.add', name: 'netns1' });
    expect(at(47).prompt).toBe('# ');
    expect(only(at(47))).toMatchObject({ kind: 'addr.show', namespace: undefined });
    expect(at(160).prompt).toBe('[root@pelican ~]# ');
    expect(only(at(160))).toMatchObject({ kind: 'route.add', namespace: 'netns1', via: ip('172.20.0.1'), destination: { address: 0, prefixLength: 0 } });
    expect(at(377).prompt).toBe('sujit@srv:~$ ');
  });

  it('keeps expected output, trailing blank lines trimmed', () => {
    const route = at(111);
    expect(route.expected.map((l) => l.text)).toEqual(['172.20.0.0/16 dev ceth1 proto kernel scope link src 172.20.0.11']);
    const ping = at(114);
    expect(ping.expected[0]).toEqual({ text: 'PING 172.20.0.11 (172.20.0.11) 56(84) bytes of data.', line: 115 });
    expect(ping.expected.at(-1)!.text).toBe('rtt min/avg/max/mdev = 0.026/0.036/0.047/0.010 ms');
    expect(ping.longRunning).toBeUndefined();
    expect(only(ping)).toMatchObject({ kind: 'ping', count: 2, destination: ip('172.20.0.11') });
    // An empty `[root@pelican ~]#` prompt ends the output before it.
    expect(at(160).expected).toEqual([]);
    expect(at(78).expected).toHaveLength(7);
    expect(at(78).expected[0]!.text).toBe('...');
  });

  it('reads `ping 172.20.0.12 -I veth2` with the option after the address', () => {
    const c = only(at(237));
    expect(c).toMatchObject({ kind: 'ping', destination: ip('172.20.0.12'), interface: 'veth2', count: undefined, longRunning: true, namespace: undefined });
    expect(at(237).longRunning).toEqual({ tool: 'ping', shown: 0 });
  });

  it('reads `tcpdump -ennqtvv -i veth2 \\(arp or icmp\\)` with its filter', () => {
    const c = only(at(274));
    expect(c).toMatchObject({ kind: 'tcpdump', interface: 'veth2', linkLevel: true, numeric: 2, quick: true, timestamps: 1, verbose: 2, filterText: '(arp or icmp)', longRunning: true });
    // The filter compiles as libpcap compiles it (core/decode/filter.ts) and keeps exactly ARP and ICMP frames.
    expect(c.kind === 'tcpdump' && compileFilter(c.filterText!).ok).toBe(true);
    expect(c.argv).toEqual(['tcpdump', '-ennqtvv', '-i', 'veth2', '(arp', 'or', 'icmp)']);
    // Frames shown: five one-line frames; banners and ^C are not frames.
    expect(at(274).longRunning).toEqual({ tool: 'tcpdump', shown: 5 });
    expect(at(285).longRunning).toEqual({ tool: 'tcpdump', shown: 3 });
    expect(at(134).longRunning).toEqual({ tool: 'tcpdump', shown: 4 });
  });

  it('reads the ping the document shows two replies of, and the prose that closes its block', () => {
    const d = at(377);
    expect(only(d)).toMatchObject({ kind: 'ping', namespace: 'netns2', destination: ip('8.8.8.8'), longRunning: true });
    expect(d.longRunning).toEqual({ tool: 'ping', shown: 2 });
    expect(d.expected.map((l) => l.text)).toEqual([
      'PING 8.8.8.8 (8.8.8.8) 56(84) bytes of data.',
      '64 bytes from 8.8.8.8: icmp_seq=1 ttl=127 time=30.3 ms',
      '64 bytes from 8.8.8.8: icmp_seq=2 ttl=127 time=27.9 ms',
    ]);
    const block = seed().blocks.find((b) => b.commands.includes(d))!;
    expect(block.proseLine?.line).toBe(381);
  });

  it('keeps iproute2’s <FLAGS> in output (they are not HTML)', () => {
    expect(at(73).expected[1]!.text).toBe('6: veth1@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000');
  });

  it('drops the <span> markup in the bridge route output', () => {
    expect(at(355).expected.map((l) => l.text)).toEqual([
      'default via 10.0.2.2 dev enp0s3 proto dhcp metric 100',
      '10.0.2.0/24 dev enp0s3 proto kernel scope link src 10.0.2.15 metric 100',
      '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown',
      '172.20.0.0/16 dev br0 proto kernel scope link src 172.20.0.10',
      '192.168.56.0/24 dev enp0s8 proto kernel scope link src 192.168.56.21 metric 101',
    ]);
  });

  it('reads the NAT rule, the sysctl and the veth peer created in netns2', () => {
    expect(only(at(372))).toMatchObject({
      kind: 'iptables',
      table: 'nat',
      command: { op: 'append', chain: 'POSTROUTING', rule: { source: { value: { address: ip('172.20.0.0'), prefixLength: 16 }, negated: false }, target: { kind: 'MASQUERADE' } } },
    });
    expect(only(at(376))).toMatchObject({ kind: 'sysctl', write: true, settings: [{ key: 'net.ipv4.ip_forward', value: 1 }] });
    const veth = only(at(231));
    expect(veth).toMatchObject({ kind: 'link.add', name: 'veth2', linkType: 'veth', peer: { name: 'ceth2', netns: 'netns2' } });
    expect(veth.netnsArgs.map((i) => veth.argv[i])).toEqual(['netns2']);
    expect(only(at(328))).toMatchObject({ kind: 'addr.add', device: 'br0', broadcast: '+' });
    expect(only(at(327))).toMatchObject({ kind: 'bridge.link.show', device: undefined });
  });
});
