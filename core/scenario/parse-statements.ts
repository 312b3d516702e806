/**
 * From the shell layer's words to typed commands: drops a leading `sudo`, unwraps `ip netns exec NS …` into a
 * namespace, reads `sh -c '…'` bodies recursively (positions still in the original file), and hands each
 * tool's argv to its parser. Interactive shells (`ip netns exec NS sh` without `-c`) open only in documents.
 */
import { err, ok, type Result } from '../result.ts';
import { Args, lookupTable, toolError, unsupportedError, type Word } from './args.ts';
import { parseBridge } from './bridge.ts';
import type { Command, CommandBody, Pipeline, Statement } from './commands.ts';
import { scenarioError, type ScenarioError } from './error.ts';
import { parseIp, type ToolParse } from './ip.ts';
import { parseIptables, parseIptablesSave } from './iptables.ts';
import { parseArp, parseConntrack, parseCurl, parseEcho, parseHttpd, parseRoute, parseSleep } from './misc.ts';
import { parseNc } from './nc.ts';
import { parsePing } from './ping.ts';
import { parseSend } from './send.ts';
import { parseShell, type ShellAndOr, type ShellSimpleCommand, type ShellWord } from './shell.ts';
import type { ShellSource, SourceFile } from './source.ts';
import { parseSysctl } from './sysctl.ts';
import { parseTc } from './tc.ts';
import { parseTcpdump } from './tcpdump.ts';

/** Where the statements are read: the namespace in force and whether interactive shells may open. */
export interface StatementContext {
  namespace: string | undefined;
  /** Documents only: `ip netns exec NS sh` without `-c` opens a shell whose commands run in NS. */
  readonly allowInteractive: boolean;
  /** Inside such a shell (so `exit` leaves it); the namespace outside it. */
  interactive: { readonly outer: string | undefined } | undefined;
}

type ToolParser = (args: Args) => Result<CommandBody | ToolParse, ScenarioError>;

/** The tools a scenario may run, by argv[0]. */
const TOOLS = lookupTable<ToolParser>({
  iptables: parseIptables, 'iptables-save': parseIptablesSave, sysctl: parseSysctl, ping: parsePing, nc: parseNc, netcat: parseNc,
  tcpdump: parseTcpdump, tc: parseTc, send: parseSend, sleep: parseSleep, echo: parseEcho, route: parseRoute, arp: parseArp,
  conntrack: parseConntrack, httpd: parseHttpd, curl: parseCurl, bridge: parseBridge,
});

/** The command names a document's `# ` prompt may start with (so `# comment` stays a comment). */
export const COMMAND_NAMES: ReadonlySet<string> = new Set([...Object.keys(TOOLS), 'ip', 'sudo', 'sh', 'bash', 'set', 'exit']);

/** Reads shell text into typed statements. */
export function parseStatements(source: ShellSource, context: StatementContext): Result<Statement[], ScenarioError> {
  const ast = parseShell(source);
  if (!ast.ok) return ast;
  return convertList(ast.value, source.file, context);
}

function convertList(list: readonly ShellAndOr[], file: SourceFile, context: StatementContext): Result<Statement[], ScenarioError> {
  const statements: Statement[] = [];
  for (const andOr of list) {
    const pipelines: Pipeline[] = [];
    for (const p of andOr.pipelines) {
      const commands: Command[] = [];
      for (const c of p.commands) {
        const cmd = convertCommand(c, file, context, andOr.background);
        if (!cmd.ok) return cmd;
        const alone = andOr.pipelines.length === 1 && p.commands.length === 1 && !andOr.background;
        if ((cmd.value.kind === 'shell.enter' || cmd.value.kind === 'shell.leave') && !alone) {
          return unsupportedError(cmd.value.position, 'an interactive shell inside a pipeline or list');
        }
        commands.push(cmd.value);
        if (cmd.value.kind === 'shell.enter') {
          context.interactive = { outer: context.namespace };
          context.namespace = cmd.value.into;
        } else if (cmd.value.kind === 'shell.leave') {
          context.namespace = context.interactive?.outer;
          context.interactive = undefined;
        }
      }
      pipelines.push({ commands });
    }
    statements.push({ pipelines, operators: andOr.operators, background: andOr.background, position: pipelines[0]!.commands[0]!.position });
  }
  return ok(statements);
}

function convertCommand(simple: ShellSimpleCommand, file: SourceFile, context: StatementContext, background: boolean): Result<Command, ScenarioError> {
  const shellWords = [...simple.words];
  const toWord = (w: ShellWord): Word => ({ text: w.text, position: file.positionAt(w.start) });
  const first = shellWords[0]!;
  const last = shellWords[shellWords.length - 1]!;
  const position = file.positionAt(first.start);
  const text = file.text.slice(first.start, last.end);
  let namespace = context.namespace;
  let netnsArgs: readonly number[] = [];
  const stripSudo = (): Result<void, ScenarioError> => {
    while (shellWords.length > 0 && shellWords[0]!.text === 'sudo' && !shellWords[0]!.quoted) {
      shellWords.shift();
      if (shellWords[0]?.text.startsWith('-')) return unsupportedError(toWord(shellWords[0]).position, `sudo option "${shellWords[0].text}"`);
    }
    if (shellWords.length === 0) return unsupportedError(position, '"sudo" without a command');
    return ok(undefined);
  };

  let body: CommandBody | undefined;
  for (;;) {
    const s = stripSudo();
    if (!s.ok) return s;
    const words = shellWords.map(toWord);
    const end = file.positionAt(shellWords[shellWords.length - 1]!.end);
    const args = new Args(words, end);
    const tool = words[0]!.text;
    if (tool === 'ip') {
      const r = parseIp(args);
      if (!r.ok) return r;
      if ('exec' in r.value) {
        namespace = r.value.exec.namespace.text;
        shellWords.splice(0, r.value.exec.commandIndex);
        continue;
      }
      body = r.value.body;
      if (r.value.namespace !== undefined) namespace = r.value.namespace;
      netnsArgs = r.value.netnsArgs ?? [];
      break;
    }
    if (tool === 'sh' || tool === 'bash') {
      const shell = tool;
      if (shellWords.length === 1) {
        if (!context.allowInteractive) return unsupportedError(words[0]!.position, `an interactive "${tool}" (write ${tool} -c '…')`);
        if (namespace === undefined || namespace === context.namespace) return unsupportedError(words[0]!.position, `an interactive "${tool}" outside "ip netns exec NS"`);
        body = { kind: 'shell.enter', shell, into: namespace };
        break;
      }
      if (words[1]!.text !== '-c' || shellWords.length < 3) return unsupportedError(words[1]!.position, `"${tool} ${words[1]!.text}" (only ${tool} -c '…' is supported)`);
      if (shellWords.length > 3) return unsupportedError(words[3]!.position, `arguments after "${tool} -c '…'" ($0, $1 …)`);
      const bodyWord = shellWords[2]!;
      const pastEnd = bodyWord.offsets.length > 0 ? bodyWord.offsets[bodyWord.offsets.length - 1]! + 1 : bodyWord.end;
      const inner: ShellSource = { file, text: bodyWord.text, origin: (i) => bodyWord.offsets[i] ?? pastEnd };
      const innerContext: StatementContext = { namespace, allowInteractive: false, interactive: undefined };
      const statements = parseStatements(inner, innerContext);
      if (!statements.ok) return statements;
      body = { kind: 'sh', shell, body: statements.value };
      break;
    }
    if (tool === 'set') {
      const flag = words[1]?.text;
      if (words.length !== 2 || (flag !== '-e' && flag !== '+e')) return unsupportedError(words[0]!.position, `"${text}" (only set -e and set +e)`);
      body = { kind: 'set', errexit: flag === '-e' };
      break;
    }
    if (tool === 'exit') {
      const status = words[1]?.text ?? '0';
      if (words.length > 2) return toolError(words[2]!.position, 'exit: too many arguments');
      if (!/^[0-9]+$/.test(status)) return toolError(words[1]!.position, `exit: Illegal number: ${status}`);
      body = context.interactive && words.length === 1 ? { kind: 'shell.leave' } : { kind: 'exit', status: Number(status) % 256 };
      break;
    }
    const parser = TOOLS[tool];
    if (!parser) return err(scenarioError('unsupported', words[0]!.position, `command "${tool}" is not supported by twinnet`));
    const r = parser(args);
    if (!r.ok) return r;
    if ('kind' in r.value) {
      body = r.value;
    } else {
      body = r.value.body;
      if (r.value.namespace !== undefined) namespace = r.value.namespace;
      netnsArgs = r.value.netnsArgs ?? [];
    }
    break;
  }
  const words = shellWords.map(toWord);
  const stdin = simple.hereString === undefined ? undefined : `${simple.hereString.text}\n`;
  return ok({
    ...body,
    namespace,
    background,
    position,
    text,
    argv: words.map((w) => w.text),
    words,
    netnsArgs,
    redirections: simple.redirections,
    stdin,
  } as Command);
}
