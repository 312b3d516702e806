import { describe } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { Network } from '../../../sim/network.ts';
import { showAddresses } from '../../../sim/show/ip-addr.ts';
import { showLinks } from '../../../sim/show/ip-link.ts';
import { showNeighbours } from '../../../sim/show/ip-neigh.ts';
import { getRoute, showRoutes } from '../../../sim/show/ip-route.ts';
import { showArp, showRouteTable } from '../../../sim/show/net-tools.ts';
import { listNetns } from '../../../sim/show/netns.ts';
import { addAddress, addRoute, createVeth, dev, ip, loopbackUp, ping, replayFixture } from './fixtures.ts';

/** fixtures/show/tutorial.sh on the simulator: the seed tutorial's parts (a)-(c) with the tutorial's MACs. */
describe('the seed tutorial, parts (a)-(c) (fixtures/show/tutorial.sh)', () => {
  replayFixture(
    'tutorial',
    (show) => {
      const net = new Network();
      const g = net.global;
      loopbackUp(g);
      const netns1 = net.addNamespace('netns1') as NetNamespace;
      show('ip netns list', () => listNetns(net, g));
      createVeth(net, g, 'veth1', '26:17:84:f3:08:23', 'ceth1', '1e:9d:82:e6:7d:4d');
      show('ip link list', () => showLinks(net, g));
      net.moveDevice(dev(g, 'ceth1'), netns1);
      show('ip netns list', () => listNetns(net, g));
      show('ip netns exec netns1 ip link list', () => showLinks(net, netns1));
      show('ip netns exec netns1 ip a', () => showAddresses(net, netns1));
      addAddress(netns1, 'ceth1', '172.20.0.11/16');
      dev(netns1, 'ceth1').open();
      loopbackUp(netns1);
      show('ip netns exec netns1 ip addr', () => showAddresses(net, netns1));
      addAddress(g, 'veth1', '172.20.0.1/16');
      dev(g, 'veth1').open();
      show('ip link', () => showLinks(net, g));
      show('ip addr', () => showAddresses(net, g));
      show('ip netns exec netns1 ip link', () => showLinks(net, netns1));
      show('ip netns exec netns1 ip addr', () => showAddresses(net, netns1));
      show('ip netns exec netns1 ip route', () => showRoutes(net, netns1));
      show('ip netns exec netns1 route -n', () => showRouteTable(net, netns1, { numeric: true }));
      show('ip netns exec netns1 ip route get 192.0.2.50', () => getRoute(net, netns1, ip('192.0.2.50')));
      addRoute(netns1, 'default', { via: '172.20.0.1' });
      show('ip netns exec netns1 ip route', () => showRoutes(net, netns1));
      show('ip netns exec netns1 route -n', () => showRouteTable(net, netns1, { numeric: true }));
      show('ip netns exec netns1 ip route get 192.0.2.50', () => getRoute(net, netns1, ip('192.0.2.50')));
      ping(net, netns1, '172.20.0.1', { timeout: SECOND });
      show('ip netns exec netns1 arp -an', () => showArp(net, netns1, { all: true }));
      show('ip netns exec netns1 ip neigh', () => showNeighbours(net, netns1));
      const netns2 = net.addNamespace('netns2') as NetNamespace;
      createVeth(net, g, 'veth2', '42:43:18:bf:4e:06', 'ceth2', '5a:27:9b:e3:82:53', netns2);
      addAddress(netns2, 'ceth2', '172.20.0.12/16');
      dev(netns2, 'ceth2').open();
      loopbackUp(netns2);
      addAddress(g, 'veth2', '172.20.0.2/16');
      dev(g, 'veth2').open();
      show('ip netns list', () => listNetns(net, g));
      show('ip netns exec netns2 ip addr show ceth2', () => showAddresses(net, netns2, { device: 'ceth2' }));
      show('ip addr show veth2', () => showAddresses(net, g, { device: 'veth2' }));
      show('ip addr show veth1', () => showAddresses(net, g, { device: 'veth1' }));
      show('ip route', () => showRoutes(net, g));
      show('route -n', () => showRouteTable(net, g, { numeric: true }));
      show('ip route get 172.20.0.12', () => getRoute(net, g, ip('172.20.0.12')));
      show('ip netns exec netns2 ip netns list', () => listNetns(net, netns2));
      show('ip -br link', () => showLinks(net, g, { brief: true }));
    },
    [],
  );
});
