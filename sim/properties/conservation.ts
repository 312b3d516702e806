/**
 * Frame conservation (DESIGN.md §3 "Frames: every frame is accounted for"), as a reusable property (issue 6; it
 * began in test/sim/conservation.test.ts): every frame a device transmits is delivered to a namespace's stack or
 * dropped with a named reason that shows in the run's drop records. Frames are followed by identity (a veth hands
 * its peer the same buffer; a bridge forwards and floods the same buffer) through the devices' capture taps, the
 * stacks' `receive` and `drop`:
 * - a transmission (a tap sees it leave a device that is not a bridge) puts a copy on the wire;
 * - a copy arriving (a tap sees it come into such a device) is either received by that namespace's stack at once,
 *   or held by the bridge the device is a port of;
 * - a held copy is forwarded (the bridge transmits it on a port: a new copy on the wire), passed up to the bridge
 *   device's own stack, or dropped; a frame the stack sends through a bridge device is held the same way;
 * - a copy on the wire that never arrives (the peer is down, or the frame is too big for it) is dropped.
 * At the end, with the clock run until nothing is pending, nothing may be left on a wire or held, no stack may
 * receive a frame that did not arrive, and no copy may arrive that was never sent.
 */
import { SECOND } from '../../core/clock.ts';
import type { DropReason, NetDevice } from '../../l2/device.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';

/** Frames that left or reached a device, per buffer. */
interface Tokens {
  wire: number;
  held: number;
  arriving: number;
}

/** Where a frame was when it was dropped. */
export type DropStage = 'before sending' | 'on the wire' | 'in a bridge' | 'in the stack';

/** The books of one run: frames followed, drops seen, and what did not add up. */
export interface Ledger {
  readonly tokens: Map<Uint8Array, Tokens>;
  readonly violations: string[];
  readonly drops: { reason: DropReason; stage: DropStage }[];
  transmitted: number;
  received: number;
  /** Frames being processed by a stack right now: drops of these are the stack's, after delivery. */
  readonly inStack: Map<Uint8Array, number>;
}

/** Every named reason (a Record, so that the compiler insists on each member of DropReason). */
const NAMED: Record<DropReason, true> = {
  'carrier down': true, 'device down': true, 'no route': true, 'arp failed': true, filtered: true, 'ttl exceeded': true,
  'forwarding off': true, 'queue full': true, 'neighbour gone': true, 'not for us': true, 'bad checksum': true, malformed: true, 'no socket': true,
  'ingress port': true, 'no port': true, martian: true, 'netem loss': true, 'rate limited': true, 'reverse path': true, 'no listener': true,
};
const DROP_REASONS = new Set(Object.keys(NAMED));

function tokensOf(ledger: Ledger, frame: Uint8Array): Tokens {
  let t = ledger.tokens.get(frame);
  if (!t) ledger.tokens.set(frame, (t = { wire: 0, held: 0, arriving: 0 }));
  return t;
}

/**
 * Follows every frame of `net` from now on: taps on every device created (and those that exist), the stacks'
 * receive and drop. Call before the scenario runs; `settleLedger()` after it.
 */
export function instrumentConservation(net: Network): Ledger {
  const ledger: Ledger = { tokens: new Map(), violations: [], drops: [], transmitted: 0, received: 0, inStack: new Map() };
  const tapped = new WeakSet<NetDevice>();
  const tap = (device: NetDevice): void => {
    if (tapped.has(device)) return;
    tapped.add(device);
    device.taps.add({
      frame: (dev, frame, direction) => {
        const t = tokensOf(ledger, frame);
        if (direction === 'out') {
          if (dev.kind === 'bridge') {
            t.held++;
            return;
          }
          ledger.transmitted++;
          if (dev.master && t.held > 0) t.held--;
          t.wire++;
          return;
        }
        if (dev.kind === 'bridge') {
          // br_pass_frame_up(): the bridge device receives a frame it held (or one it also flooded).
          if (t.held > 0) t.held--;
          t.arriving++;
          return;
        }
        if (t.wire === 0) ledger.violations.push(`${dev.name}: a frame arrived that no device sent`);
        else t.wire--;
        if (dev.master) t.held++;
        else t.arriving++;
      },
    });
  };
  const watch = (ns: NetNamespace): void => {
    for (const d of ns.devices) tap(d);
    tap(ns.loopback);
    const receive = ns.receive.bind(ns);
    ns.receive = (device, frame) => {
      const t = tokensOf(ledger, frame);
      if (t.arriving === 0) ledger.violations.push(`${ns.name}/${device.name}: the stack received a frame no tap saw arrive`);
      else t.arriving--;
      ledger.received++;
      ledger.inStack.set(frame, (ledger.inStack.get(frame) ?? 0) + 1);
      try {
        receive(device, frame);
      } finally {
        ledger.inStack.set(frame, ledger.inStack.get(frame)! - 1);
      }
    };
    const drop = ns.drop.bind(ns);
    ns.drop = (device, frame, reason) => {
      if (!DROP_REASONS.has(reason)) ledger.violations.push(`${ns.name}/${device?.name}: drop without a known reason: ${String(reason)}`);
      const t = ledger.tokens.get(frame);
      if ((ledger.inStack.get(frame) ?? 0) > 0) {
        ledger.drops.push({ reason, stage: 'in the stack' });
      } else if (t && t.held > 0) {
        t.held--;
        ledger.drops.push({ reason, stage: 'in a bridge' });
      } else if (t && t.wire > 0) {
        t.wire--;
        ledger.drops.push({ reason, stage: 'on the wire' });
      } else {
        ledger.drops.push({ reason, stage: 'before sending' });
      }
      drop(device, frame, reason);
    };
  };
  for (const ns of net.allNamespaces()) watch(ns);
  const addNamespace = net.addNamespace.bind(net);
  net.addNamespace = (name) => {
    const added = addNamespace(name);
    if (typeof added !== 'string') watch(added);
    return added;
  };
  const addVeth = net.addVeth.bind(net);
  net.addVeth = (...args) => {
    const pair = addVeth(...args);
    if (Array.isArray(pair)) pair.forEach(tap);
    return pair;
  };
  const addBridge = net.addBridge.bind(net);
  net.addBridge = (...args) => {
    const bridge = addBridge(...args);
    if (typeof bridge !== 'string') tap(bridge);
    return bridge;
  };
  const addDummy = net.addDummy.bind(net);
  net.addDummy = (...args) => {
    const dummy = addDummy(...args);
    if (typeof dummy !== 'string') tap(dummy);
    return dummy;
  };
  return ledger;
}

/**
 * Runs the clock until nothing is pending (neighbour probes, FDB ageing: at most an hour of virtual time), then
 * closes the books: every frame must have been delivered or dropped with a record. Returns the violations (empty
 * when the property holds). This moves the network's clock on: take what else you need of it first.
 */
export function settleLedger(net: Network, ledger: Ledger): string[] {
  const violations = [...ledger.violations];
  if (!net.scheduler.runUntilIdle(net.now + 3600 * SECOND)) violations.push('the network was still busy an hour after the scenario ended');
  if (net.keepDrops && net.drops.length !== ledger.drops.length) violations.push(`${ledger.drops.length} drops seen, ${net.drops.length} drop records`);
  let lost = 0;
  for (const [frame, t] of ledger.tokens) {
    if (t.wire || t.held || t.arriving) {
      if (lost++ < 5) violations.push(`a ${frame.length}-byte frame was lost: ${JSON.stringify(t)}`);
    }
  }
  if (lost > 5) violations.push(`… ${lost - 5} more frames lost`);
  return violations;
}
