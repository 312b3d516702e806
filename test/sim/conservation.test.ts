import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import { Network } from '../../sim/network.ts';
import { instrumentConservation, settleLedger, type Ledger } from '../../sim/properties/conservation.ts';
import { simulate } from '../../sim/runner.ts';
import { topologyArbitrary, topologyScript } from '../support/topology.ts';

/**
 * Frame conservation (DESIGN.md §3 "Frames: every frame is accounted for"), whose books are kept by
 * sim/properties/conservation.ts (reused by twinnet fuzz): on random small networks with random
 * pings, every frame a device transmits is delivered to a namespace's stack or dropped with a named reason that
 * shows in the run's drop records. Frames are followed by identity (a veth hands its peer the same buffer; a bridge
 * forwards and floods the same buffer) through the devices' capture taps, the stacks' `receive` and `drop`:
 * - a transmission (a tap sees it leave a device that is not a bridge) puts a copy on the wire;
 * - a copy arriving (a tap sees it come into such a device) is either received by that namespace's stack at once,
 *   or held by the bridge the device is a port of;
 * - a held copy is forwarded (the bridge transmits it on a port: a new copy on the wire), passed up to the bridge
 *   device's own stack, or dropped; a frame the stack sends through a bridge device is held the same way;
 * - a copy on the wire that never arrives (the peer is down, or the frame is too big for it) is dropped.
 * At the end, with the clock run until nothing is pending, nothing may be left on a wire or held, no stack may
 * receive a frame that did not arrive, and no copy may arrive that was never sent.
 */

/** Runs a script with every frame followed (sim/properties/conservation.ts); the ledger, its violations settled. */
function conserve(script: string): Ledger {
  const net = new Network();
  const ledger = instrumentConservation(net);
  const parsed = parseScenario(script, { file: 'topology.sh' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  simulate(parsed.value, { network: net });
  // Let everything in flight land and every timer run out (neighbour probes, FDB ageing), then close the books.
  const violations = settleLedger(net, ledger);
  ledger.violations.splice(0, ledger.violations.length, ...violations);
  return ledger;
}

describe('frame conservation on random networks', () => {
  it('every transmitted frame is delivered to a stack or dropped with a named reason', () => {
    let transmitted = 0;
    let received = 0;
    const stages = new Map<string, number>();
    fc.assert(
      fc.property(topologyArbitrary(), (topology) => {
        const script = topologyScript(topology);
        const ledger = conserve(script);
        expect(ledger.violations, script).toEqual([]);
        transmitted += ledger.transmitted;
        received += ledger.received;
        for (const d of ledger.drops) stages.set(`${d.stage}: ${d.reason}`, (stages.get(`${d.stage}: ${d.reason}`) ?? 0) + 1);
      }),
      { numRuns: 200, seed: 0x5eed },
    );
    // The networks did carry traffic and did lose some of it, in several ways.
    expect(transmitted).toBeGreaterThan(1000);
    expect(received).toBeGreaterThan(500);
    expect([...stages.keys()].filter((k) => !k.startsWith('in the stack')).length).toBeGreaterThanOrEqual(3);
  });

  it('catches a frame lost without a record (a bridge with no port to flood to)', () => {
    // The bridge's own transmission with no forwarding port must still end in a named drop.
    const ledger = conserve(['ip link add br0 type bridge', 'ip addr add 10.9.0.1/24 dev br0', 'ip link set br0 up', 'ping -c 1 -W 1 10.9.0.2'].join('\n'));
    expect(ledger.violations).toEqual([]);
  });
});
