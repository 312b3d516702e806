import { describe, expect, it } from 'vitest';
import { parseScenarioFile, type Scenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { simulate, type RunResult } from '../../sim/runner.ts';

const url = (path: string): string => new URL(`../../fixtures/${path}`, import.meta.url).pathname;

function parse(path: string): Scenario {
  const parsed = parseScenarioFile(url(path));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

/** Runs a claims document on the tutorial's machine (fixtures/seed/host.sh as the preamble). */
function run(name: string): RunResult {
  return simulate(parse(`claims/${name}`), { preamble: [parse('seed/host.sh')] });
}

/** The output of the first entry whose command contains `command`. */
function outputOf(result: RunResult, command: string): string {
  const entry = result.transcript.find((e) => !e.preamble && e.command.includes(command));
  if (!entry) throw new Error(`no entry for ${command}`);
  return entryOutput(entry);
}

describe('the tutorial\'s four claims on the simulator (fixtures/claims)', () => {
  it('1: the host reaches applications in netns1 over TCP, UDP and HTTP', () => {
    const r = run('1-host-to-namespace.md');
    expect(r.summary).toMatchObject({ matched: 3, mismatches: 0 });
    expect(outputOf(r, '5000 <<<')).toBe('hello netns1, from the host\n');
    expect(outputOf(r, '5001 <<<')).toBe('hello netns1, over UDP\n');
    expect(outputOf(r, 'curl')).toBe('172.20.0.10 "GET /claim1 HTTP/1.1" 200 75\nhello from 172.20.0.11 port 80: you are 172.20.0.10, you asked for /claim1\n');
    expect(r.exitStatus).toBe(0);
  });

  it('2: an application in netns1 reaches applications in the host', () => {
    const r = run('2-namespace-to-host.md');
    expect(r.summary).toMatchObject({ matched: 3, mismatches: 0 });
    expect(outputOf(r, '5000 <<<')).toBe('hello host, from netns1\n');
    expect(outputOf(r, '5001 <<<')).toBe('hello host, over UDP\n');
    expect(outputOf(r, 'curl')).toContain('hello from 172.20.0.10 port 80: you are 172.20.0.11, you asked for /claim2\n');
  });

  it('3: an application in netns1 reaches applications in netns2 and back', () => {
    const r = run('3-namespace-to-namespace.md');
    expect(r.summary).toMatchObject({ matched: 3, mismatches: 0 });
    expect(outputOf(r, '5000 <<<')).toBe('hello netns2, from netns1\n');
    expect(outputOf(r, '5001 <<<')).toBe('hello netns1, over UDP\n');
    expect(outputOf(r, 'curl')).toContain('hello from 172.20.0.12 port 80: you are 172.20.0.11, you asked for /claim3\n');
  });

  it('4: an application in netns2 reaches the internet only after MASQUERADE and forwarding, seen as 10.0.2.15', () => {
    const r = run('4-namespace-to-internet.md');
    expect(r.summary).toMatchObject({ matched: 5, mismatches: 0 });
    expect(outputOf(r, 'curl -m 2')).toBe('curl: (28) Connection timed out after 2000 milliseconds\n');
    expect(outputOf(r, 'curl http://8.8.8.8/claim4')).toBe('10.0.2.15 "GET /claim4 HTTP/1.1" 200 69\nhello from 8.8.8.8 port 80: you are 10.0.2.15, you asked for /claim4\n');
    expect(outputOf(r, '8.8.8.8 5000')).toBe('hello internet, from netns2\n');
    expect(outputOf(r, '8.8.8.8 5001')).toBe('hello internet, over UDP\n');
  });

  it('declares its engines: claims 1-3 on both, claim 4 simulator only with a kernel variant', () => {
    expect(parse('claims/1-host-to-namespace.md').engines).toEqual(['sim', 'kernel']);
    expect(parse('claims/4-namespace-to-internet.md').engines).toEqual(['sim']);
    expect(parse('claims/4-namespace-to-internet-kernel.md').engines).toEqual(['kernel']);
  });
});
