import type { Command, Sysctl } from '../../core/scenario/index.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { CONF_KEYS, NEIGH_KEYS, type ConfKey } from '../../l3/sysctl.ts';
import { done, type ExecContext, type Outcome } from './context.ts';

/** One sysctl file: how to read and write it in a namespace. */
interface SysctlEntry {
  get(): number;
  set(value: number): void;
}

/**
 * The sysctls twinnet models (DESIGN.md §2), resolved against one namespace. As in every namespace but the
 * first, `net.ipv4.neigh.default.*` does not exist (measured: fixtures/nud/README.md), and a device's keys exist
 * while the device does.
 */
function lookup(ns: NetNamespace, key: string): SysctlEntry | undefined {
  const parts = key.split('.');
  if (key === 'net.ipv4.ip_forward') return { get: () => ns.confAll.get('forwarding'), set: (v) => setForwarding(ns, v) };
  if (key === 'net.ipv4.ip_default_ttl') return { get: () => ns.defaultTtl, set: (v) => (ns.defaultTtl = v) };
  if (key === 'net.ipv4.icmp_echo_ignore_broadcasts') return { get: () => ns.icmp.echoIgnoreBroadcasts, set: (v) => (ns.icmp.echoIgnoreBroadcasts = v) };
  if (key === 'net.ipv4.icmp_ratelimit') return { get: () => ns.icmp.ratelimitMs, set: (v) => (ns.icmp.ratelimitMs = v) };
  if (key === 'net.ipv4.icmp_ratemask') return { get: () => ns.icmp.ratemask, set: (v) => (ns.icmp.ratemask = v) };
  if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv4' && parts[2] === 'conf') {
    const [, , , scope, name] = parts as [string, string, string, string, string];
    if (!(name in CONF_KEYS)) return undefined;
    const conf = name as ConfKey;
    if (scope === 'all') {
      return conf === 'forwarding'
        ? { get: () => ns.confAll.get('forwarding'), set: (v) => setForwarding(ns, v) }
        : { get: () => ns.confAll.get(conf), set: (v) => ns.confAll.values.set(conf, v) };
    }
    if (scope === 'default') {
      return {
        get: () => ns.confDefault.get(conf),
        set: (v) => {
          ns.confDefault.values.set(conf, v);
          // devinet_copy_dflt_conf(): devices that never set this key follow the default (not forwarding).
          if (conf !== 'forwarding') for (const c of ns.devConf.values()) if (!c.explicit.has(conf)) c.values.set(conf, v);
        },
      };
    }
    const device = ns.device(scope);
    const devConf = device ? ns.devConf.get(device) : undefined;
    if (!devConf) return undefined;
    return {
      get: () => devConf.get(conf),
      set: (v) => {
        devConf.values.set(conf, v);
        devConf.explicit.add(conf);
      },
    };
  }
  if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv4' && parts[2] === 'neigh') {
    const [, , , scope, name] = parts as [string, string, string, string, string];
    const field = NEIGH_KEYS[name];
    const device = ns.device(scope);
    if (!field || !device) return undefined;
    const parms = ns.neighParmsOf(device);
    return {
      get: () => field.get(parms),
      set: (v) => {
        field.set(parms, v);
        if (name === 'base_reachable_time' || name === 'base_reachable_time_ms') ns.redrawReachableTime(parms);
      },
    };
  }
  if (parts.length === 5 && parts[0] === 'net' && parts[1] === 'ipv6' && parts[2] === 'conf' && parts[4] === 'disable_ipv6') {
    const scope = parts[3]!;
    if (scope === 'all' || scope === 'default') return { get: () => ns.ipv6Disabled[scope], set: (v) => (ns.ipv6Disabled[scope] = v) };
    if (ns.device(scope)) return { get: () => ns.ipv6Disabled.all, set: () => {} };
  }
  return undefined;
}

/** ip_forward and conf.all.forwarding are one value; writing it sets every device and the default (inet_forward_change()). */
function setForwarding(ns: NetNamespace, value: number): void {
  ns.confAll.values.set('forwarding', value);
  ns.confDefault.values.set('forwarding', value);
  for (const c of ns.devConf.values()) c.values.set('forwarding', value);
}

/** procps `sysctl [-w] [-q] [-n] [-e] key[=value]…`: prints `key = value`, errors in procps' words. */
export function sysctl({ ns, io, command }: ExecContext<Command & Sysctl>): Outcome {
  let status = 0;
  for (const setting of command.settings) {
    const path = `/proc/sys/${setting.key.replaceAll('.', '/')}`;
    const entry = lookup(ns, setting.key);
    if (!entry) {
      if (!command.ignoreUnknown) io.stderr(`sysctl: cannot stat ${path}: No such file or directory\n`);
      status = command.ignoreUnknown ? status : 1;
      continue;
    }
    if (setting.value !== undefined) {
      if (!Number.isInteger(setting.value)) {
        io.stderr(`sysctl: setting key "${setting.key}": Invalid argument\n`);
        status = 1;
        continue;
      }
      entry.set(setting.value);
      if (!command.quiet) io.stdout(command.valuesOnly ? `${setting.value}\n` : `${setting.key} = ${setting.value}\n`);
    } else {
      io.stdout(command.valuesOnly ? `${entry.get()}\n` : `${setting.key} = ${entry.get()}\n`);
    }
  }
  return done(status);
}
