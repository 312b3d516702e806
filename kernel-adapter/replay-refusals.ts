/**
 * What a replay refuses before it creates anything, beyond preflight.ts (root, tools, native modules, addresses,
 * kernel features): everything by which a scenario line could reach outside its sandbox (DESIGN.md §4 "Safety").
 *
 * What "not the scenario's" means here. Inside a sandbox, names of devices, routes, rules and sockets denote only
 * what the scenario made there: `ip link set eth0 up` in a scenario that never created eth0 finds no eth0 (the
 * kernel answers `Cannot find device "eth0"`, as the simulator does) and touches nothing. What could reach the
 * machine is a name that leaves the sandbox, and those are refused:
 * - a namespace the scenario does not create with `ip netns add` (`ip netns exec NS`, `ip -n NS`,
 *   `… netns NS`), since a replay maps only its own names to `twn<run>-…` and a number there is a process id;
 * - the name `global` (the sandbox of the scenario's global namespace) and names iproute2 would read as paths;
 * - a file outside the run's directories (`tcpdump -w`, `>` redirections), since a replay runs as root;
 * - sysctl keys outside `net.` (the others are the machine's, not a namespace's), `nc -U` (a unix socket is the
 *   machine's), and iproute2 words that name namespaces without being renamed.
 * A scenario that declares `# engines: sim` is refused with that reason.
 */
import { tmpdir } from 'node:os';
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import type { Command, Scenario } from '../core/scenario/index.ts';
import { formatCommandSite, scenarioCommands } from './command.ts';
import { hasTool } from './exec.ts';
import { GLOBAL_SUFFIX } from './run-record.ts';

/** Options the checks depend on. */
export interface RefusalOptions {
  /** Where relative `-w` and redirection paths go (default: the current directory). */
  readonly pcapDir?: string;
  /** Whether `httpd`/`curl` can run on the kernel (kernel-adapter/apps present). */
  readonly appsAvailable?: boolean;
}

/** Why a scenario namespace name cannot be a sandbox name, or undefined (iproute2 ip/ipnetns.c rules, plus `global`). */
export function namespaceNameProblem(name: string): string | undefined {
  if (name === GLOBAL_SUFFIX) return `the namespace name "${GLOBAL_SUFFIX}" is reserved by the kernel adapter for the scenario's global namespace`;
  if (name === '' || name === '.' || name === '..' || name.includes('/') || /[\0\s]/.test(name) || name.length > 200) return `"${name}" is not a namespace name a replay can sandbox`;
  return undefined;
}

/** Paths a redirection or `-w` may always name. */
const DEVICE_PATHS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

/** Whether a replay may write `file` (relative paths resolve against `pcapDir`, else the current directory). */
export function writablePath(file: string, pcapDir: string | undefined): boolean {
  if (DEVICE_PATHS.has(file)) return true;
  if (file === '' || normalize(file).split(sep).includes('..')) return false;
  if (!isAbsolute(file)) return true;
  const inside = (dir: string): boolean => {
    const r = relative(resolve(dir), resolve(file));
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  return inside(tmpdir()) || (pcapDir !== undefined && inside(pcapDir));
}

/** iproute2 words after which a namespace is named: `netns NS`, and the global option `-n`/`-netns` (any abbreviation). */
function namesNamespace(word: string): boolean {
  return word === 'netns' || /^--?n(e(t(ns?)?)?)?$/.test(word);
}

/** The net-tools commands and the package that has them. */
const NET_TOOLS: Readonly<Record<string, string>> = { route: 'net-tools', arp: 'net-tools', tc: 'iproute2' };

/** Every refusal for the commands of `scenarios` (preambles first, the scenario last), each naming its line. */
export function replayRefusals(scenarios: readonly Scenario[], options: RefusalOptions = {}): string[] {
  const problems: string[] = [];
  for (const s of scenarios) {
    if (!s.engines.includes('kernel')) {
      problems.push(`twinnet replay: ${s.file} declares "# engines: ${s.engines.join(',')}": it runs on the simulator only, not on the kernel`);
    }
  }
  const commands = scenarios.flatMap((s) => scenarioCommands(s));
  const created = new Set(commands.flatMap((c) => (c.kind === 'netns.add' ? [c.name] : [])));
  const refuse = (c: Command, why: string): void => {
    const text = `twinnet replay: refusing ${formatCommandSite(c)}: ${why}`;
    if (!problems.includes(text)) problems.push(text);
  };
  const checkNamespace = (c: Command, name: string, how: string): void => {
    const bad = namespaceNameProblem(name);
    if (bad !== undefined) refuse(c, bad);
    else if (!created.has(name)) {
      refuse(c, `${how} "${name}" is not a namespace this scenario creates (ip netns add ${name}); a replay runs only in its own sandbox namespaces, never in the machine's or another's`);
    }
  };
  const missingTools = new Set<string>();
  for (const c of commands) {
    if (c.kind === 'netns.add' || c.kind === 'netns.del') {
      const bad = namespaceNameProblem(c.name);
      if (bad !== undefined) refuse(c, bad);
    } else {
      for (const i of c.netnsArgs) checkNamespace(c, c.argv[i] ?? '', 'the namespace');
    }
    if (c.namespace !== undefined) checkNamespace(c, c.namespace, 'the namespace');
    if (c.kind === 'shell.enter') checkNamespace(c, c.into, 'the shell\'s namespace');
    const tool = c.argv[0] ?? '';
    if ((tool === 'ip' || tool === 'bridge' || tool === 'tc') && !c.kind.startsWith('netns.')) {
      c.argv.forEach((w, i) => {
        if (i > 0 && namesNamespace(w) && !c.netnsArgs.includes(i + 1)) refuse(c, `"${w} ${c.argv[i + 1] ?? ''}" names a namespace the replay cannot map to its sandbox`);
        if (/^link-netns/.test(w)) refuse(c, `"${w}" names a namespace by number, outside the sandbox`);
      });
    }
    if (c.kind === 'sysctl') {
      for (const s of c.settings) if (!s.key.startsWith('net.')) refuse(c, `the sysctl "${s.key}" is the machine's, not a namespace's`);
    }
    if (c.kind === 'nc' && c.argv.some((w) => /^-[^-]*U/.test(w))) refuse(c, '"nc -U" reaches a unix socket of the machine');
    if (c.kind === 'tcpdump' && c.writeFile !== undefined && !writablePath(c.writeFile, options.pcapDir)) {
      refuse(c, `the file "${c.writeFile}" is outside the run's directories (a relative path without "..", or one under ${options.pcapDir ?? 'the pcap directory'} or ${tmpdir()})`);
    }
    for (const r of c.redirections) {
      if (r.op !== '>&' && !writablePath(r.target, options.pcapDir)) {
        refuse(c, `the redirection to "${r.target}" is outside the run's directories (a relative path without "..", /dev/null, or one under ${options.pcapDir ?? 'the pcap directory'} or ${tmpdir()})`);
      }
    }
    if ((c.kind === 'httpd' || c.kind === 'curl') && options.appsAvailable !== true) {
      refuse(c, `twinnet's own ${c.kind} for the kernel (kernel-adapter/apps/${c.kind}.ts) is not available in this checkout`);
    }
    const pkg = NET_TOOLS[tool];
    if (pkg !== undefined && !missingTools.has(tool) && !hasTool(tool)) {
      missingTools.add(tool);
      refuse(c, `the tool "${tool}" is missing: apt-get install ${pkg}`);
    }
  }
  return problems;
}
