/**
 * What the kernel adapter needs of a scenario command: its argument vector, where it stands and how it was
 * written. The parser's typed commands (core/scenario/commands.ts: CommandBase) have these fields, so they can
 * be passed as they are; tests and tools can build one from a plain argv.
 */
import type { Command, Scenario, Statement } from '../core/scenario/index.ts';

/** A 1-based line and column in a scenario file (core/scenario/source.ts: SourcePosition). */
export interface CommandPosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A scenario command as the kernel adapter checks and re-emits it. */
export interface KernelCommand {
  /** The tool's argv as written (quotes removed; without `sudo` and the `ip netns exec NS` prefix). */
  readonly argv: readonly string[];
  readonly position: CommandPosition;
  /** The command's source text. */
  readonly text: string;
  /** The scenario namespace it runs in; undefined = the global one. */
  readonly namespace?: string | undefined;
}

/** `file:line:column: text`, as refusals quote a command. */
export function formatCommandSite(command: KernelCommand): string {
  const p = command.position;
  return `${p.file}:${p.line}:${p.column}: ${command.text}`;
}

/** A command from a plain argv, placed at `file:line:1` (for tests and direct library use). */
export function commandFromArgv(argv: readonly string[], file = '<argv>', line = 1): KernelCommand {
  return { argv, position: { file, line, column: 1 }, text: argv.join(' ') };
}

/**
 * Every command of a parsed scenario, in order (script statements, with the commands of `sh -c` bodies after
 * the `sh` itself; a document's doctest and script blocks, skipping alternatives): what preflight checks before
 * a replay creates anything.
 */
export function scenarioCommands(scenario: Scenario): Command[] {
  const out: Command[] = [];
  const take = (statements: readonly Statement[]): void => {
    for (const s of statements) {
      for (const p of s.pipelines) {
        for (const c of p.commands) {
          out.push(c);
          if (c.kind === 'sh') take(c.body);
        }
      }
    }
  };
  if (scenario.form === 'script') take(scenario.statements);
  else {
    for (const block of scenario.blocks) {
      if (block.skipped !== undefined || block.kind === 'other') continue;
      take(block.statements);
      for (const c of block.commands) take(c.statements);
    }
  }
  return out;
}
