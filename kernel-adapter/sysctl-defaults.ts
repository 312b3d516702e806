/**
 * The IPv4 sysctls the simulator models, at the simulator's defaults (which are the kernel's compiled-in
 * defaults). A new network namespace copies the host's IPv4 settings (KERNEL-NOTES.md), so the sandbox writes
 * every one of them explicitly before any device exists.
 */

/** `net.ipv4.conf.{all,default}.*` keys and defaults (include/linux/inetdevice.h, net/ipv4/devinet.c ipv4_devconf). */
export const CONF_DEFAULTS = {
  forwarding: 0,
  arp_ignore: 0,
  arp_announce: 0,
  arp_filter: 0,
  arp_accept: 0,
  arp_notify: 0,
  rp_filter: 0,
  send_redirects: 1,
  accept_redirects: 1,
  accept_local: 0,
  route_localnet: 0,
  log_martians: 0,
  proxy_arp: 0,
  promote_secondaries: 0,
  ignore_routes_with_linkdown: 0,
} as const satisfies Record<string, number>;

/** `net.ipv4.neigh.*` keys at arp_tbl's defaults (net/ipv4/arp.c: arp_tbl; times as the sysctl shows them). */
export const NEIGH_DEFAULTS = {
  base_reachable_time_ms: 30_000,
  retrans_time_ms: 1_000,
  delay_first_probe_time: 5,
  gc_stale_time: 60,
  ucast_solicit: 3,
  mcast_solicit: 3,
  app_solicit: 0,
  mcast_resolicit: 0,
  locktime: 100,
  unres_qlen_bytes: 212_992,
} as const satisfies Record<string, number>;

/** Per-namespace scalars (net/ipv4/sysctl_net_ipv4.c ipv4_net_table, net/ipv4/icmp.c defaults). */
export const NET_DEFAULTS = {
  'net.ipv4.ip_forward': 0,
  'net.ipv4.ip_default_ttl': 64,
  'net.ipv4.icmp_ratelimit': 1000,
  'net.ipv4.icmp_ratemask': 6168,
  'net.ipv4.icmp_echo_ignore_broadcasts': 1,
} as const satisfies Record<string, number>;

/** One sysctl: its dotted key as sysctl(8) prints it, its /proc/sys path, and the value a sandbox gets. */
export interface SysctlSetting {
  readonly key: string;
  readonly path: string;
  readonly value: number;
}

/** A setting from the key's parts (a device name may hold dots, so paths are built from parts, never split). */
function setting(parts: readonly string[], value: number): SysctlSetting {
  return { key: parts.join('.'), path: `/proc/sys/${parts.join('/')}`, value };
}

/**
 * Every per-namespace setting, in the order it must be written: `ip_forward` first, because writing it also
 * rewrites `conf.all.forwarding` and every device's (net/ipv4/devinet.c: inet_forward_change()); IPv6 last.
 */
export function namespaceSysctls(options: { readonly ipv6: boolean }): SysctlSetting[] {
  const out: SysctlSetting[] = Object.entries(NET_DEFAULTS).map(([key, value]) => setting(key.split('.'), value));
  for (const scope of ['all', 'default']) {
    for (const [name, value] of Object.entries(CONF_DEFAULTS)) out.push(setting(['net', 'ipv4', 'conf', scope, name], value));
  }
  const disable = options.ipv6 ? 0 : 1;
  out.push(setting(['net', 'ipv6', 'conf', 'all', 'disable_ipv6'], disable), setting(['net', 'ipv6', 'conf', 'default', 'disable_ipv6'], disable));
  return out;
}

/** The neighbour settings as `net.ipv4.neigh.SCOPE.*` (SCOPE `default`, or a device name). */
export function neighSysctls(scope: string): SysctlSetting[] {
  return Object.entries(NEIGH_DEFAULTS).map(([name, value]) => setting(['net', 'ipv4', 'neigh', scope, name], value));
}
