/**
 * twinnet as a library (DESIGN.md §6): parse a scenario once, run it on the simulator (or, as root, on the real
 * kernel), compare the two; or drive a simulated machine step by step.
 */
export { parseScenario, parseScenarioFile, formatScenarioError } from './core/scenario/index.ts';
export type { Command, Scenario, ScenarioError, ScriptScenario, DocumentScenario, Statement, SourcePosition } from './core/scenario/index.ts';
export { simulate, Runner, type RunOptions, type RunResult } from './sim/runner.ts';
export { Network, DEFAULT_SEED, GLOBAL } from './sim/network.ts';
export type { TranscriptEntry, OutputChunk, CommandCheck } from './core/transcript.ts';
export type { CapturedFrame } from './sim/exec/capture.ts';
export type { DropRecord } from './l3/namespace.ts';
export { dumpState, type NamespaceState } from './sim/show/state.ts';
export { formatMac, parseMac, type MacAddress } from './core/mac.ts';
export { formatIpv4, parseIpv4, parseCidr, type Ipv4Address, type Ipv4Cidr } from './core/ipv4.ts';
export { SECOND, MILLISECOND, MICROSECOND, type Instant, type Duration } from './core/clock.ts';
export { createPcapFile, pcapBytes } from './core/pcap/writer.ts';
export { openCapture, readCapture } from './core/pcap/reader.ts';
export { createPrinter } from './core/decode/printer.ts';
export { compileFilter } from './core/decode/filter.ts';
export { replay, ReplayRefusedError, type ReplayOptions, type ReplayResult } from './kernel-adapter/replay.ts';
export { compare, formatCompareReport, type CompareReport, type CompareOptions, type EngineRun } from './core/diff/compare.ts';
export { compareScenario } from './cli/compare.ts';
export { readFrameTable } from './core/diff/capture-file.ts';
// Property and differential testing (issue 6): generators, properties, the simulator observed, the campaign.
export { scenarioArbitrary, genScenarioArbitrary, generatedScenario, KERNEL_GEN_OPTIONS, type GeneratedScenario } from './core/gen/arbitrary.ts';
export type { GenOptions, GenScenario, GenEvent } from './core/gen/model.ts';
export { resolvePlan, planText, type Plan } from './core/gen/plan.ts';
export { checkProperties, checkReachability, checkNeighbours, checkTtl, checkNat, formatPropertyResults, allHold, NetModel, judgeProbe, type PropertyResult, type Observation, type ProbeOutcome, type Verdict } from './core/properties/index.ts';
export { observe, type ObserveOptions, type SimObservation } from './sim/properties/observe.ts';
export { instrumentConservation, settleLedger, type Ledger } from './sim/properties/conservation.ts';
export type { Faults } from './sim/faults.ts';
export { runCampaign, checkCase, checkOnSimulator, differential, simAgainstSim, type CampaignOptions, type CampaignResult, type CaseResult } from './cli/fuzz.ts';
