import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../../core/ipv4.ts';
import { type Command, parseScenario, type ScriptScenario, type Statement } from '../../../core/scenario/index.ts';
import { parseShell } from '../../../core/scenario/shell.ts';
import { SourceFile, sliceSource } from '../../../core/scenario/source.ts';

function script(text: string): ScriptScenario {
  const r = parseScenario(text, { file: 's.sh' });
  if (!r.ok) throw new Error(`${r.error.position.line}:${r.error.position.column}: ${r.error.message}`);
  if (r.value.form !== 'script') throw new Error('script expected');
  return r.value;
}
const commands = (s: readonly Statement[]): Command[] => s.flatMap((st) => st.pipelines.flatMap((p) => p.commands));
const words = (text: string): string[][] => {
  const f = new SourceFile('w.sh', text);
  const r = parseShell(sliceSource(f, 0, text.length));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.flatMap((a) => a.pipelines.flatMap((p) => p.commands.map((c) => c.words.map((w) => w.text))));
};
const failure = (text: string): { kind: string; line: number; column: number; message: string } => {
  const r = parseScenario(text, { file: 'e.sh' });
  if (r.ok) throw new Error(`expected an error for ${text}`);
  return { kind: r.error.kind, line: r.error.position.line, column: r.error.position.column, message: r.error.message };
};

describe('words as a POSIX shell reads them', () => {
  it.each([
    [`echo 'a b' "c d" e\\ f`, [['echo', 'a b', 'c d', 'e f']]],
    [`echo "a\\"b" 'c\\d' "\\$x" "\\q"`, [['echo', 'a"b', 'c\\d', '$x', '\\q']]],
    [`echo a"b"'c'd`, [['echo', 'abcd']]],
    [`echo '' ""`, [['echo', '', '']]],
    [`tcpdump -i v0 \\(arp or icmp\\)`, [['tcpdump', '-i', 'v0', '(arp', 'or', 'icmp)']]],
    ['ip link \\\n  set lo up', [['ip', 'link', 'set', 'lo', 'up']]],
    ['echo "a\\\nb"', [['echo', 'ab']]],
    ['ip a # a comment\n# whole line\nip r', [['ip', 'a'], ['ip', 'r']]],
    ['echo a#b', [['echo', 'a#b']]],
    ['a; b;c\nd', [['a'], ['b'], ['c'], ['d']]],
    ['echo $ x', [['echo', '$', 'x']]],
  ])('%j', (text, expected) => {
    expect(words(text)).toEqual(expected);
  });
});

describe('lists, pipelines, background, redirections, here-strings', () => {
  it('keeps && and || structure', () => {
    const s = script('ip link add v0 type veth peer name v1 && ip link set v0 up || echo failed');
    expect(s.statements).toHaveLength(1);
    expect(s.statements[0]!.operators).toEqual(['&&', '||']);
    expect(s.statements[0]!.pipelines.map((p) => p.commands[0]!.kind)).toEqual(['link.add', 'link.set', 'echo']);
  });
  it('keeps a pipeline: echo feeding nc', () => {
    const s = script('echo hi | nc -u 10.0.0.2 5000');
    const p = s.statements[0]!.pipelines[0]!;
    expect(p.commands.map((c) => c.kind)).toEqual(['echo', 'nc']);
    expect(p.commands[1]).toMatchObject({ udp: true, host: (parseIpv4('10.0.0.2') as { value: number }).value, port: 5000 });
  });
  it('marks a trailing & as background, for the whole and-or list', () => {
    const s = script('tcpdump -i veth1 -w /tmp/c.pcap &\nping -c 1 10.0.0.1\nnc -l -p 5000 > /dev/null 2>&1 &');
    expect(s.statements.map((st) => st.background)).toEqual([true, false, true]);
    const cmds = commands(s.statements);
    expect(cmds.map((c) => c.background)).toEqual([true, false, true]);
    expect(cmds[2]!.redirections).toEqual([
      { fd: 1, op: '>', target: '/dev/null' },
      { fd: 2, op: '>&', target: 1 },
    ]);
  });
  it('reads redirections to files and &>', () => {
    const [a, b, c] = commands(script('ip a >out.txt\nip r 2>/dev/null >> log\nip n &> all').statements);
    expect(a!.redirections).toEqual([{ fd: 1, op: '>', target: 'out.txt' }]);
    expect(b!.redirections).toEqual([{ fd: 2, op: '>', target: '/dev/null' }, { fd: 1, op: '>>', target: 'log' }]);
    expect(c!.redirections).toEqual([{ fd: 1, op: '>', target: 'all' }, { fd: 2, op: '>&', target: 1 }]);
  });
  it('gives a here-string as standard input with its newline', () => {
    const [c] = commands(script("nc -u -w1 10.0.0.2 5000 <<< 'hello there'").statements);
    expect(c!.stdin).toBe('hello there\n');
    expect(c!.argv).toEqual(['nc', '-u', '-w1', '10.0.0.2', '5000']);
  });
  it('reads set -e, set +e and exit', () => {
    expect(commands(script('set -e\nset +e\nexit 3\nexit').statements).map((c) => c.kind === 'set' ? c.errexit : c.kind === 'exit' ? c.status : c.kind)).toEqual([true, false, 3, 0]);
  });
  it('drops a leading sudo', () => {
    const [c] = commands(script('sudo ip link set lo up').statements);
    expect(c!.argv[0]).toBe('ip');
    expect(c!.text).toBe('sudo ip link set lo up');
  });
  it('reads the engines line', () => {
    expect(script('# engines: sim\nip a').engines).toEqual(['sim']);
    expect(script('# engines: sim, kernel\nip a').engines).toEqual(['sim', 'kernel']);
    expect(script('ip a').engines).toEqual(['sim', 'kernel']);
    expect(failure('# engines: sim,qemu\n')).toMatchObject({ line: 1, message: 'unknown engine "qemu" (sim, kernel)' });
  });
});

describe('sh -c bodies are parsed recursively with positions in the file', () => {
  const text = "ip netns add ns1\nip netns exec ns1 sh -c 'ip link set lo up && ping -c 1 \"127.0.0.1\"; ip a'";
  const s = script(text);
  const sh = commands(s.statements)[1]!;
  it('reads the body as statements inside the namespace', () => {
    expect(sh).toMatchObject({ kind: 'sh', shell: 'sh', namespace: 'ns1' });
    if (sh.kind !== 'sh') return;
    const inner = commands(sh.body);
    expect(inner.map((c) => c.kind)).toEqual(['link.set', 'ping', 'addr.show']);
    expect(inner.every((c) => c.namespace === 'ns1')).toBe(true);
    expect(sh.body[0]!.operators).toEqual(['&&']);
  });
  it('maps every inner word back to its line and column', () => {
    if (sh.kind !== 'sh') throw new Error();
    const inner = commands(sh.body);
    const line2 = text.split('\n')[1]!;
    expect(inner[0]!.position).toEqual({ file: 's.sh', line: 2, column: line2.indexOf('ip link') + 1 });
    expect(inner[1]!.words[3]!.position.column).toBe(line2.indexOf('"127.0.0.1"') + 1);
    expect(inner[2]!.text).toBe('ip a');
  });
  it('reads bash -c too, and nested quotes', () => {
    const [c] = commands(script(`bash -c "echo 'x y' | nc -u 10.0.0.1 9"`).statements);
    expect(c).toMatchObject({ kind: 'sh', shell: 'bash' });
    if (c?.kind === 'sh') expect(commands(c.body).map((x) => x.argv)).toEqual([['echo', 'x y'], ['nc', '-u', '10.0.0.1', '9']]);
  });
});

describe('shell syntax it does not run is a clear error, never mis-read', () => {
  it.each([
    ['echo $HOME', 1, 6, 'unsupported', 'unsupported shell syntax: variable $HOME'],
    ['echo "${x}"', 1, 7, 'unsupported', 'unsupported shell syntax: parameter expansion ${…}'],
    ['ip a\necho $(ip r)', 2, 6, 'unsupported', 'unsupported shell syntax: command substitution $(…)'],
    ['echo `ip r`', 1, 6, 'unsupported', 'unsupported shell syntax: command substitution `…`'],
    ['for i in 1 2; do ip a; done', 1, 1, 'unsupported', 'unsupported shell syntax: "for" (compound commands, loops and functions)'],
    ['while true; do sleep 1; done', 1, 1, 'unsupported', 'unsupported shell syntax: "while" (compound commands, loops and functions)'],
    ['if ip a; then ip r; fi', 1, 1, 'unsupported', 'unsupported shell syntax: "if" (compound commands, loops and functions)'],
    ['f() { ip a; }', 1, 2, 'unsupported', 'unsupported shell syntax: subshell or function definition "("'],
    ['(ip a)', 1, 1, 'unsupported', 'unsupported shell syntax: subshell or function definition "("'],
    ['NS=ns1', 1, 1, 'unsupported', 'unsupported shell syntax: variable assignment "NS="'],
    ['X=1 ip a', 1, 1, 'unsupported', 'unsupported shell syntax: variable assignment "X="'],
    ['cat <<EOF\nx\nEOF', 1, 5, 'unsupported', 'unsupported shell syntax: here-document "<<" (use a here-string "<<< word")'],
    ['nc -u 10.0.0.1 5 < file', 1, 18, 'unsupported', 'unsupported shell syntax: input redirection "<"'],
    ['echo {a,b}', 1, 6, 'unsupported', 'unsupported shell syntax: brace expansion in "{a,b}"'],
    ['echo ~/x', 1, 6, 'unsupported', 'unsupported shell syntax: tilde expansion in "~/x"'],
    ['ip a |& cat', 1, 6, 'unsupported', 'unsupported shell syntax: "|&"'],
    ["echo 'abc", 1, 6, 'shell', "unexpected EOF while looking for matching `''"],
    ['echo "abc', 1, 6, 'shell', 'unexpected EOF while looking for matching `"\''],
    ['ip a &&', 1, 8, 'shell', 'syntax error: unexpected end of file'],
    ['; ip a', 1, 1, 'shell', "syntax error near unexpected token `;'"],
    ['ip a | | ip r', 1, 8, 'shell', "syntax error near unexpected token `|'"],
    ['ip a; ;', 1, 7, 'shell', "syntax error near unexpected token `;'"],
    ['echo a >', 1, 9, 'shell', 'syntax error: unexpected end of file'],
    ['echo a;; b', 1, 7, 'shell', "syntax error near unexpected token `;;'"],
    ['ip netns exec ns1 sh', 1, 19, 'unsupported', `an interactive "sh" (write sh -c '…')`],
    ["sh -c 'ip a' extra", 1, 14, 'unsupported', `arguments after "sh -c '…'" ($0, $1 …)`],
    ['set -x', 1, 1, 'unsupported', '"set -x" (only set -e and set +e)'],
    ['sudo -E ip a', 1, 6, 'unsupported', 'sudo option "-E"'],
  ])('%j', (text, line, column, kind, message) => {
    expect(failure(text)).toEqual({ kind, line, column, message });
  });
});
