import type { Instant, Scheduler } from '../core/clock.ts';
import { MAC_BROADCAST, type MacAddress } from '../core/mac.ts';
import type { Qdisc } from './netem.ts';

/** The device kinds twinnet models (`ip -d link` "veth", "bridge", "dummy"; loopback has none). */
export type DeviceKind = 'loopback' | 'veth' | 'bridge' | 'dummy';

/** RFC 2863 operational state as iproute2 prints it (include/uapi/linux/if.h IF_OPER_*). */
export type OperState = 'UNKNOWN' | 'DOWN' | 'LOWERLAYERDOWN' | 'UP';

/** Per-device counters, as `ip -s link` shows them (struct rtnl_link_stats64). */
export interface DeviceStats {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  multicast: number;
}

/** The direction a frame crossed a device, as libpcap reports it (PACKET_OUTGOING or not). */
export type Direction = 'in' | 'out';

/** Something watching a device's frames: a capture (AF_PACKET tap, net/core/dev.c: dev_queue_xmit_nit()). */
export interface Tap {
  frame(device: NetDevice, frame: Uint8Array, direction: Direction, at: Instant): void;
}

/**
 * What a device belongs to and hands received frames to: a namespace's stack. l2 knows it only through this
 * interface, so that imports point downward (STYLE.md §4).
 */
export interface DeviceOwner {
  /** The world's clock: every device and stack of one simulation shares it. */
  readonly scheduler: Scheduler;
  /** The device with this index in the owner's namespace (dev_get_by_index()). */
  deviceByIndex(ifindex: number): NetDevice | undefined;
  /** A frame arrived at `device` and no rx handler (bridge) took it: net/core/dev.c: __netif_receive_skb(). */
  receive(device: NetDevice, frame: Uint8Array): void;
  /** Carrier, admin state or address of `device` changed (netdevice notifier events). */
  deviceChanged(device: NetDevice, change: DeviceChange): void;
  /** A frame was lost: every frame is delivered or dropped with a named reason (DESIGN.md §3). */
  drop(device: NetDevice | undefined, frame: Uint8Array, reason: DropReason): void;
}

/** Netdevice notifier events the stacks react to (include/linux/netdevice.h NETDEV_*). */
export type DeviceChange = 'up' | 'down' | 'carrier' | 'address' | 'master' | 'unregister';

/** Why a frame went nowhere; shown in drop records and counters. */
export type DropReason =
  | 'carrier down'
  | 'device down'
  | 'no route'
  | 'arp failed'
  | 'filtered'
  | 'ttl exceeded'
  | 'forwarding off'
  | 'queue full'
  | 'neighbour gone'
  | 'not for us'
  | 'bad checksum'
  | 'malformed'
  | 'no socket'
  | 'ingress port'
  | 'no port'
  | 'martian'
  | 'netem loss'
  | 'rate limited'
  | 'reverse path'
  | 'no listener';

/** A frame handler installed on a device by a master (the bridge): net/core/dev.c: netdev_rx_handler_register(). */
export type RxHandler = (device: NetDevice, frame: Uint8Array) => boolean;

/** A device that other devices are enslaved to (the bridge), told about its ports' changes (br_device_event()). */
export interface MasterDevice extends NetDevice {
  portChanged(port: NetDevice): void;
  portAddressChanged(port: NetDevice, old: MacAddress): void;
  removePort(port: NetDevice): void;
}

/**
 * A network device: name, index, flags, MAC, MTU, carrier and counters, and the common transmit/receive path with
 * capture taps. Subclasses say what transmitting means (veth: the peer receives; bridge: forward; lo: loop back).
 */
export abstract class NetDevice {
  abstract readonly kind: DeviceKind;
  /** IFF_UP: set by `ip link set X up`. */
  adminUp = false;
  /** netif_carrier_ok(): set by the driver. */
  protected carrierOn = false;
  /** Whether the device was ever opened (qdisc "noop" before, "noqueue" after). */
  everUp = false;
  mtu = 1500;
  txqlen = 1000;
  readonly stats: DeviceStats = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0, multicast: 0 };
  /** The bridge this device is a port of. */
  master: MasterDevice | undefined;
  rxHandler: RxHandler | undefined;
  /**
   * dev->promiscuity: packet sockets that asked for promiscuous mode (tcpdump without -p; PACKET_MR_PROMISC).
   * `ip link` does not show it as PROMISC (dev_get_flags() reports only what the user set), `ip -d link` counts it.
   */
  promiscuity = 0;
  /** Whether userspace set the MAC by hand (a bridge then stops following its lowest port). */
  macSetByHand = false;
  private tapSet: Set<Tap> | undefined;
  /** Captures watching this device; the set is made on first use (most devices are never captured). */
  get taps(): Set<Tap> {
    return (this.tapSet ??= new Set());
  }
  /** The root qdisc `tc qdisc add dev … root` attached (l2/netem.ts); undefined for the default, noqueue. */
  qdisc: Qdisc | undefined;
  /**
   * The virtual time one transmission takes, in nanoseconds: about what a veth hand-off costs on a real machine,
   * so that ping's rtt figures look like the kernel's (0.03 ms over one veth pair).
   */
  latency = 15_000;

  constructor(
    public name: string,
    public ifindex: number,
    public mac: MacAddress,
    public owner: DeviceOwner,
  ) {}

  /** The hardware broadcast address (`brd` in `ip link`). */
  get broadcast(): MacAddress {
    return this.kind === 'loopback' ? 0 : MAC_BROADCAST;
  }

  /** netif_carrier_ok(). */
  get carrier(): boolean {
    return this.carrierOn;
  }

  /** IFF_RUNNING / IFF_LOWER_UP: up with carrier. */
  get running(): boolean {
    return this.adminUp && this.carrierOn;
  }

  /** The ifindex of the device this one is stacked on or paired with (dev_get_iflink()); its own when none. */
  get iflink(): number {
    return this.ifindex;
  }

  /** dev->operstate as linkwatch last set it; IF_OPER_UNKNOWN until a carrier event says otherwise. */
  private operStateValue: OperState = 'UNKNOWN';
  private linkwatchPending = false;

  /**
   * The operstate `ip link` shows (rtnl_fill_ifinfo(): DOWN while the device is not running, else dev->operstate).
   * dev->operstate is recomputed by linkwatch after carrier events only, not when the device is opened.
   */
  get operState(): OperState {
    if (this.linkwatchPending) this.runLinkwatch();
    return this.adminUp ? this.operStateValue : 'DOWN';
  }

  /**
   * net/core/link_watch.c: default_operstate() (6.x). Without carrier: DOWN when iflink is the device's own
   * index, or names no device in this namespace (a veth whose peer lives elsewhere), or one with carrier; else
   * LOWERLAYERDOWN. With carrier: UP, or UNKNOWN for drivers that never report (lo, dummy).
   */
  computeOperState(): OperState {
    if (!this.carrierOn) {
      const iflink = this.iflink;
      if (iflink === this.ifindex) return 'DOWN';
      const lower = this.owner.deviceByIndex(iflink);
      if (!lower || lower.carrier) return 'DOWN';
      return 'LOWERLAYERDOWN';
    }
    return this.operUnknown ? 'UNKNOWN' : 'UP';
  }

  /**
   * linkwatch_fire_event(): a carrier event; linkwatch recomputes the operstate shortly after, once the change
   * that caused it is complete (a veth's peer has lost carrier too, a moved device sits in its new namespace).
   */
  linkwatch(): void {
    if (this.linkwatchPending) return;
    this.linkwatchPending = true;
    this.owner.scheduler.after(0, () => {
      if (this.linkwatchPending) this.runLinkwatch();
    });
  }

  private runLinkwatch(): void {
    this.linkwatchPending = false;
    this.operStateValue = this.computeOperState();
  }

  /** Devices whose driver never reports an operstate (loopback; a bridge before its first port) show UNKNOWN. */
  protected get operUnknown(): boolean {
    return false;
  }

  /** Sets the carrier, notifying the owner when it changes (netif_carrier_on()/off()). */
  setCarrier(on: boolean): void {
    if (this.carrierOn === on) return;
    this.carrierOn = on;
    this.linkwatch();
    this.owner.deviceChanged(this, 'carrier');
    this.master?.portChanged(this);
  }

  /** `ip link set X up`: dev_open(). */
  open(): void {
    if (this.adminUp) return;
    this.adminUp = true;
    this.everUp = true;
    this.onOpen();
    this.owner.deviceChanged(this, 'up');
    this.master?.portChanged(this);
  }

  /** `ip link set X down`: dev_close(). */
  close(): void {
    if (!this.adminUp) return;
    this.adminUp = false;
    this.onClose();
    this.owner.deviceChanged(this, 'down');
    this.master?.portChanged(this);
  }

  /** `ip link set X address MAC` (dev_set_mac_address()): the master's FDB and MAC follow. */
  setMac(mac: MacAddress): void {
    const old = this.mac;
    if (old === mac) return;
    this.mac = mac;
    this.macSetByHand = true;
    this.owner.deviceChanged(this, 'address');
    this.master?.portAddressChanged(this, old);
  }

  /** The current virtual time. */
  protected get now(): Instant {
    return this.owner.scheduler.now;
  }

  /** Driver hook for open (veth: carrier on both ends when the peer is up). */
  protected onOpen(): void {}
  /** Driver hook for close. */
  protected onClose(): void {}

  /**
   * Sends a frame out of this device (dev_queue_xmit()): captures see it, counters count it, then the driver
   * carries it. A device that is down or without carrier drops it.
   */
  transmit(frame: Uint8Array): void {
    if (!this.adminUp) {
      this.stats.txDropped++;
      this.owner.drop(this, frame, 'device down');
      return;
    }
    if (this.qdisc) {
      // A root qdisc (tc, l2/netem.ts) decides when the frame leaves and whether: what it drops never reaches the
      // taps, and counts in the qdisc's statistics, not the device's.
      this.qdisc.enqueue(frame, (f) => this.hardStartXmit(f), (f, reason) => this.owner.drop(this, f, reason));
      return;
    }
    this.hardStartXmit(frame);
  }

  /** dev_hard_start_xmit(): captures see the frame, counters count it, the driver carries it. */
  private hardStartXmit(frame: Uint8Array): void {
    if (!this.carrierOn) {
      this.stats.txDropped++;
      this.owner.drop(this, frame, 'carrier down');
      return;
    }
    this.tap(frame, 'out');
    this.stats.txPackets++;
    this.stats.txBytes += frame.length;
    this.xmit(frame);
  }

  /** The driver's ndo_start_xmit(). */
  protected abstract xmit(frame: Uint8Array): void;

  /**
   * A frame arrives from the wire (netif_rx() → __netif_receive_skb()): captures see it, then the rx handler of a
   * master (bridge port) or the owner's stack takes it.
   */
  deliver(frame: Uint8Array): void {
    if (!this.adminUp) {
      this.stats.rxDropped++;
      this.owner.drop(this, frame, 'device down');
      return;
    }
    this.stats.rxPackets++;
    this.stats.rxBytes += frame.length;
    this.tap(frame, 'in');
    if (this.rxHandler?.(this, frame)) return;
    this.owner.receive(this, frame);
  }

  /** Shows a frame to every capture on this device. */
  protected tap(frame: Uint8Array, direction: Direction): void {
    const taps = this.tapSet;
    if (taps === undefined || taps.size === 0) return;
    const at = this.owner.scheduler.now;
    for (const tap of taps) tap.frame(this, frame, direction, at);
  }

  /** Called when the device is deleted (unregister_netdevice()). */
  unregister(): void {
    this.close();
    this.master?.removePort(this);
    this.owner.deviceChanged(this, 'unregister');
  }
}
