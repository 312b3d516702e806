import { describe } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import type { NetNamespace } from '../../../l3/namespace.ts';
import { Network } from '../../../sim/network.ts';
import { showFdb } from '../../../sim/show/bridge.ts';
import { showAddresses } from '../../../sim/show/ip-addr.ts';
import { showLinks } from '../../../sim/show/ip-link.ts';
import { listNetns } from '../../../sim/show/netns.ts';
import type { ShowResult } from '../../../sim/show/result.ts';
import { addAddress, createBridge, createVeth, dev, expectSame, loopbackUp, ping, replayFixture, type Block } from './fixtures.ts';

/**
 * The bridge's STP and garbage-collection timers count down in real time on the kernel (`forward_delay_timer
 * 14.77`, `gc_timer 287.31`); twinnet does not model them and prints 0.00. They are masked on both sides.
 */
function expectSameButTimers(actual: ShowResult, block: Block): void {
  const mask = (s: string): string => s.replace(/(_timer)( +\d+\.\d\d|":\d+\.\d\d)/g, '$1=T');
  expectSame({ ...actual, stdout: mask(actual.stdout) }, { ...block, stdout: mask(block.stdout) });
}

const BRIDGE_STATS =
  'a bridge counts received bytes without the Ethernet header (br_pass_frame_up() adds skb->len after the MAC header is pulled): the kernel shows RX 196 bytes for 3 packets (28 + 84 + 84), the model 238; and its TX dropped 1 is the IGMPv3 report the addressed bridge sent before its port forwarded, which the model does not send';

/** fixtures/show/extras.sh on the simulator. */
describe('bridge with a hand-set MAC, port details, counters (fixtures/show/extras.sh)', () => {
  replayFixture(
    'extras',
    (show) => {
      const net = new Network();
      const g = net.global;
      loopbackUp(g);
      const x = net.addNamespace('tw-show-x') as NetNamespace;
      const br9 = createBridge(net, g, 'br9', '02:00:00:00:0b:09');
      createVeth(net, g, 'veth1', '02:00:00:00:01:01', 'ceth1', '02:00:00:00:01:02', x);
      br9.addPort(dev(g, 'veth1'));
      br9.open();
      dev(g, 'veth1').open();
      dev(x, 'ceth1').open();
      addAddress(g, 'br9', '192.0.2.1/24');
      addAddress(x, 'ceth1', '192.0.2.2/24');
      ping(net, g, '192.0.2.2', { count: 2, interval: SECOND / 5, timeout: SECOND });
      show('bridge fdb show', () => showFdb(net, g));
      show('bridge -p -j fdb show br br9', () => showFdb(net, g, { json: true, pretty: true, bridge: 'br9' }));
      show('bridge fdb show dev br9', () => showFdb(net, g, { device: 'br9' }));
      show('ip -d link show veth1', () => showLinks(net, g, { details: true, device: 'veth1' }), expectSameButTimers);
      show('ip -j -d link show veth1', () => showLinks(net, g, { json: true, details: true, device: 'veth1' }), expectSameButTimers);
      show('ip -s link show br9', () => showLinks(net, g, { stats: 1, device: 'br9' }));
      show('ip -s addr show br9', () => showAddresses(net, g, { stats: 1, device: 'br9' }));
      show('ip -j -s link show br9', () => showLinks(net, g, { json: true, stats: 1, device: 'br9' }));
      show('ip -o -s link show br9', () => showLinks(net, g, { oneline: true, stats: 1, device: 'br9' }));
      show('ip -br -j link', () => showLinks(net, g, { brief: true, json: true }));
      show('ip -j netns list', () => listNetns(net, g, { json: true }));
      show('ip netns exec tw-show-x ip -j netns list', () => listNetns(net, x, { json: true }));
      show('ip -d link show br9', () => showLinks(net, g, { details: true, device: 'br9' }), expectSameButTimers);
    },
    [
      { block: 6, command: 'ip -s link show br9', reason: BRIDGE_STATS },
      { block: 7, command: 'ip -s addr show br9', reason: BRIDGE_STATS },
      { block: 8, command: 'ip -j -s link show br9', reason: BRIDGE_STATS },
      { block: 9, command: 'ip -o -s link show br9', reason: BRIDGE_STATS },
    ],
  );
});
