import { describe, expect } from 'vitest';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { Network } from '../../../sim/network.ts';
import { showAddresses } from '../../../sim/show/ip-addr.ts';
import { showLinks } from '../../../sim/show/ip-link.ts';
import { showRoutes } from '../../../sim/show/ip-route.ts';
import { listNetns } from '../../../sim/show/netns.ts';
import { addAddress, createVeth, dev, expectSame, loopbackUp, replayFixture } from './fixtures.ts';
import { dumpState } from '../../../sim/show/state.ts';

/** fixtures/show/links.sh on the simulator: a veth pair through its states, moved to a named namespace. */
describe('ip link / ip addr (fixtures/show/links.sh)', () => {
  replayFixture(
    'links',
    (show) => {
      const net = new Network();
      const g = net.global;
      loopbackUp(g);
      const n = net.addNamespace('tw-show-links') as NetNamespace;
      show('ip link', () => showLinks(net, g));
      show('ip addr', () => showAddresses(net, g));
      show('ip netns list', () => listNetns(net, g));
      createVeth(net, g, 'veth1', '02:00:00:00:01:01', 'ceth1', '02:00:00:00:01:02');
      show('ip link', () => showLinks(net, g));
      show('ip -br link', () => showLinks(net, g, { brief: true }));
      show('ip -j link', () => showLinks(net, g, { json: true }), (actual, block) => {
        expectSame(actual, block);
        expect(dumpState(net, g).links).toEqual(JSON.parse(block.stdout));
      });
      show('ip -d link', () => showLinks(net, g, { details: true }));
      show('ip link show dev veth9', () => showLinks(net, g, { device: 'veth9' }));
      show('ip addr show dev veth9', () => showAddresses(net, g, { device: 'veth9' }));
      dev(g, 'veth1').open();
      show('ip link show veth1', () => showLinks(net, g, { device: 'veth1' }));
      show('ip link show ceth1', () => showLinks(net, g, { device: 'ceth1' }));
      show('ip -o link', () => showLinks(net, g, { oneline: true }));
      show('ip -j -p link show veth1', () => showLinks(net, g, { json: true, pretty: true, device: 'veth1' }));
      dev(g, 'ceth1').open();
      show('ip -br link', () => showLinks(net, g, { brief: true }));
      show('ip -j -d link show ceth1', () => showLinks(net, g, { json: true, details: true, device: 'ceth1' }));
      expect(net.moveDevice(dev(g, 'ceth1'), n)).toBeUndefined();
      show('ip netns list', () => listNetns(net, g));
      show('ip link', () => showLinks(net, g));
      show('ip -j link', () => showLinks(net, g, { json: true }));
      show('ip netns exec tw-show-links ip link', () => showLinks(net, n));
      show('ip netns exec tw-show-links ip -j link', () => showLinks(net, n, { json: true }));
      show('ip netns exec tw-show-links ip netns list', () => listNetns(net, n));
      addAddress(n, 'ceth1', '172.20.0.11/16');
      show('ip netns exec tw-show-links ip addr', () => showAddresses(net, n));
      dev(n, 'ceth1').open();
      loopbackUp(n);
      addAddress(g, 'veth1', '172.20.0.1/16');
      show('ip addr', () => showAddresses(net, g));
      show('ip -br addr', () => showAddresses(net, g, { brief: true }));
      show('ip -o addr', () => showAddresses(net, g, { oneline: true }));
      show('ip -j addr', () => showAddresses(net, g, { json: true }), (actual, block) => {
        expectSame(actual, block);
        expect(dumpState(net, g).addresses).toEqual(JSON.parse(block.stdout));
      });
      show('ip -p -j addr show veth1', () => showAddresses(net, g, { json: true, pretty: true, device: 'veth1' }));
      show('ip netns exec tw-show-links ip addr', () => showAddresses(net, n));
      show('ip netns exec tw-show-links ip -br link', () => showLinks(net, n, { brief: true }));
      show('ip -d link show veth1', () => showLinks(net, g, { details: true, device: 'veth1' }));
      show('ip -o -d link show veth1', () => showLinks(net, g, { oneline: true, details: true, device: 'veth1' }));
      dev(g, 'veth1').close();
      show('ip link show veth1', () => showLinks(net, g, { device: 'veth1' }));
      show('ip netns exec tw-show-links ip link show ceth1', () => showLinks(net, n, { device: 'ceth1' }));
      show('ip -j addr show veth1', () => showAddresses(net, g, { json: true, device: 'veth1' }));
      show('ip route', () => showRoutes(net, g));
      show('ip route show table local', () => showRoutes(net, g, { table: 'local' }));
    },
  );
});
