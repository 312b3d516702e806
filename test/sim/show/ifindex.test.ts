import { describe, expect, it } from 'vitest';
import { Network } from '../../../sim/network.ts';
import { showLinks } from '../../../sim/show/ip-link.ts';
import { expectSame, loopbackUp, mac, Recording } from './fixtures.ts';

/**
 * The kernel allocates the next free index, peer first: fixtures/show/links.out, `ip link` after
 * `ip link add veth1 … peer name ceth1 …` in a fresh namespace:
 *   2: ceth1@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
 *   3: veth1@ceth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
 */
describe('ifindex allocation', () => {
  it('a new veth pair takes the next free indexes, peer first (kernel: ceth1 2, veth1 3)', () => {
    const k = new Recording('links');
    const net = new Network();
    loopbackUp(net.global);
    net.addNamespace('tw-show-links');
    k.next('ip link');
    k.next('ip addr');
    k.next('ip netns list');
    net.addVeth(net.global, 'veth1', 'ceth1', net.global, { mac: mac('02:00:00:00:01:01'), peerMac: mac('02:00:00:00:01:02') });
    expectSame(showLinks(net, net.global), k.next('ip link'));
  });

  it('a new bridge takes the next free index (kernel: 2 in a namespace with only lo)', () => {
    const net = new Network();
    const bridge = net.addBridge(net.global, 'br0');
    expect(typeof bridge === 'string' ? bridge : bridge.ifindex).toBe(2);
  });
});
