/**
 * What this kernel offers (KERNEL-NOTES.md "What this kind of machine's kernel offers"): whether a link type
 * (`ip link add … type KIND`) or a qdisc (`tc qdisc add … KIND`) exists, probed inside a throwaway sandbox
 * namespace (never the host's) and cached for the process and, in /run/twinnet, for the boot.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { runTool } from './exec.ts';
import { RUN_DIR } from './run-record.ts';
import { Sandbox } from './sandbox.ts';

/** A kernel feature a scenario may need. */
export interface KernelFeature {
  readonly kind: 'link' | 'qdisc';
  readonly name: string;
}

/** What the probe found: feature key (`link:dummy`) → present. */
type FeatureTable = Record<string, boolean>;

interface CacheFile {
  readonly bootId: string;
  readonly release: string;
  readonly features: FeatureTable;
}

const CACHE_FILE = join(RUN_DIR, 'kernel-features.json');
const memory: FeatureTable = {};

/** The cache key of a feature. */
export function featureKey(f: KernelFeature): string {
  return `${f.kind}:${f.name}`;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function readCache(): FeatureTable {
  try {
    const c = JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as CacheFile;
    return c.bootId === bootId() && c.release === release() ? c.features : {};
  } catch {
    return {};
  }
}

function writeCache(features: FeatureTable): void {
  try {
    const c: CacheFile = { bootId: bootId(), release: release(), features: { ...readCache(), ...features } };
    writeFileSync(CACHE_FILE, `${JSON.stringify(c)}\n`);
  } catch {
    // The cache is an optimisation only.
  }
}

/** iproute2's words when the kernel has no such link type (rtnl_newlink: -EOPNOTSUPP from the missing rtnl_link_ops). */
export const UNKNOWN_LINK_TYPE = 'Error: Unknown device type.';
/** tc's words when the kernel has no such qdisc (qdisc_create(): no Qdisc_ops). */
export const UNKNOWN_QDISC = 'Error: Specified qdisc kind is unknown.';

/**
 * Whether each feature exists, probing the unknown ones in one throwaway sandbox namespace: a link type by
 * `ip link add twnprobe0 type KIND`, a qdisc by adding it as root of a veth. Only the tool's "unknown" answer
 * counts as missing; any other error (a kind that wants parameters) means the kernel knows the kind.
 */
export function probeKernelFeatures(features: readonly KernelFeature[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const cached = { ...readCache(), ...memory };
  const unknown = features.filter((f) => cached[featureKey(f)] === undefined);
  if (unknown.length > 0) {
    const sandbox = Sandbox.create();
    try {
      sandbox.mustAddNamespace('probe');
      const ns = sandbox.nsName('probe');
      let index = 0;
      let vethReady = false;
      for (const f of unknown) {
        let present: boolean;
        if (f.kind === 'link') {
          const name = `twnprobe${index++}`;
          const extra = f.name === 'veth' ? ['peer', 'name', `twnprobe${index++}`] : [];
          const r = runTool(['ip', '-n', ns, 'link', 'add', name, 'type', f.name, ...extra]);
          present = !r.stderr.includes(UNKNOWN_LINK_TYPE);
        } else {
          if (!vethReady) {
            runTool(['ip', '-n', ns, 'link', 'add', 'twnq0', 'type', 'veth', 'peer', 'name', 'twnq1']);
            vethReady = true;
          }
          runTool(['tc', '-n', ns, 'qdisc', 'del', 'dev', 'twnq0', 'root']);
          const r = runTool(['tc', '-n', ns, 'qdisc', 'add', 'dev', 'twnq0', 'root', f.name]);
          present = !r.stderr.includes(UNKNOWN_QDISC);
        }
        memory[featureKey(f)] = present;
      }
    } finally {
      sandbox.cleanup();
    }
    writeCache(memory);
  }
  const all = { ...readCache(), ...memory };
  for (const f of features) out.set(featureKey(f), all[featureKey(f)] ?? false);
  return out;
}
