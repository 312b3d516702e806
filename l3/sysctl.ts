import { MILLISECOND, SECOND } from '../core/clock.ts';
import type { NeighParms } from '../l2/neighbour.ts';

/**
 * IPv4 per-device configuration (`net.ipv4.conf.{all,default,DEV}.*`, include/linux/inetdevice.h). Each key
 * says how the effective value combines `all` and the device's own (IN_DEV_MAXCONF, IN_DEV_ORCONF, or the
 * device's value alone), and its kernel default.
 */
export const CONF_KEYS = {
  forwarding: { combine: 'device', default: 0 },
  arp_ignore: { combine: 'max', default: 0 },
  arp_announce: { combine: 'max', default: 0 },
  arp_filter: { combine: 'or', default: 0 },
  arp_accept: { combine: 'max', default: 0 },
  arp_notify: { combine: 'max', default: 0 },
  rp_filter: { combine: 'max', default: 0 },
  send_redirects: { combine: 'or', default: 1 },
  accept_redirects: { combine: 'device', default: 1 },
  accept_local: { combine: 'or', default: 0 },
  route_localnet: { combine: 'or', default: 0 },
  log_martians: { combine: 'or', default: 0 },
  proxy_arp: { combine: 'or', default: 0 },
  promote_secondaries: { combine: 'or', default: 0 },
  ignore_routes_with_linkdown: { combine: 'or', default: 0 },
} as const satisfies Record<string, { combine: 'device' | 'max' | 'or'; default: number }>;

export type ConfKey = keyof typeof CONF_KEYS;

/** The keys in a fixed order: a conf block stores its values by this index. */
const KEY_INDEX = new Map((Object.keys(CONF_KEYS) as ConfKey[]).map((key, i) => [key, i]));
const DEFAULTS = Int32Array.from((Object.keys(CONF_KEYS) as ConfKey[]).map((key) => CONF_KEYS[key].default));

/** A conf block's values, read and written by key (each device has one, so they are a small typed array). */
export class ConfValues {
  private readonly slots: Int32Array;

  constructor(from?: ConfValues) {
    this.slots = from ? from.slots.slice() : DEFAULTS.slice();
  }

  get(key: ConfKey): number {
    return this.slots[KEY_INDEX.get(key)!]!;
  }

  set(key: ConfKey, value: number): void {
    this.slots[KEY_INDEX.get(key)!] = value;
  }
}

/** Which keys of a block were written explicitly, as a bitmap. */
export class ConfKeySet {
  private bits = 0;

  add(key: ConfKey): void {
    this.bits |= 1 << KEY_INDEX.get(key)!;
  }

  has(key: ConfKey): boolean {
    return (this.bits & (1 << KEY_INDEX.get(key)!)) !== 0;
  }
}

/** One conf block: values plus which were written explicitly (struct ipv4_devconf's `state` bitmap). */
export class DevConf {
  readonly values: ConfValues;
  readonly explicit = new ConfKeySet();

  constructor(from?: DevConf) {
    this.values = new ConfValues(from?.values);
  }

  get(key: ConfKey): number {
    return this.values.get(key);
  }
}

/**
 * Neighbour sysctls (`net.ipv4.neigh.{default,DEV}.*`): name → how to read and write it on NeighParms. Times
 * keep the units the kernel shows: `_ms` in milliseconds, plain ones in seconds, `retrans_time` and `locktime`
 * in USER_HZ (1/100 s).
 */
export const NEIGH_KEYS: Record<string, { get(p: NeighParms): number; set(p: NeighParms, v: number): void }> = {
  base_reachable_time_ms: { get: (p) => p.baseReachableTime / MILLISECOND, set: (p, v) => (p.baseReachableTime = v * MILLISECOND) },
  base_reachable_time: { get: (p) => Math.floor(p.baseReachableTime / SECOND), set: (p, v) => (p.baseReachableTime = v * SECOND) },
  retrans_time_ms: { get: (p) => p.retransTime / MILLISECOND, set: (p, v) => (p.retransTime = v * MILLISECOND) },
  retrans_time: { get: (p) => Math.floor(p.retransTime / (10 * MILLISECOND)), set: (p, v) => (p.retransTime = v * 10 * MILLISECOND) },
  delay_first_probe_time: { get: (p) => Math.floor(p.delayProbeTime / SECOND), set: (p, v) => (p.delayProbeTime = v * SECOND) },
  gc_stale_time: { get: (p) => Math.floor(p.gcStaleTime / SECOND), set: (p, v) => (p.gcStaleTime = v * SECOND) },
  ucast_solicit: { get: (p) => p.ucastProbes, set: (p, v) => (p.ucastProbes = v) },
  mcast_solicit: { get: (p) => p.mcastProbes, set: (p, v) => (p.mcastProbes = v) },
  mcast_resolicit: { get: (p) => p.mcastReprobes, set: (p, v) => (p.mcastReprobes = v) },
  app_solicit: { get: (p) => p.appProbes, set: (p, v) => (p.appProbes = v) },
  locktime: { get: (p) => Math.floor(p.locktime / (10 * MILLISECOND)), set: (p, v) => (p.locktime = v * 10 * MILLISECOND) },
  unres_qlen_bytes: { get: (p) => p.queueLenBytes, set: (p, v) => (p.queueLenBytes = v) },
  // unres_qlen is shown as unres_qlen_bytes / SKB_TRUESIZE(ETH_FRAME_LEN) (neigh_proc_dointvec_unres_qlen()).
  unres_qlen: { get: (p) => Math.floor(p.queueLenBytes / UNRES_TRUESIZE), set: (p, v) => (p.queueLenBytes = v * UNRES_TRUESIZE) },
};

/** SKB_TRUESIZE(ETH_FRAME_LEN) on x86_64: 1514 + 256 + 320 = 2090, and 212992 / 2090 = 101, the kernel's unres_qlen default. */
export const UNRES_TRUESIZE = 2090;
