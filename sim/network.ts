import { Scheduler } from '../core/clock.ts';
import { randomLocalMac, type MacAddress } from '../core/mac.ts';
import { Random } from '../core/random.ts';
import { firstPid, SeedStream } from '../core/seeded.ts';
import { Bridge } from '../l2/bridge.ts';
import type { NetDevice } from '../l2/device.ts';
import { Dummy } from '../l2/dummy.ts';
import type { TimerWheel } from '../l2/timer-wheel.ts';
import { Veth } from '../l2/veth.ts';
import { NetNamespace, type DropRecord, type KernelLogLine, type NamespaceHost } from '../l3/namespace.ts';
import { applyFaults, type Faults } from './faults.ts';
import { Runner } from './runner.ts';

/** The name the scenario's own (unnamed) namespace goes by internally. */
export const GLOBAL = '';

/** Errors of link operations, in the words iproute2 prints for them. */
export type LinkError = 'RTNETLINK answers: File exists' | 'RTNETLINK answers: Invalid argument' | `Cannot find device "${string}"` | 'RTNETLINK answers: Operation not supported';

/** The default seed of a run (DESIGN.md §3: "--seed, default fixed"). */
export const DEFAULT_SEED = 1;

/**
 * A simulated machine: the scenario's global namespace, the named namespaces `ip netns add` creates, one virtual
 * clock and one seed for all of them. Devices are created and moved here, since a veth pair can span two
 * namespaces.
 */
export class Network implements NamespaceHost {
  readonly scheduler = new Scheduler();
  readonly seed: number;
  private readonly root: Random;
  private readonly macRandom: Random;
  readonly global: NetNamespace;
  /** Named namespaces in creation order (`ip netns list` prints newest first). */
  readonly namespaces = new Map<string, NetNamespace>();
  readonly drops: DropRecord[] = [];
  /** Whether drop records are kept (benchmarks turn this off). */
  keepDrops = true;
  private readonly streams = new Map<string, Random>();
  /** The next process id: iputils ping uses it as its ICMP identifier, so it starts at a seeded value. */
  private pid: number | undefined;

  /** Reachable times fixed from outside, by `NS:DEV` (`DEV` in the global namespace), in nanoseconds. */
  private readonly reachableTimes: ReadonlyMap<string, number>;

  /** The kernel's timer wheel for neighbour timers (compare mode); undefined: timers run at their deadlines. */
  readonly timerWheel: TimerWheel | undefined;

  /** TEST ONLY: planted faults (sim/faults.ts); undefined in every real run. */
  readonly faults: Faults | undefined;

  constructor(options: { seed?: number; reachableTimes?: ReadonlyMap<string, number>; timerWheel?: TimerWheel; faults?: Faults } = {}) {
    this.seed = (options.seed ?? DEFAULT_SEED) >>> 0;
    this.reachableTimes = options.reachableTimes ?? new Map();
    this.timerWheel = options.timerWheel;
    this.faults = options.faults;
    this.root = new Random(this.seed);
    this.macRandom = this.root.stream(SeedStream.Mac);
    this.global = new NetNamespace(GLOBAL, this);
    applyFaults(this.global, this.faults);
  }

  /** NamespaceHost: a seeded stream per purpose, stable whatever else is drawn. */
  random(purpose: string): Random {
    let stream = this.streams.get(purpose);
    if (!stream) {
      stream = this.root.stream(purpose);
      this.streams.set(purpose, stream);
    }
    return stream;
  }

  reachableTimeFor(namespace: string, device: string): number | undefined {
    return this.reachableTimes.get(namespace === GLOBAL ? device : `${namespace}:${device}`);
  }

  recordDrop(record: DropRecord): void {
    if (this.keepDrops) this.drops.push(record);
  }

  /**
   * What the LOG target wrote in every namespace of the machine, oldest first: the kernel log, as `dmesg` would
   * show it. On this machine's kernel a namespace logs nothing (net.netfilter.nf_log_all_netns is 0 and only the
   * initial namespace may change it), so these lines have no kernel counterpart to compare with; the runner
   * prints them as a console would.
   */
  readonly kernelLog: KernelLogLine[] = [];

  logKernel(record: KernelLogLine): void {
    this.kernelLog.push(record);
  }

  /** A new process id (consecutive, as a machine's next processes get; the first one seeded). */
  nextPid(): number {
    if (this.pid === undefined) this.pid = firstPid(this.seed);
    return this.pid++;
  }

  /** The namespace a scenario command names (undefined = global). */
  namespace(name?: string): NetNamespace | undefined {
    return name === undefined || name === GLOBAL ? this.global : this.namespaces.get(name);
  }

  /** `ip netns add NAME`. */
  addNamespace(name: string): NetNamespace | 'File exists' {
    if (this.namespaces.has(name)) return 'File exists';
    const ns = new NetNamespace(name, this);
    applyFaults(ns, this.faults);
    this.namespaces.set(name, ns);
    return ns;
  }

  /** `ip netns del NAME`: its devices go; a veth's peer in another namespace goes with it. */
  deleteNamespace(name: string): boolean {
    const ns = this.namespaces.get(name);
    if (!ns) return false;
    for (const device of [...ns.devices].reverse()) if (device !== ns.loopback) this.deleteDevice(device);
    this.namespaces.delete(name);
    for (const other of [this.global, ...this.namespaces.values()]) other.dropNsid(ns);
    return true;
  }

  /** Every namespace, the global one first. */
  allNamespaces(): NetNamespace[] {
    return [this.global, ...this.namespaces.values()];
  }

  /** The namespace a device lives in. */
  namespaceOf(device: NetDevice): NetNamespace {
    return device.owner as NetNamespace;
  }

  /** A fresh random MAC (eth_hw_addr_random()). */
  randomMac(): MacAddress {
    return randomLocalMac(this.macRandom);
  }

  /**
   * `ip link add NAME type veth peer name PEER [netns NS]` (veth_newlink()): the peer is registered first, in its
   * namespace, then NAME; each gets a random MAC unless given.
   */
  addVeth(
    ns: NetNamespace,
    name: string,
    peerName: string,
    peerNs: NetNamespace = ns,
    macs: { mac?: MacAddress; peerMac?: MacAddress; index?: number; peerIndex?: number } = {},
  ): [Veth, Veth] | LinkError {
    if (ns.device(name) || peerNs.device(peerName) || (ns === peerNs && name === peerName)) return 'RTNETLINK answers: File exists';
    if (macs.index !== undefined && ns.deviceByIndex(macs.index)) return 'RTNETLINK answers: File exists';
    if (macs.peerIndex !== undefined && (peerNs.deviceByIndex(macs.peerIndex) || (peerNs === ns && macs.peerIndex === macs.index))) return 'RTNETLINK answers: File exists';
    const peerMac = macs.peerMac ?? this.randomMac();
    const mac = macs.mac ?? this.randomMac();
    const peer = new Veth(peerName, 0, peerMac, peerNs);
    const dev = new Veth(name, 0, mac, ns);
    Veth.pair(dev, peer);
    peerNs.register(peer, macs.peerIndex);
    ns.register(dev, macs.index);
    // veth_newlink(): netif_carrier_off() on both ends, each a linkwatch event.
    peer.linkwatch();
    dev.linkwatch();
    if (peerNs !== ns) {
      ns.nsidFor(peerNs);
      peerNs.nsidFor(ns);
    }
    return [dev, peer];
  }

  /** `ip link add NAME type bridge`. */
  addBridge(ns: NetNamespace, name: string, mac?: MacAddress, index?: number): Bridge | LinkError {
    if (ns.device(name) || (index !== undefined && ns.deviceByIndex(index))) return 'RTNETLINK answers: File exists';
    const bridge = new Bridge(name, 0, mac ?? this.randomMac(), ns);
    ns.register(bridge, index);
    // br_dev_newlink() with IFLA_ADDRESS: br_stp_change_bridge_id(), which selects port states (none: no carrier).
    if (mac !== undefined) bridge.adoptMacSetByHand();
    return bridge;
  }

  /** `ip link add NAME type dummy`. */
  addDummy(ns: NetNamespace, name: string, mac?: MacAddress, index?: number): Dummy | LinkError {
    if (ns.device(name) || (index !== undefined && ns.deviceByIndex(index))) return 'RTNETLINK answers: File exists';
    const dummy = new Dummy(name, 0, mac ?? this.randomMac(), ns);
    ns.register(dummy, index);
    return dummy;
  }

  /** `ip link del NAME`: a veth takes its peer with it; a bridge releases its ports. */
  deleteDevice(device: NetDevice): void {
    if (device instanceof Bridge) for (const port of [...device.ports]) device.removePort(port.device);
    const ns = this.namespaceOf(device);
    device.master?.removePort(device);
    ns.unregister(device);
    if (device instanceof Veth && device.peer) {
      const peer = device.peer;
      const peerNs = this.namespaceOf(peer);
      if (peerNs.deviceByIndex(peer.ifindex) === peer) {
        peer.master?.removePort(peer);
        peerNs.unregister(peer);
      }
    }
  }

  /**
   * `ip link set DEV netns NS` (dev_change_net_namespace()): the device goes down, leaves its bridge, loses its
   * addresses and routes, and joins the other namespace keeping its index when that is free there.
   */
  moveDevice(device: NetDevice, to: NetNamespace): LinkError | undefined {
    const from = this.namespaceOf(device);
    if (from === to) return undefined;
    if (to.device(device.name)) return 'RTNETLINK answers: File exists';
    if (device.kind === 'loopback') return 'RTNETLINK answers: Invalid argument';
    device.master?.removePort(device);
    from.unregister(device);
    // Re-registered in its new namespace: a fresh qdisc (noop until it is next up; a tc qdisc such as netem goes).
    device.everUp = false;
    device.qdisc = undefined;
    to.register(device, device.ifindex);
    if (device instanceof Veth) {
      const peerNs = this.namespaceOf(device.peer);
      if (peerNs !== to) {
        to.nsidFor(peerNs);
        peerNs.nsidFor(to);
      }
    }
    return undefined;
  }

  private runner: Runner | undefined;

  /**
   * Runs command lines as a script on this machine (`net.exec('ip link add veth1 type veth peer name ceth1')`),
   * returning what they printed and the last exit status (DESIGN.md §6).
   */
  exec(text: string): { stdout: string; stderr: string; status: number } {
    this.runner ??= new Runner({ network: this });
    const { stdout, stderr, status } = this.runner.exec(text);
    // Only the output is returned: keeping every command's transcript entry would grow without bound.
    this.runner.transcript.length = 0;
    return { stdout, stderr, status };
  }

  /** Runs the clock forward by `nanoseconds`, delivering what falls due. */
  advanceBy(nanoseconds: number): void {
    this.scheduler.advanceBy(nanoseconds);
  }

  /** The current virtual time. */
  get now(): number {
    return this.scheduler.now;
  }
}
