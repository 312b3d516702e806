import { describe, expect, it } from 'vitest';
import { TABLE_MAIN } from '../../../l3/fib.ts';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { Network } from '../../../sim/network.ts';
import { showAddresses } from '../../../sim/show/ip-addr.ts';
import { getRoute, showRoutes } from '../../../sim/show/ip-route.ts';
import { showRouteTable } from '../../../sim/show/net-tools.ts';
import { dumpState } from '../../../sim/show/state.ts';
import { addAddress, addRoute, createVeth, dev, expectSame, ip, loopbackUp, Recording, replayFixture } from './fixtures.ts';

/** fixtures/show/routes.sh on the simulator: addresses of every kind, routes of every type, ip route get. */
describe('ip addr / ip route / route -n / ip route get (fixtures/show/routes.sh)', () => {
  replayFixture(
    'routes',
    (show) => {
      const net = new Network();
      const g = net.global;
      loopbackUp(g);
      const r = net.addNamespace('tw-show-r') as NetNamespace;
      createVeth(net, g, 'eth0', '02:00:00:00:00:01', 'p0', '02:00:00:00:00:02', r);
      dev(r, 'p0').open();
      addAddress(r, 'p0', '192.0.2.2/24');
      addAddress(g, 'eth0', '192.0.2.1/24');
      show('ip addr show dev eth0', () => showAddresses(net, g, { device: 'eth0' }));
      show('ip route', () => showRoutes(net, g));
      show('ip route show table local', () => showRoutes(net, g, { table: 'local' }));
      dev(g, 'eth0').open();
      show('ip route', () => showRoutes(net, g));
      addAddress(g, 'eth0', '192.0.2.9/24');
      addAddress(g, 'eth0', '198.51.100.1/24', { brd: '+', noprefixroute: true });
      addAddress(g, 'eth0', '203.0.113.1/24', { metric: 50 });
      addAddress(g, 'eth0', '203.0.113.5/24', { brd: '+', metric: 50 });
      show('ip addr show dev eth0', () => showAddresses(net, g, { device: 'eth0' }));
      show('ip -j addr show dev eth0', () => showAddresses(net, g, { json: true, device: 'eth0' }));
      show('ip -o addr show dev eth0', () => showAddresses(net, g, { oneline: true, device: 'eth0' }));
      show('ip -br addr show dev eth0', () => showAddresses(net, g, { brief: true, device: 'eth0' }));
      show('ip -br -j addr', () => showAddresses(net, g, { brief: true, json: true }));
      addRoute(g, 'default', { via: '192.0.2.2', dev: 'eth0', proto: 'dhcp', metric: 100 });
      addRoute(g, '10.9.0.0/16', { via: '192.0.2.2' });
      addRoute(g, '10.8.0.0/16', { dev: 'eth0', scope: 'link', src: '192.0.2.9' });
      addRoute(g, '10.9.1.0/24', { via: '192.0.2.2', dev: 'eth0', metric: 10 });
      addRoute(g, '10.9.1.7', { via: '192.0.2.2' });
      addRoute(g, '10.7.0.0/16', { type: 'unreachable' });
      addRoute(g, '10.6.0.0/16', { type: 'blackhole' });
      addRoute(g, '10.5.0.0/16', { type: 'prohibit' });
      addRoute(g, '10.4.0.0/16', { via: '192.0.2.2', table: 100 });
      show('ip route', () => showRoutes(net, g));
      show('ip -j route', () => showRoutes(net, g, { json: true }), (actual, block) => {
        expectSame(actual, block);
        expect(dumpState(net, g).routes.main).toEqual(JSON.parse(block.stdout));
      });
      show('ip -p -j route show table 100', () => showRoutes(net, g, { json: true, pretty: true, table: '100' }));
      show('ip route show table main', () => showRoutes(net, g, { table: 'main' }));
      show('ip route show table 100', () => showRoutes(net, g, { table: '100' }));
      show('ip route show table all', () => showRoutes(net, g, { table: 'all' }));
      show('ip route show table default', () => showRoutes(net, g, { table: 'default' }));
      show('ip route show table nosuch', () => showRoutes(net, g, { table: 'nosuch' }));
      show('ip route show dev eth0', () => showRoutes(net, g, { device: 'eth0' }));
      show('ip route show table local dev eth0', () => showRoutes(net, g, { table: 'local', device: 'eth0' }));
      show('route -n', () => showRouteTable(net, g, { numeric: true }));
      for (const a of ['10.9.0.5', '10.9.1.7', '192.0.2.2', '192.0.2.1', '127.0.0.1', '198.51.100.7', '203.0.113.7', '192.0.2.255', '10.7.0.1', '10.6.0.1', '10.5.0.1']) {
        show(`ip route get ${a}`, () => getRoute(net, g, ip(a)));
      }
      show('ip route get 192.0.2.2 from 192.0.2.9', () => getRoute(net, g, ip('192.0.2.2'), { from: ip('192.0.2.9') }));
      show('ip route get 192.0.2.2 from 10.1.1.1', () => getRoute(net, g, ip('192.0.2.2'), { from: ip('10.1.1.1') }));
      show('ip route get 192.0.2.50 oif eth0', () => getRoute(net, g, ip('192.0.2.50'), { oif: 'eth0' }));
      show('ip route get 192.0.2.50 oif nosuch', () => getRoute(net, g, ip('192.0.2.50'), { oif: 'nosuch' }));
      show('ip -j route get 10.9.0.5', () => getRoute(net, g, ip('10.9.0.5'), { json: true }));
      show('ip -j route get 192.0.2.1', () => getRoute(net, g, ip('192.0.2.1'), { json: true }));
      const removed = g.table(TABLE_MAIN).delete((x) => x.destination === 0 && x.prefixLength === 0, 0, 0);
      expect(typeof removed).toBe('object');
      show('ip route get 8.8.8.8', () => getRoute(net, g, ip('8.8.8.8')));
      dev(g, 'eth0').close();
      show('ip addr show dev eth0', () => showAddresses(net, g, { device: 'eth0' }));
      show('ip route', () => showRoutes(net, g));
      show('ip route show table local', () => showRoutes(net, g, { table: 'local' }));
    },
  );
});

describe('loopback (model)', () => {
  /**
   * `ip link set lo up` makes the kernel add 127.0.0.1/8 scope host (net/ipv4/devinet.c inetdev_event(),
   * NETDEV_UP on a loopback device). fixtures/show/links.out, first `ip addr` in a fresh namespace with lo up:
   *   1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
   *       link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
   *       inet 127.0.0.1/8 scope host lo
   *          valid_lft forever preferred_lft forever
   */
  it('lo gets 127.0.0.1/8 scope host when it comes up', () => {
    const k = new Recording('links');
    k.next('ip link');
    const net = new Network();
    net.global.loopback.open();
    expectSame(showAddresses(net, net.global), k.next('ip addr'));
  });
});
