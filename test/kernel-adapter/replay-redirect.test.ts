import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import type { OutputChunk } from '../../core/transcript.ts';
import { scenarioCommands } from '../../kernel-adapter/command.ts';
import { Redirector } from '../../kernel-adapter/replay-redirect.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-replay-redirect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the terminal shows of an stdout chunk and an stderr chunk under the command's redirections, and the file. */
function run(text: string): { terminal: string[]; file: string } {
  const r = parseScenario(text, { file: 'x.sh' });
  if (!r.ok) throw new Error(r.error.message);
  const c = scenarioCommands(r.value)[0]!;
  const redirect = new Redirector(c.redirections, (f) => join(dir, f));
  const chunks: OutputChunk[] = [
    { stream: 'stdout', text: 'out\n', at: 1 },
    { stream: 'stderr', text: 'err\n', at: 2 },
  ];
  const terminal = chunks.flatMap((chunk) => {
    const routed = redirect.route(chunk);
    return routed ? [`${routed.stream}:${routed.text.trim()}`] : [];
  });
  redirect.close();
  let file = '';
  try {
    file = readFileSync(join(dir, 'f'), 'utf8');
  } catch {
    // No file.
  }
  rmSync(join(dir, 'f'), { force: true });
  return { terminal, file };
}

describe('Redirector: a shell\'s output redirections, left to right', () => {
  it('> FILE takes stdout; 2>&1 after it sends stderr there too; before it, to the terminal\'s stdout', () => {
    expect(run('echo x > f')).toEqual({ terminal: ['stderr:err'], file: 'out\n' });
    expect(run('echo x > f 2>&1')).toEqual({ terminal: [], file: 'out\nerr\n' });
    expect(run('echo x 2>&1 > f')).toEqual({ terminal: ['stdout:err'], file: 'out\n' });
  });

  it('/dev/null discards; 1>&2 moves stdout to stderr', () => {
    expect(run('echo x 2>/dev/null')).toEqual({ terminal: ['stdout:out'], file: '' });
    expect(run('echo x >&2')).toEqual({ terminal: ['stderr:out', 'stderr:err'], file: '' });
  });
});
