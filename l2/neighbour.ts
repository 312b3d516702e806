import { MILLISECOND, SECOND, type Instant, type Timer, type Scheduler } from '../core/clock.ts';
import type { MacAddress } from '../core/mac.ts';
import type { Random } from '../core/random.ts';
import type { NetDevice } from './device.ts';
import { wheelExpiry, type TimerWheel } from './timer-wheel.ts';

/** NUD states, with the kernel's names (include/uapi/linux/neighbour.h NUD_*). */
export type NudState = 'NONE' | 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

/** NUD_VALID: states with a usable link-layer address. */
export function nudValid(state: NudState): boolean {
  return state === 'REACHABLE' || state === 'STALE' || state === 'DELAY' || state === 'PROBE' || state === 'NOARP' || state === 'PERMANENT';
}

/** NUD_CONNECTED: REACHABLE, NOARP, PERMANENT. */
export function nudConnected(state: NudState): boolean {
  return state === 'REACHABLE' || state === 'NOARP' || state === 'PERMANENT';
}

/** NUD_IN_TIMER: INCOMPLETE, REACHABLE, DELAY, PROBE. */
function nudInTimer(state: NudState): boolean {
  return state === 'INCOMPLETE' || state === 'REACHABLE' || state === 'DELAY' || state === 'PROBE';
}

/**
 * Per-device neighbour parameters (struct neigh_parms; `net.ipv4.neigh.DEV.*`), in nanoseconds. Defaults are
 * arp_tbl's (net/ipv4/arp.c).
 */
export interface NeighParms {
  baseReachableTime: number;
  retransTime: number;
  delayProbeTime: number;
  gcStaleTime: number;
  ucastProbes: number;
  mcastProbes: number;
  mcastReprobes: number;
  appProbes: number;
  locktime: number;
  queueLenBytes: number;
  /** The current random draw in [base/2, 3·base/2) (neigh_rand_reach_time()). */
  reachableTime: number;
}

/** arp_tbl's defaults. */
export function defaultNeighParms(): NeighParms {
  return {
    baseReachableTime: 30 * SECOND,
    retransTime: 1 * SECOND,
    delayProbeTime: 5 * SECOND,
    gcStaleTime: 60 * SECOND,
    ucastProbes: 3,
    mcastProbes: 3,
    mcastReprobes: 0,
    appProbes: 0,
    locktime: 1 * SECOND,
    queueLenBytes: 212_992,
    reachableTime: 30 * SECOND,
  };
}

/** neigh_rand_reach_time(): uniform in [base/2, 3·base/2), whole milliseconds as the kernel's jiffies at HZ=1000. */
export function randomReachableTime(base: number, random: Random): number {
  const baseMs = Math.floor(base / MILLISECOND);
  if (baseMs === 0) return 0;
  return (Math.floor(baseMs / 2) + random.below(baseMs)) * MILLISECOND;
}

/** A packet waiting for resolution, with the size the queue limit counts (skb->truesize). */
export interface QueuedPacket<P> {
  readonly packet: P;
  readonly truesize: number;
}

/** One neighbour entry (struct neighbour). */
export interface NeighbourEntry<P> {
  readonly device: NetDevice;
  readonly address: number;
  state: NudState;
  lladdr: MacAddress | undefined;
  /** Last confirmation of reachability. */
  confirmed: Instant;
  /** Last state or address change. */
  updated: Instant;
  /** Last use by a sender (neigh_event_send()). */
  used: Instant;
  probes: number;
  isRouter: boolean;
  readonly queue: QueuedPacket<P>[];
  queueBytes: number;
  timer: Timer | undefined;
}

/** What the protocol (ARP) supplies to the neighbour machine (struct neigh_ops). */
export interface NeighbourOps<P> {
  /** arp_solicit(): send a request, unicast to `entry.lladdr` while probes < ucast_probes, else broadcast. */
  solicit(entry: NeighbourEntry<P>, unicast: boolean, tail: P | undefined): void;
  /** arp_error_report(): a queued packet could not be delivered (ICMP host unreachable to its sender). */
  errorReport(entry: NeighbourEntry<P>, packet: P): void;
  /** Transmit a packet to the now-known link-layer address. */
  output(entry: NeighbourEntry<P>, packet: P): void;
  /**
   * A queued packet was dropped: the queue was full (unres_discards), or the entry went away with packets still
   * queued (`ip neigh del/flush`, the device going down: neigh_flush_dev(), SKB_DROP_REASON_NEIGH_DEAD).
   */
  discard(entry: NeighbourEntry<P>, packet: P, why: 'queue full' | 'neighbour gone'): void;
}

/** Flags of neigh_update() (NEIGH_UPDATE_F_*). */
export interface UpdateFlags {
  override?: boolean;
  weakOverride?: boolean;
  admin?: boolean;
  isRouter?: boolean;
}

/**
 * A neighbour table for one namespace and protocol (net/core/neighbour.c): entries keyed by device and address,
 * the NUD state machine and its timers on the virtual clock.
 */
export class NeighbourTable<P> {
  /** Per device, per address; insertion order. */
  private readonly byDevice = new Map<NetDevice, Map<number, NeighbourEntry<P>>>();
  private count = 0;
  /** gc_thresh1: below it the periodic GC leaves STALE and FAILED entries alone (neigh_periodic_work()). */
  gcThresh1 = 128;
  /** TEST ONLY (a planted fault for issue 6's shrinker test, sim/faults.ts): PROBE-state re-probes are not sent. */
  dropReprobe = false;
  gcThresh2 = 512;
  gcThresh3 = 1024;
  /**
   * When set, timers run when the kernel's timer wheel would run them (a few hundred ms after their deadline for
   * timers of seconds) instead of at the deadline: compare mode, with the kernel's HZ and jiffies phase.
   */
  wheel: TimerWheel | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly ops: NeighbourOps<P>,
    private readonly parmsOf: (device: NetDevice) => NeighParms,
  ) {}

  private get now(): Instant {
    return this.scheduler.now;
  }

  /** The number of entries. */
  get size(): number {
    return this.count;
  }

  /** neigh_lookup(). */
  lookup(device: NetDevice, address: number): NeighbourEntry<P> | undefined {
    return this.byDevice.get(device)?.get(address);
  }

  /** Every entry, per device in device order, then in creation order. */
  *entries(): IterableIterator<NeighbourEntry<P>> {
    for (const perDevice of this.byDevice.values()) yield* perDevice.values();
  }

  /** __neigh_create(): a NONE entry (or the existing one). */
  create(device: NetDevice, address: number): NeighbourEntry<P> {
    const existing = this.lookup(device, address);
    if (existing) return existing;
    let perDevice = this.byDevice.get(device);
    if (!perDevice) {
      perDevice = new Map();
      this.byDevice.set(device, perDevice);
    }
    const now = this.now;
    const parms = this.parmsOf(device);
    const entry: NeighbourEntry<P> = {
      device,
      address,
      state: 'NONE',
      lladdr: undefined,
      // neigh_alloc(): confirmed is set in the past so a new entry is not considered reachable.
      confirmed: now - parms.baseReachableTime * 2,
      updated: now,
      used: now,
      probes: 0,
      isRouter: false,
      queue: [],
      queueBytes: 0,
      timer: undefined,
    };
    perDevice.set(address, entry);
    this.count++;
    return entry;
  }

  /**
   * neigh_resolve_output() / neigh_event_send(): a packet wants to go to this neighbour. Sends it now when the
   * address is usable, else queues it and starts resolution. Returns whether it was sent immediately.
   */
  send(entry: NeighbourEntry<P>, packet: P, truesize: number): boolean {
    // neigh_output(): a connected entry with a cached header goes straight out (neigh_hh_output()), so
    // `used` is not refreshed while REACHABLE; every other state passes through neigh_event_send().
    if (nudConnected(entry.state) && entry.lladdr !== undefined) {
      this.ops.output(entry, packet);
      return true;
    }
    if (this.eventSend(entry, { packet, truesize })) return false;
    this.ops.output(entry, packet);
    return true;
  }

  /** neigh_event_send(n, NULL): resolution starts (or goes on) with no packet waiting (a redirect's new gateway). */
  startResolution(entry: NeighbourEntry<P>): void {
    this.eventSend(entry, undefined);
  }

  /** neigh_event_send(): returns true when the packet was queued (or dropped) rather than sendable now. */
  private eventSend(entry: NeighbourEntry<P>, queued: QueuedPacket<P> | undefined): boolean {
    const now = this.now;
    if (entry.used !== now) entry.used = now;
    const state = entry.state;
    if (state === 'REACHABLE' || state === 'NOARP' || state === 'PERMANENT' || state === 'DELAY' || state === 'PROBE') return false;
    return this.eventSendSlow(entry, queued);
  }

  /** __neigh_event_send(). */
  private eventSendSlow(entry: NeighbourEntry<P>, queued: QueuedPacket<P> | undefined): boolean {
    const parms = this.parmsOf(entry.device);
    const now = this.now;
    let immediateProbe = false;
    if (entry.state !== 'STALE' && entry.state !== 'INCOMPLETE') {
      if (parms.mcastProbes + parms.appProbes > 0) {
        entry.probes = parms.ucastProbes;
        this.delTimer(entry);
        entry.state = 'INCOMPLETE';
        entry.updated = now;
        this.addTimer(entry, now + Math.max(parms.retransTime, 10 * MILLISECOND));
        immediateProbe = true;
      } else {
        entry.state = 'FAILED';
        entry.updated = now;
        if (queued) this.ops.errorReport(entry, queued.packet);
        return true;
      }
    } else if (entry.state === 'STALE') {
      this.delTimer(entry);
      entry.state = 'DELAY';
      entry.updated = now;
      this.addTimer(entry, now + parms.delayProbeTime);
    }
    let queuedNow = false;
    if (entry.state === 'INCOMPLETE') {
      if (queued) {
        while (entry.queueBytes + queued.truesize > parms.queueLenBytes && entry.queue.length > 0) {
          const oldest = entry.queue.shift()!;
          entry.queueBytes -= oldest.truesize;
          this.ops.discard(entry, oldest.packet, 'queue full');
        }
        entry.queue.push(queued);
        entry.queueBytes += queued.truesize;
      }
      queuedNow = true;
    }
    if (immediateProbe) this.probe(entry);
    return queuedNow;
  }

  /** neigh_probe(): solicit with the newest queued packet as the hint, then count the probe. */
  private probe(entry: NeighbourEntry<P>): void {
    const parms = this.parmsOf(entry.device);
    const tail = entry.queue[entry.queue.length - 1]?.packet;
    if (this.dropReprobe && entry.state === 'PROBE') {
      entry.probes++;
      return;
    }
    // arp_solicit(): unicast to the cached address while probes < ucast_probes; app probes go to userspace.
    if (entry.probes < parms.ucastProbes) this.ops.solicit(entry, true, tail);
    else if (entry.probes - parms.ucastProbes >= parms.appProbes) this.ops.solicit(entry, false, tail);
    entry.probes++;
  }

  /** neigh_max_probes(). */
  private maxProbes(entry: NeighbourEntry<P>): number {
    const p = this.parmsOf(entry.device);
    return p.ucastProbes + p.appProbes + (entry.state === 'PROBE' ? p.mcastReprobes : p.mcastProbes);
  }

  /** neigh_timer_handler(). */
  private onTimer(entry: NeighbourEntry<P>): void {
    entry.timer = undefined;
    const parms = this.parmsOf(entry.device);
    const now = this.now;
    const state = entry.state;
    if (!nudInTimer(state)) return;
    let next = now + SECOND;
    if (state === 'REACHABLE') {
      if (now <= entry.confirmed + parms.reachableTime) {
        next = entry.confirmed + parms.reachableTime;
      } else if (now <= entry.used + parms.delayProbeTime) {
        entry.state = 'DELAY';
        entry.updated = now;
        next = now + parms.delayProbeTime;
      } else {
        entry.state = 'STALE';
        entry.updated = now;
      }
    } else if (state === 'DELAY') {
      if (now <= entry.confirmed + parms.delayProbeTime) {
        entry.state = 'REACHABLE';
        entry.updated = now;
        next = entry.confirmed + parms.reachableTime;
      } else {
        entry.state = 'PROBE';
        entry.updated = now;
        entry.probes = 0;
        next = now + Math.max(parms.retransTime, 10 * MILLISECOND);
      }
    } else {
      next = now + Math.max(parms.retransTime, 10 * MILLISECOND);
    }
    if ((entry.state === 'INCOMPLETE' || entry.state === 'PROBE') && entry.probes >= this.maxProbes(entry)) {
      entry.state = 'FAILED';
      entry.updated = now;
      this.invalidate(entry);
      return;
    }
    if (nudInTimer(entry.state)) this.addTimer(entry, Math.max(next, now + 10 * MILLISECOND));
    if (entry.state === 'INCOMPLETE' || entry.state === 'PROBE') this.probe(entry);
  }

  /** neigh_invalidate(): report every queued packet as undeliverable, then empty the queue. */
  private invalidate(entry: NeighbourEntry<P>): void {
    const queue = entry.queue.splice(0);
    entry.queueBytes = 0;
    for (const q of queue) this.ops.errorReport(entry, q.packet);
  }

  /**
   * neigh_update(): a new state and/or link-layer address from the protocol (ARP reply → REACHABLE, request →
   * STALE) or from the user (`ip neigh add/change/replace`, admin).
   */
  update(entry: NeighbourEntry<P>, lladdr: MacAddress | undefined, newState: NudState, flags: UpdateFlags = {}): boolean {
    const now = this.now;
    const old = entry.state;
    const parms = this.parmsOf(entry.device);
    if (!flags.admin && (old === 'NOARP' || old === 'PERMANENT')) return false;
    if (!nudValid(newState)) {
      this.delTimer(entry);
      entry.state = newState;
      if ((old === 'INCOMPLETE' || old === 'PROBE') && newState === 'FAILED') this.invalidate(entry);
      return true;
    }
    let address = lladdr;
    if (address === undefined) {
      if (!nudValid(old)) return false;
      address = entry.lladdr;
    }
    if (nudConnected(newState)) entry.confirmed = now;
    let state = newState;
    if (nudValid(old)) {
      if (address !== entry.lladdr && !flags.override) {
        if (flags.weakOverride && nudConnected(old)) {
          address = entry.lladdr;
          state = 'STALE';
        } else {
          return false;
        }
      } else if (address === entry.lladdr && state === 'STALE' && !flags.admin) {
        state = old;
      }
    }
    if (state !== old || address !== entry.lladdr) entry.updated = now;
    if (state !== old) {
      this.delTimer(entry);
      if (state === 'PROBE') entry.probes = 0;
      if (nudInTimer(state)) this.addTimer(entry, now + (state === 'REACHABLE' ? parms.reachableTime : 0));
      entry.state = state;
    }
    if (address !== entry.lladdr) {
      entry.lladdr = address;
      if (!nudConnected(state)) entry.confirmed = now - parms.baseReachableTime * 2;
    }
    if (flags.isRouter !== undefined) entry.isRouter = flags.isRouter;
    if (state === old) return true;
    if (!nudValid(old)) {
      const queue = entry.queue.splice(0);
      entry.queueBytes = 0;
      for (const q of queue) {
        if (!nudValid(entry.state)) break;
        this.ops.output(entry, q.packet);
      }
    }
    return true;
  }

  /** neigh_event_ns(): a packet (an ARP request) proved the sender uses `lladdr`: create or update as STALE. */
  eventNs(device: NetDevice, address: number, lladdr: MacAddress): NeighbourEntry<P> {
    const entry = this.create(device, address);
    this.update(entry, lladdr, 'STALE', { override: true });
    return entry;
  }

  /** neigh_confirm(): upper-layer proof of reachability (TCP progress). */
  confirm(entry: NeighbourEntry<P>): void {
    entry.confirmed = this.now;
  }

  /** Removes an entry (`ip neigh del`, flush, device down: neigh_ifdown()). */
  remove(entry: NeighbourEntry<P>): void {
    const perDevice = this.byDevice.get(entry.device);
    if (!perDevice?.delete(entry.address)) return;
    this.count--;
    this.delTimer(entry);
    const queue = entry.queue.splice(0);
    entry.queueBytes = 0;
    for (const q of queue) this.ops.discard(entry, q.packet, 'neighbour gone');
    if (perDevice.size === 0) this.byDevice.delete(entry.device);
  }

  /** neigh_ifdown() / neigh_flush_dev(): every entry of a device goes. */
  flushDevice(device: NetDevice): void {
    const perDevice = this.byDevice.get(device);
    if (!perDevice) return;
    for (const entry of [...perDevice.values()]) this.remove(entry);
  }

  /** neigh_periodic_work(): with fewer than gc_thresh1 entries, nothing is collected. */
  periodicGc(): void {
    if (this.count < this.gcThresh1) return;
    const now = this.now;
    for (const entry of [...this.entries()]) {
      if (entry.state === 'PERMANENT' || entry.timer) continue;
      const parms = this.parmsOf(entry.device);
      if (entry.state === 'FAILED' || now > entry.used + parms.gcStaleTime) this.remove(entry);
    }
  }

  /** neigh_add_timer(): arming the timer also raises `used` to `confirmed` (measured: fixtures/nud/idle-reprobe). */
  private addTimer(entry: NeighbourEntry<P>, at: Instant): void {
    if (entry.used < entry.confirmed) entry.used = entry.confirmed;
    entry.timer?.cancel();
    const runAt = this.wheel ? wheelExpiry(this.wheel, this.now, at) : at;
    entry.timer = this.scheduler.at(runAt, () => this.onTimer(entry));
  }

  private delTimer(entry: NeighbourEntry<P>): void {
    entry.timer?.cancel();
    entry.timer = undefined;
  }
}
