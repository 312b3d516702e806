/**
 * A kernel-adapter run's sandbox (DESIGN.md §4 "Names", "Sysctls", "Safety"): every scenario namespace, and the
 * scenario's global namespace, becomes a real named namespace `twn<run>-<name>`; interfaces keep the scenario's
 * names inside them. Each namespace is configured before any device exists in it: every IPv4 sysctl the
 * simulator models at the simulator's defaults, IPv6 off unless asked. Nothing here touches the machine's own
 * namespace; cleanup deletes every namespace of the run, however the process ends.
 */
import { readFileSync } from 'node:fs';
import { inNetns, runTool, runToolAsync, ToolError, type ToolOptions, type ToolResult } from './exec.ts';
import { onProcessEnd } from './exit-hooks.ts';
import { deleteNetns, killNetnsProcesses, listNetns, netnsExists, netnsIds } from './netns.ts';
import type { NameRewrite } from './rewrite.ts';
import { claimRunId, GLOBAL_SUFFIX, NETNS_PREFIX, removeRecord, writeRecord, type RunRecord } from './run-record.ts';
import { namespaceSysctls, NEIGH_DEFAULTS, neighSysctls, type SysctlSetting } from './sysctl-defaults.ts';

/** Options of a sandbox. */
export interface SandboxOptions {
  /** Keep IPv6 enabled in new namespaces (default false: `disable_ipv6=1` for `all` and `default`). */
  readonly ipv6?: boolean;
  /**
   * Bring `lo` up in new namespaces (default false): `ip netns add` leaves it down and so does the simulator,
   * in its global namespace too; scenarios say `ip link set lo up` themselves, as the tutorial does.
   */
  readonly loopbackUp?: boolean;
}

/**
 * How the neighbour defaults (`net.ipv4.neigh.default.*`) reach a sandbox's devices. The kernel registers that
 * sysctl in the initial namespace only (net/ipv4/arp.c: arp_init() → neigh_sysctl_register(NULL, …)), and every
 * new device copies arp_tbl's one global `parms` (net/core/neighbour.c: neigh_parms_alloc()), so a namespace
 * cannot set them. 'inherited': the host's values are arp_tbl's defaults, nothing to do. 'per-device': they are
 * not (or could not be read), so each device gets `net.ipv4.neigh.DEV.*` written after it is created or moved
 * (`applyNeighDefaults`), and `lo` at namespace creation.
 */
export type NeighDefaultsMode = 'inherited' | 'per-device';

/** What configuring one namespace did: each sysctl with the value read back. */
export interface NamespaceSetup {
  readonly name: string;
  readonly sysctls: readonly { readonly key: string; readonly value: number }[];
  readonly neighDefaults: NeighDefaultsMode;
}

/** What a cleanup did. */
export interface CleanupReport {
  readonly deleted: readonly string[];
  /** Namespaces still present afterwards (a bug: the sweep retries them). */
  readonly failed: readonly string[];
}

/** A scenario namespace name as iproute2 accepts it (ip/ipnetns.c: no '/', not '.' or '..'), kept short. */
function validScenarioName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && !name.includes('/') && name !== '.' && name !== '..' && !/[\0\s]/.test(name);
}

let hostNeighCheck: { mode: NeighDefaultsMode; differing: string[] } | undefined;

/** Compares the host's `net.ipv4.neigh.default.*` (read only) with arp_tbl's defaults, once per process. */
export function hostNeighDefaults(): { mode: NeighDefaultsMode; differing: string[] } {
  if (hostNeighCheck !== undefined) return hostNeighCheck;
  const differing: string[] = [];
  for (const [name, value] of Object.entries(NEIGH_DEFAULTS)) {
    let seen: string;
    try {
      seen = readFileSync(`/proc/sys/net/ipv4/neigh/default/${name}`, 'utf8').trim();
    } catch {
      seen = 'unreadable';
    }
    if (seen !== String(value)) differing.push(`net.ipv4.neigh.default.${name} = ${seen} (arp_tbl default ${value})`);
  }
  hostNeighCheck = { mode: differing.length === 0 ? 'inherited' : 'per-device', differing };
  return hostNeighCheck;
}

/**
 * The shell script that writes each `path=value` argument inside a namespace and reads it back: `V path value`
 * per setting, `M path` for one the kernel lacks there, `E path` for a refused write.
 */
const SYSCTL_SCRIPT = `for a; do p=\${a%=*}; v=\${a##*=}
if [ ! -e "$p" ]; then echo "M $p"; continue; fi
echo "$v" > "$p" 2>/dev/null || echo "E $p"
printf 'V %s %s\\n' "$p" "$(cat "$p")"; done`;

/** Writes `settings` inside `ns` and verifies each; throws naming every setting that could not be made. */
export function writeSysctls(ns: string, settings: readonly SysctlSetting[]): { key: string; value: number }[] {
  const r = runTool(inNetns(ns, ['sh', '-c', SYSCTL_SCRIPT, 'sh', ...settings.map((s) => `${s.path}=${s.value}`)]));
  if (r.status !== 0) throw new ToolError(r);
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const [tag, path, value] = line.split(' ');
    if (tag === 'V' && path !== undefined) seen.set(path, value ?? '');
    else if (tag === 'M') problems.push(`${path} does not exist in this namespace`);
    else if (tag === 'E') problems.push(`${path} refused the write`);
  }
  const out: { key: string; value: number }[] = [];
  for (const s of settings) {
    const v = seen.get(s.path);
    if (v === undefined) continue;
    if (v !== String(s.value)) problems.push(`${s.key} reads ${v} after writing ${s.value}`);
    out.push({ key: s.key, value: Number(v) });
  }
  if (problems.length > 0) throw new Error(`twinnet: cannot configure namespace ${ns}: ${problems.join('; ')}`);
  return out;
}

/** One run's sandbox namespaces. Create with `Sandbox.create()`; `cleanup()` (also run at process end) removes all. */
export class Sandbox {
  /** `twn<run>-`. */
  readonly prefix: string;
  private record: RunRecord;
  private readonly created: string[] = [];
  private closed = false;
  private readonly unregister: () => void;

  private constructor(
    record: RunRecord,
    readonly options: SandboxOptions,
  ) {
    this.record = record;
    this.prefix = `${NETNS_PREFIX}${record.runId}-`;
    this.unregister = onProcessEnd(() => this.cleanup());
  }

  /** Claims a run id not used by any record or namespace, and registers this run's cleanup at process end. */
  static create(options: SandboxOptions = {}): Sandbox {
    return new Sandbox(claimRunId(listNetns()), options);
  }

  /** The run id: 8 hex digits. */
  get runId(): string {
    return this.record.runId;
  }

  /** Whether `cleanup()` has run. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The sandbox namespace of a scenario namespace (undefined = the scenario's global one → `twn<run>-global`). */
  nsName(scenarioNs: string | undefined): string {
    if (scenarioNs === undefined) return `${this.prefix}${GLOBAL_SUFFIX}`;
    if (scenarioNs === GLOBAL_SUFFIX) throw new Error(`twinnet replay: the namespace name "${GLOBAL_SUFFIX}" is reserved by the kernel adapter for the scenario's global namespace`);
    if (!validScenarioName(scenarioNs)) throw new Error(`twinnet replay: invalid namespace name "${scenarioNs}"`);
    return `${this.prefix}${scenarioNs}`;
  }

  /** The scenario name of a sandbox namespace: undefined for the global one, null when it is not this run's. */
  scenarioName(sandboxNs: string): string | undefined | null {
    if (!sandboxNs.startsWith(this.prefix)) return null;
    const rest = sandboxNs.slice(this.prefix.length);
    return rest === GLOBAL_SUFFIX ? undefined : rest;
  }

  /**
   * How to rewrite output printed in a scenario namespace back to scenario names: the run's prefix, and the nsid
   * under which that namespace knows the sandbox global namespace (for `link-netns twn<run>-global`).
   */
  nameRewrite(viewerNs: string | undefined): NameRewrite {
    const viewer = this.nsName(viewerNs);
    const global = this.nsName(undefined);
    let globalNsid: number | undefined;
    if (viewerNs !== undefined && netnsExists(viewer)) {
      for (const [id, name] of netnsIds(viewer)) if (name === global) globalNsid = id;
    }
    return { prefix: this.prefix, globalNsid };
  }

  /** The sandbox namespaces that exist now, in creation order. */
  get namespaces(): readonly string[] {
    return this.created.filter((n) => netnsExists(n));
  }

  /**
   * Creates and configures the sandbox namespace of a scenario namespace: `ip netns add`, then every modelled
   * sysctl written and read back, then (if asked) `lo` up. Returns the failed tool result when `ip netns add`
   * fails (e.g. the name exists, for the replay to report), else what was configured.
   */
  addNamespace(scenarioNs: string | undefined): { ok: true; setup: NamespaceSetup } | { ok: false; result: ToolResult } {
    if (this.closed) throw new Error('twinnet: sandbox used after cleanup');
    const name = this.nsName(scenarioNs);
    if (!this.record.namespaces.includes(name)) {
      this.record = { ...this.record, namespaces: [...this.record.namespaces, name] };
      writeRecord(this.record);
    }
    const add = runTool(['ip', 'netns', 'add', name]);
    if (add.status !== 0) return { ok: false, result: add };
    this.created.push(name);
    const neigh = hostNeighDefaults();
    const settings = namespaceSysctls({ ipv6: this.options.ipv6 ?? false });
    if (neigh.mode === 'per-device') settings.push(...neighSysctls('lo'));
    const sysctls = writeSysctls(name, settings);
    if (this.options.loopbackUp === true) runOrThrow(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return { ok: true, setup: { name, sysctls, neighDefaults: neigh.mode } };
  }

  /** `addNamespace`, throwing on failure. */
  mustAddNamespace(scenarioNs: string | undefined): NamespaceSetup {
    const r = this.addNamespace(scenarioNs);
    if (!r.ok) throw new ToolError(r.result);
    return r.setup;
  }

  /**
   * Writes arp_tbl's defaults to `net.ipv4.neigh.DEV.*` of a device just created in (or moved into) a scenario
   * namespace, when the host's defaults differ from them (see NeighDefaultsMode); a no-op otherwise.
   */
  applyNeighDefaults(scenarioNs: string | undefined, device: string): void {
    if (hostNeighDefaults().mode === 'inherited') return;
    writeSysctls(this.nsName(scenarioNs), neighSysctls(device));
  }

  /** Deletes one scenario namespace's sandbox (`ip netns del`, after killing what runs in it). */
  deleteNamespace(scenarioNs: string | undefined): ToolResult {
    const name = this.nsName(scenarioNs);
    killNetnsProcesses(name);
    return runTool(['ip', 'netns', 'del', name]);
  }

  /** Runs `argv` inside a scenario namespace's sandbox, synchronously. */
  exec(scenarioNs: string | undefined, argv: readonly string[], options?: ToolOptions): ToolResult {
    return runTool(inNetns(this.nsName(scenarioNs), argv), options);
  }

  /** Runs `argv` inside a scenario namespace's sandbox, asynchronously. */
  execAsync(scenarioNs: string | undefined, argv: readonly string[], options?: ToolOptions): Promise<ToolResult> {
    return runToolAsync(inNetns(this.nsName(scenarioNs), argv), options);
  }

  /**
   * Deletes every namespace of the run (processes inside killed first), then the run's record. Idempotent and
   * synchronous; also runs at process exit, SIGINT, SIGTERM, SIGHUP and on an uncaught exception.
   */
  cleanup(): CleanupReport {
    const names = new Set([...this.record.namespaces, ...this.created, ...listNetns().filter((n) => n.startsWith(this.prefix))]);
    const deleted: string[] = [];
    const failed: string[] = [];
    for (const name of [...names].reverse()) {
      if (!netnsExists(name)) continue;
      if (deleteNetns(name)) deleted.push(name);
      else failed.push(name);
    }
    if (failed.length === 0) removeRecord(this.record.runId);
    if (!this.closed) {
      this.closed = true;
      this.unregister();
    }
    return { deleted, failed };
  }
}

function runOrThrow(argv: readonly string[]): void {
  const r = runTool(argv);
  if (r.status !== 0) throw new ToolError(r);
}

/** Runs `body` with a fresh sandbox and always cleans it up afterwards. */
export async function withSandbox<T>(body: (sandbox: Sandbox) => Promise<T> | T, options?: SandboxOptions): Promise<T> {
  const sandbox = Sandbox.create(options);
  try {
    return await body(sandbox);
  } finally {
    sandbox.cleanup();
  }
}
