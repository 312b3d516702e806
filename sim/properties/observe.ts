/**
 * Runs a scenario on the simulator with every device captured (issue 6), for the properties
 * (core/properties/) and for the differential campaign: the same shape `replay(…, { captureAll: true })` gives
 * from the kernel.
 *
 * `capture: 'kernel'` keeps, on each device, what the kernel adapter's `--capture-all` sees there
 * (kernel-adapter/replay-runner.ts startWatching()): a capture starts on a device that is up when a traffic
 * command (ping, nc, send, curl, httpd, sleep, or anything in the background) begins, and runs to the end, in
 * promiscuous mode as libpcap opens it. `capture: 'all'` keeps every frame from the device's creation.
 */
import type { StateDump } from '../../core/diff/state-diff.ts';
import type { Command, Scenario, Statement } from '../../core/scenario/index.ts';
import type { TimerWheel } from '../../l2/timer-wheel.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { Observation } from '../../core/properties/observation.ts';
import type { TranscriptEntry } from '../../core/transcript.ts';
import type { CapturedFrame } from '../exec/capture.ts';
import type { Faults } from '../faults.ts';
import { GLOBAL, Network } from '../network.ts';
import { Runner, type RunResult } from '../runner.ts';
import { dumpState } from '../show/state.ts';
import { instrumentConservation, settleLedger } from './conservation.ts';

/** Options of `observe`. */
export interface ObserveOptions {
  readonly seed?: number;
  readonly reachableTimes?: ReadonlyMap<string, number>;
  readonly timerWheel?: TimerWheel;
  /** TEST ONLY: planted faults (sim/faults.ts). */
  readonly faults?: Faults;
  /** Which frames each device keeps (see the file comment; default 'all'). */
  readonly capture?: 'all' | 'kernel';
  /** Also check frame conservation (sim/properties/conservation.ts); runs the clock on after the state is taken. */
  readonly conservation?: boolean;
  /** Called with each transcript entry as soon as it is complete, and the network it ran on. */
  readonly onEntry?: (entry: TranscriptEntry, net: Network) => void;
  /** Called at the end, before frame conservation runs the clock on (to read the network's state). */
  readonly onEnd?: (net: Network) => void;
}

/** A simulator run with every device captured. */
export interface SimObservation extends Observation {
  readonly result: RunResult;
  /** Frame conservation's violations (with `conservation: true`). */
  readonly conservation: readonly string[] | undefined;
}

/** Kinds the kernel adapter starts its `--capture-all` captures before (kernel-adapter/replay-exec.ts TRAFFIC_KINDS). */
const TRAFFIC_KINDS: ReadonlySet<Command['kind']> = new Set(['ping', 'nc', 'send', 'curl', 'httpd', 'sleep']);

function isTraffic(statement: Statement): boolean {
  return statement.pipelines.some((p) => p.commands.some((c) => TRAFFIC_KINDS.has(c.kind) || (statement.background && c.kind !== 'tcpdump')));
}

/** Runs `scenario` on a fresh simulated machine, capturing every device. */
export function observe(scenario: Scenario, options: ObserveOptions = {}): SimObservation {
  const net = new Network({
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.reachableTimes ? { reachableTimes: options.reachableTimes } : {}),
    ...(options.timerWheel ? { timerWheel: options.timerWheel } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const ledger = options.conservation ? instrumentConservation(net) : undefined;
  const mode = options.capture ?? 'all';
  const frames = new Map<NetDevice, CapturedFrame[]>();
  const capturing = new Set<NetDevice>();
  const pointOf = new Map<NetDevice, string>();
  const tap = (device: NetDevice): void => {
    if (frames.has(device)) return;
    const list: CapturedFrame[] = [];
    frames.set(device, list);
    device.taps.add({
      frame: (dev, data, direction, at) => {
        if (mode === 'kernel' && !capturing.has(dev)) return;
        // libpcap on lo sees each packet once (pcap-linux.c: linux_check_direction()).
        if (direction === 'out' && dev.kind === 'loopback') return;
        list.push({ at, data, direction });
      },
    });
  };
  const tapAll = (): void => {
    for (const ns of net.allNamespaces()) {
      for (const d of ns.devices) {
        tap(d);
        pointOf.set(d, ns.name === GLOBAL ? d.name : `${ns.name}:${d.name}`);
      }
    }
  };
  tapAll();
  const statements = scenario.form === 'script' ? scenario.statements : [];
  let entries = 0;
  const startCaptures = (): void => {
    tapAll();
    for (const ns of net.allNamespaces()) {
      for (const d of ns.devices) {
        if (!d.adminUp || capturing.has(d)) continue;
        capturing.add(d);
        d.promiscuity++;
      }
    }
  };
  const runner = new Runner({
    network: net,
    onEntry: (entry) => {
      options.onEntry?.(entry, net);
      tapAll();
      entries++;
      const next = statements[entries];
      if (mode === 'kernel' && next && isTraffic(next)) startCaptures();
    },
  });
  if (mode === 'kernel' && statements[0] && isTraffic(statements[0])) startCaptures();
  const result = runner.run(scenario);
  tapAll();
  const captures = new Map<string, CapturedFrame[]>();
  for (const [device, list] of frames) {
    if (mode === 'kernel' && !capturing.has(device)) continue;
    const point = pointOf.get(device);
    if (point !== undefined) captures.set(point, list);
  }
  const state: StateDump[] = net.allNamespaces().map((ns) => {
    // dumpState parses what the show commands print, so its values are plain JSON (as cli/compare.ts reads them).
    const s = dumpState(net, ns) as unknown as Required<Pick<StateDump, 'links' | 'addresses' | 'neighbours' | 'fdb'>>;
    return { namespace: ns.name === GLOBAL ? undefined : ns.name, at: net.now, links: s.links, addresses: s.addresses, neighbours: s.neighbours, fdb: s.fdb };
  });
  options.onEnd?.(net);
  const conservation = ledger ? settleLedger(net, ledger) : undefined;
  return { result, transcript: result.transcript, epilogue: result.epilogue, captures, state, conservation };
}
