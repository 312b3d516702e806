/**
 * The kernel replay's preflight: every reason a scenario cannot run on this machine's kernel, found before the
 * run creates anything, each said plainly: not root; a tool missing; the native modules `cap` / `raw-socket`
 * not loadable; an address the safety policy refuses; a link type or qdisc this kernel lacks (probed once in a
 * throwaway sandbox namespace, after every other check has passed).
 */
import { createRequire } from 'node:module';
import { err, ok, type Result } from '../core/result.ts';
import { checkScenarioAddresses } from './addresses.ts';
import { formatCommandSite, type KernelCommand } from './command.ts';
import { hasTool, runTool } from './exec.ts';
import { featureKey, probeKernelFeatures, type KernelFeature } from './kernel-features.ts';

/** The tools a replay runs, and the Debian package of each. */
export const REQUIRED_TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  bridge: 'iproute2',
  iptables: 'iptables',
  'iptables-save': 'iptables',
  conntrack: 'conntrack',
  tcpdump: 'tcpdump',
  ping: 'iputils-ping',
  nc: 'netcat-openbsd',
  sysctl: 'procps',
};

/** The native modules the adapter loads (optionalDependencies, built from source at `npm install`). */
export const NATIVE_MODULES: Readonly<Record<string, string>> = {
  cap: 'captures (libpcap): apt-get install libpcap-dev, then npm install',
  'raw-socket': 'send probes: npm install (it needs a C++ toolchain: apt-get install build-essential python3)',
};

/** A kernel feature a command needs, with the command. */
export interface CommandNeed {
  readonly feature: KernelFeature;
  readonly command: KernelCommand;
}

/** Strips `sudo` and an `ip netns exec NS` prefix from argv (the parser already does; plain argvs may not). */
function toolArgv(argv: readonly string[]): readonly string[] {
  let a = argv;
  if (a[0] === 'sudo') a = a.slice(1);
  if (a[0] === 'ip' && a[1] === 'netns' && a[2] === 'exec' && a.length > 4) a = a.slice(4);
  return a;
}

/** The words of an `ip`/`tc` command after its global options (`-n NS`, `-netns NS`, `-j`, `-br` …). */
function afterOptions(argv: readonly string[]): readonly string[] {
  let i = 1;
  while (i < argv.length && argv[i]!.startsWith('-')) i += argv[i] === '-n' || argv[i] === '-netns' || argv[i] === '-b' || argv[i] === '-batch' ? 2 : 1;
  return argv.slice(i);
}

/** The kernel features one command needs: `ip link add … type KIND`, `tc qdisc add|replace|change … KIND`. */
export function featuresOf(command: KernelCommand): KernelFeature[] {
  const argv = toolArgv(command.argv);
  const words = afterOptions(argv);
  if (argv[0] === 'ip' && words[0] !== undefined && 'link'.startsWith(words[0]) && words[1] === 'add') {
    const t = words.indexOf('type');
    const kind = t >= 0 ? words[t + 1] : undefined;
    return kind === undefined ? [] : [{ kind: 'link', name: kind }];
  }
  if (argv[0] === 'tc' && words[0] === 'qdisc' && ['add', 'replace', 'change', 'a', 'r'].includes(words[1] ?? '')) {
    const withValue = new Set(['dev', 'parent', 'handle', 'estimator', 'stab']);
    for (let i = 2; i < words.length; i++) {
      const w = words[i]!;
      if (withValue.has(w)) i += w === 'estimator' ? 2 : 1;
      else if (w !== 'root') return [{ kind: 'qdisc', name: w }];
    }
  }
  return [];
}

/** What a feature is called in a refusal. */
function describeFeature(f: KernelFeature): string {
  return f.kind === 'link' ? `the "${f.name}" link type` : `the "${f.name}" qdisc`;
}

/** Why the process cannot run replays, or undefined: root, tools, native modules. */
export function environmentProblems(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('twinnet replay: must run as root (it creates network namespaces); run it with the simulator only, or as root');
  for (const [tool, pkg] of Object.entries(REQUIRED_TOOLS)) {
    if (!hasTool(tool)) problems.push(`twinnet replay: the tool "${tool}" is missing: apt-get install ${pkg}`);
  }
  const nc = hasTool('nc') ? runTool(['nc', '-h']) : undefined;
  if (nc !== undefined && !/OpenBSD netcat/.test(nc.stderr + nc.stdout)) {
    problems.push('twinnet replay: "nc" is not OpenBSD netcat: apt-get install netcat-openbsd');
  }
  const require = createRequire(import.meta.url);
  for (const [name, why] of Object.entries(NATIVE_MODULES)) {
    try {
      require(name);
    } catch (e) {
      problems.push(`twinnet replay: the native module "${name}" cannot be loaded (${(e as Error).message.split('\n')[0]}); it is needed for ${why}`);
    }
  }
  return problems;
}

/** What a passed preflight found. */
export interface PreflightReport {
  /** Each kernel feature the scenario needs and whether it was probed present (all true when it passed). */
  readonly features: ReadonlyMap<string, boolean>;
}

/**
 * Every reason the scenario cannot be replayed on this kernel, in the order: environment, addresses, kernel
 * features; the feature probe (which creates a throwaway namespace) runs only when the rest passed.
 */
export function preflight(commands: readonly KernelCommand[]): Result<PreflightReport, string[]> {
  const problems = [...environmentProblems(), ...checkScenarioAddresses(commands)];
  if (problems.length > 0) return err(problems);
  const needs: CommandNeed[] = commands.flatMap((command) => featuresOf(command).map((feature) => ({ feature, command })));
  if (needs.some((n) => n.feature.kind === 'qdisc') && !hasTool('tc')) return err(['twinnet replay: the tool "tc" is missing: apt-get install iproute2']);
  const features = probeKernelFeatures(needs.map((n) => n.feature));
  for (const need of needs) {
    if (features.get(featureKey(need.feature)) !== true) {
      problems.push(`twinnet replay: this kernel lacks ${describeFeature(need.feature)} (${formatCommandSite(need.command)}); run it with the simulator only`);
    }
  }
  return problems.length > 0 ? err(problems) : ok({ features });
}
