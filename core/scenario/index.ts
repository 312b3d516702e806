/** The scenario language (DESIGN.md §1, §2): parse once, into typed commands both engines consume. */
export type { Word } from './args.ts';
export type * from './commands.ts';
export type { DocBlock, DocCommand, ExpectedLine, LongRunning } from './document.ts';
export { promptOf } from './document.ts';
export { formatScenarioError, type ScenarioError } from './error.ts';
export type { ConntrackState, IptablesRule, IptablesTarget, NatRange, Negatable, PortRange } from './iptables.ts';
export { type DocumentScenario, type Engine, isDocumentName, parseScenario, parseScenarioFile, type ParseOptions, type Scenario, type ScriptScenario } from './scenario.ts';
export type { Redirection } from './shell.ts';
export type { SourcePosition } from './source.ts';
