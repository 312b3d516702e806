import { describe, expect, it } from 'vitest';
import { type DocumentScenario, parseScenario, parseScenarioFile, promptOf } from '../../../core/scenario/index.ts';

const FILE = new URL('../../../fixtures/scenarios/doctest-example.md', import.meta.url).pathname;

function doc(): DocumentScenario {
  const r = parseScenarioFile(FILE);
  if (!r.ok) throw new Error(`${r.error.position.line}:${r.error.position.column}: ${r.error.message}`);
  if (r.value.form !== 'document') throw new Error('document expected');
  return r.value;
}

describe('prompts', () => {
  it.each([
    ['$ ip a', '$ '],
    ['   $ ip a', '   $ '],
    ['# ip a', '# '],
    ['# sudo ip a', '# '],
    ['[root@pelican ~]# ip a', '[root@pelican ~]# '],
    ['[user@host ~]$ ip a', '[user@host ~]$ '],
    ['sujit@srv:~$ ping 8.8.8.8', 'sujit@srv:~$ '],
    ['root@box:/tmp# ip r', 'root@box:/tmp# '],
    ['[root@pelican ~]#', '[root@pelican ~]#'],
  ])('%j is a prompt', (line, prompt) => {
    expect(promptOf(line)).toBe(prompt);
  });
  it.each(['# Create the namespaces', 'PING 1.2.3.4 (1.2.3.4) 56(84) bytes of data.', '64 bytes from x', '$HOME is set', '    inet 10.0.0.1/8 scope host lo'])('%j is not', (line) => {
    expect(promptOf(line)).toBeUndefined();
  });
});

describe('a document', () => {
  it('declares its engines on the first line', () => {
    expect(doc().engines).toEqual(['sim']);
  });
  it('reads a block without prompts as a script', () => {
    const b = doc().blocks[0]!;
    expect(b.kind).toBe('script');
    expect(b.statements.map((s) => s.pipelines[0]!.commands[0]!.kind)).toEqual(['netns.add', 'link.add']);
    expect(b.statements[1]!.position.line).toBe(8);
  });
  it('reads prompted commands, continuation lines and expected output', () => {
    const b = doc().blocks[1]!;
    expect(b.kind).toBe('doctest');
    expect(b.commands.map((c) => c.text)).toEqual(['ip addr add 192.0.2.1/24 dev v0', 'ip link set v0 up', 'ip -n red link set v1 up \\\n    mtu 1400', 'ip -br link show v0']);
    expect(b.commands[2]!.statements[0]!.pipelines[0]!.commands[0]).toMatchObject({ kind: 'link.set', namespace: 'red', up: true, mtu: 1400 });
    expect(b.commands[3]!.expected).toEqual([{ text: 'v0@if2           UP             02:00:00:00:00:01 <BROADCAST,MULTICAST,UP,LOWER_UP>', line: 19 }]);
    expect(b.commands[0]!.expected).toEqual([]);
  });
  it('skips the block after "or"', () => {
    const b = doc().blocks[2]!;
    expect(b.skipped).toBe('alternative');
    expect(b.commands).toHaveLength(1);
  });
  it('runs an interactive shell’s commands in its namespace until exit', () => {
    const b = doc().blocks[3]!;
    const kinds = b.commands.map((c) => {
      const cmd = c.statements[0]!.pipelines[0]!.commands[0]!;
      return `${cmd.kind}@${cmd.namespace ?? 'global'}`;
    });
    expect(kinds).toEqual(['shell.enter@red', 'addr.add@red', 'ping@red', 'shell.leave@red', 'neigh.show@global']);
    expect(b.commands[2]!.expected.map((l) => l.text)).toEqual(['PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.', '64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=0.050 ms', '...']);
    expect(b.commands[2]!.longRunning).toBeUndefined();
  });
  it('does not run blocks of another language', () => {
    expect(doc().blocks[4]!.kind).toBe('other');
  });
  it('fails on an error in a block that runs, with its position', () => {
    const r = parseScenario('Text\n\n```\n$ ip addr add 10.0.0.300/24 dev v0\n```\n', { file: 'x.md' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ position: { file: 'x.md', line: 4, column: 15 }, message: 'Error: any valid prefix is expected rather than "10.0.0.300/24".' });
  });
  it('keeps a skipped block’s error instead of failing', () => {
    const r = parseScenario('```\n$ ip a\n```\nor\n```\n$ ip frob\n```\n', { file: 'y.md' });
    expect(r.ok).toBe(true);
    if (r.ok && r.value.form === 'document') expect(r.value.blocks[1]).toMatchObject({ skipped: 'alternative', error: { message: 'Object "frob" is unknown, try "ip help".' } });
  });
  it('counts what a long-running command shows', () => {
    const text = '```\n$ ping 10.0.0.1\nPING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1 ms\n64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=1 ms\n64 bytes from 10.0.0.1: icmp_seq=3 ttl=64 time=1 ms\n^C\n$ tcpdump -i v0 -n &\n```\n';
    const r = parseScenario(text, { file: 'z.md' });
    if (!r.ok || r.value.form !== 'document') throw new Error('parse');
    expect(r.value.blocks[0]!.commands[0]!.longRunning).toEqual({ tool: 'ping', shown: 3 });
    // A background capture is not bounded by shown frames.
    expect(r.value.blocks[0]!.commands[1]!.longRunning).toBeUndefined();
  });
});
