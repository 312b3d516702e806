import type { SourcePosition } from './source.ts';

/**
 * Why a scenario could not be parsed (STYLE.md §8: typed, never thrown).
 * - `shell`: the text is not shell as scenarios use it (an unterminated quote, `a && && b`).
 * - `unsupported`: valid shell or a real command that twinnet deliberately does not model (variables, loops,
 *   `ip rule`, …); the message says what.
 * - `command`: the tool itself would refuse the line; the message is the tool's own words, as measured on
 *   iproute2 6.1, iptables 1.8.9, procps-ng 4.0.2, iputils 20221126, tcpdump 4.99.3, netcat-openbsd 1.219.
 * - `io`: the scenario file could not be read.
 */
export interface ScenarioError {
  readonly kind: 'shell' | 'unsupported' | 'command' | 'io';
  readonly position: SourcePosition;
  readonly message: string;
}

/** Builds an error at a position. */
export function scenarioError(kind: ScenarioError['kind'], position: SourcePosition, message: string): ScenarioError {
  return { kind, position, message };
}

/** `file:line:column: message`, as compilers print it. */
export function formatScenarioError(error: ScenarioError): string {
  const p = error.position;
  return `${p.file}:${p.line}:${p.column}: ${error.message}`;
}
