import { describe, expect, it } from 'vitest';
import { CONF_KEYS, NEIGH_KEYS } from '../../l3/sysctl.ts';
import { CONF_DEFAULTS, NEIGH_DEFAULTS, namespaceSysctls, neighSysctls } from '../../kernel-adapter/sysctl-defaults.ts';

// The adapter may not import the simulator; this test holds the two lists together instead.
describe('kernel-adapter sysctl defaults agree with the simulator', () => {
  it('sets every conf key the simulator models, at its default', () => {
    expect(CONF_DEFAULTS).toEqual(Object.fromEntries(Object.entries(CONF_KEYS).map(([k, v]) => [k, v.default])));
  });

  it('sets neighbour keys the simulator knows', () => {
    for (const key of Object.keys(NEIGH_DEFAULTS)) expect(NEIGH_KEYS, key).toHaveProperty(key);
  });

  it('writes ip_forward before conf.all.forwarding (writing it rewrites every forwarding flag) and IPv6 last', () => {
    const keys = namespaceSysctls({ ipv6: false }).map((s) => s.key);
    expect(keys.indexOf('net.ipv4.ip_forward')).toBeLessThan(keys.indexOf('net.ipv4.conf.all.forwarding'));
    expect(keys.slice(-2)).toEqual(['net.ipv6.conf.all.disable_ipv6', 'net.ipv6.conf.default.disable_ipv6']);
    expect(namespaceSysctls({ ipv6: true }).slice(-1)[0]).toMatchObject({ value: 0 });
  });

  it('builds paths from parts, so a device name with dots stays one path element', () => {
    expect(neighSysctls('eth0.100')[0]).toEqual({ key: 'net.ipv4.neigh.eth0.100.base_reachable_time_ms', path: '/proc/sys/net/ipv4/neigh/eth0.100/base_reachable_time_ms', value: 30000 });
  });
});
