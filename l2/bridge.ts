import { SECOND, type Instant, type Timer } from '../core/clock.ts';
import { isMulticastMac, MAC_ZERO, readMac, type MacAddress } from '../core/mac.ts';
import { NetDevice, type DeviceOwner, type MasterDevice } from './device.ts';
import { Fdb, type FdbEntry } from './fdb.ts';

/** BR_MAX_PORTS is 1024 and port number 0 is reserved: at most 1,023 ports. */
export const BRIDGE_MAX_PORTS = 1023;

/** One bridge port (struct net_bridge_port): the enslaved device and its port number. */
export interface BridgePort {
  readonly device: NetDevice;
  readonly portNo: number;
  /** BR_STATE_*: with STP off a port forwards as soon as its device is running, else it is disabled. */
  state: 'disabled' | 'forwarding';
  learning: boolean;
  flood: boolean;
  hairpin: boolean;
}

/** Why a port could not be added, in RTNETLINK's words. */
export type AddPortError = 'Exchange full' | 'Device or resource busy' | 'Too many levels of symbolic links';

/**
 * A Linux bridge (net/bridge): learning, ageing, flooding, local delivery, STP off. Its MAC follows the lowest port
 * MAC unless set by hand; its carrier is on while any port forwards.
 */
export class Bridge extends NetDevice implements MasterDevice {
  readonly kind = 'bridge';
  /** Newest first, as br_add_if() puts ports at the head of port_list. */
  readonly ports: BridgePort[] = [];
  readonly fdb = new Fdb();
  /** ageing_time in nanoseconds (IFLA_BR_AGEING_TIME is centiseconds; default 300 s). */
  ageingTime = 300 * SECOND;
  /** Until a port changes the carrier, the kernel reports no operstate: UNKNOWN (measured). */
  private carrierEverSet = false;
  private cleanupTimer: Timer | undefined;
  /** Ports by device, their numbers, and how many forward: kept as ports come and go, so that a bridge of 1,023
   * ports adds, finds and re-selects a port in constant time. */
  private readonly portByDevice = new Map<NetDevice, BridgePort>();
  private readonly usedPortNos = new Set<number>();
  /** Every port number below this is taken. */
  private lowestFreePortNo = 1;
  private forwardingPorts = 0;

  constructor(name: string, ifindex: number, mac: MacAddress, owner: DeviceOwner) {
    super(name, ifindex, mac, owner);
    this.carrierOn = true;
    this.fdb.set(this.localEntry(this, mac));
  }

  protected override get operUnknown(): boolean {
    return !this.carrierEverSet;
  }

  override setCarrier(on: boolean): void {
    this.carrierEverSet = true;
    super.setCarrier(on);
  }

  /** `ip link set DEV master BR`: br_add_if(). */
  addPort(device: NetDevice): AddPortError | undefined {
    if (device === this) return 'Too many levels of symbolic links';
    if (device.master) return 'Device or resource busy';
    if (this.ports.length >= BRIDGE_MAX_PORTS) return 'Exchange full';
    let portNo = this.lowestFreePortNo;
    while (this.usedPortNos.has(portNo)) portNo++;
    this.lowestFreePortNo = portNo + 1;
    this.usedPortNos.add(portNo);
    const port: BridgePort = { device, portNo, state: 'disabled', learning: true, flood: true, hairpin: false };
    this.ports.unshift(port);
    this.portByDevice.set(device, port);
    device.master = this;
    device.rxHandler = (dev, frame) => this.handleFrame(port, frame);
    if (!this.fdb.get(device.mac)?.local) this.fdb.set(this.localEntry(device, device.mac));
    // The bridge MAC already is the lowest of the other ports': only the new one can lower it.
    if (this.ports.length > 1 && this.mac !== MAC_ZERO && device.mac !== MAC_ZERO) {
      if (!this.macSetByHand && device.mac < this.mac) this.changeMac(device.mac);
    } else {
      this.recalculateMac();
    }
    // br_add_if() → br_port_carrier_check(): the other ports' states stand; select the new one's.
    this.selectPortState(port);
    this.setCarrier(this.forwardingPorts > 0);
    // Measured: adding a forwarding port to an up bridge whose carrier is already on turns UNKNOWN into UP at once,
    // so the operstate is recomputed when a port joins, not only at carrier events.
    this.linkwatch();
    this.owner.deviceChanged(device, 'master');
    return undefined;
  }

  /** `ip link set DEV nomaster` or deletion of the port device: br_del_if(). */
  removePort(device: NetDevice): void {
    const port = this.portByDevice.get(device);
    if (!port) return;
    this.ports.splice(this.ports.indexOf(port), 1);
    this.portByDevice.delete(device);
    this.usedPortNos.delete(port.portNo);
    if (port.portNo < this.lowestFreePortNo) this.lowestFreePortNo = port.portNo;
    if (port.state === 'forwarding') this.forwardingPorts--;
    port.state = 'disabled';
    device.master = undefined;
    device.rxHandler = undefined;
    this.fdb.deleteByPort(device, (e) => !e.local);
    for (const e of [...this.fdb.all()]) if (e.local && e.port === device) this.releaseLocal(e.mac, device);
    this.recalculateMac();
    this.portStateSelection();
    this.owner.deviceChanged(device, 'master');
  }

  /** The port for a device, if it is one of ours. */
  portOf(device: NetDevice): BridgePort | undefined {
    return this.portByDevice.get(device);
  }

  /** A port's device changed carrier or admin state (br_device_event() → br_port_carrier_check()). */
  portChanged(device: NetDevice): void {
    const port = this.portByDevice.get(device);
    if (!port) return;
    // Only this port's device changed: the others keep their states (each change of theirs comes here too).
    this.selectPortState(port);
    this.setCarrier(this.forwardingPorts > 0);
  }

  /** A port's MAC changed (NETDEV_CHANGEADDR): its local entry moves and the bridge MAC is recalculated. */
  portAddressChanged(device: NetDevice, old: MacAddress): void {
    const entry = this.fdb.get(old);
    if (entry?.local && entry.port === device) this.releaseLocal(old, device);
    if (!this.fdb.get(device.mac)?.local) this.fdb.set(this.localEntry(device, device.mac));
    this.recalculateMac();
  }

  /** `ip link set BR address MAC`: the MAC is then fixed (addr_assign_type NET_ADDR_SET). */
  override setMac(mac: MacAddress): void {
    this.macSetByHand = true;
    if (mac !== this.mac) this.changeMac(mac);
  }

  /** The MAC given at creation counts as set by hand, and selects port states as a change would. */
  adoptMacSetByHand(): void {
    this.macSetByHand = true;
    this.portStateSelection();
  }

  /** A changed MAC is the port's own local entry unless it was the bridge's (fdb_delete_local()). */
  private releaseLocal(mac: MacAddress, leaving: NetDevice | undefined): void {
    const entry = this.fdb.get(mac);
    if (!entry?.local) return;
    const other = this.ports.find((p) => p.device !== leaving && p.device.mac === mac);
    if (other) entry.port = other.device;
    else if (leaving && this.mac === mac) entry.port = this;
    else this.fdb.delete(mac);
  }

  /**
   * The bridge MAC is the numerically lowest port MAC, 00:00:00:00:00:00 with no ports, unless set by hand
   * (net/bridge/br_stp_if.c: br_stp_recalculate_bridge_id()).
   */
  private recalculateMac(): void {
    if (this.macSetByHand) return;
    let lowest: MacAddress = MAC_ZERO;
    for (const port of this.ports) if (lowest === MAC_ZERO || port.device.mac < lowest) lowest = port.device.mac;
    if (lowest !== this.mac) this.changeMac(lowest);
  }

  /**
   * br_stp_change_bridge_id(): the bridge's own local entry moves to the new MAC (br_fdb_change_mac_address();
   * a port's entry for the same MAC is kept), then port states are selected again, which with no live port
   * turns the carrier off.
   */
  private changeMac(mac: MacAddress): void {
    const old = this.mac;
    const entry = this.fdb.get(old);
    if (entry?.local && entry.port === this) this.fdb.delete(old);
    this.mac = mac;
    if (mac !== MAC_ZERO && !this.fdb.get(mac)?.local) this.fdb.set(this.localEntry(this, mac));
    this.owner.deviceChanged(this, 'address');
    this.portStateSelection();
  }

  /** With STP off, ports forward while their device runs; the bridge has carrier while any does (br_port_state_selection()). */
  private portStateSelection(): void {
    for (const port of this.ports) this.selectPortState(port);
    this.setCarrier(this.forwardingPorts > 0);
  }

  /** One port's state: forwarding while its device runs and the bridge is up, else disabled. */
  private selectPortState(port: BridgePort): void {
    const state = port.device.running && this.adminUp ? 'forwarding' : 'disabled';
    if (state === port.state) return;
    this.forwardingPorts += state === 'forwarding' ? 1 : -1;
    port.state = state;
  }

  /** br_stp_enable_bridge(): each running port is enabled, which selects port states; with no port, nothing. */
  protected override onOpen(): void {
    if (this.ports.length > 0) this.portStateSelection();
  }

  protected override onClose(): void {
    for (const port of this.ports) port.state = 'disabled';
    this.forwardingPorts = 0;
  }

  /** br_dev_xmit(): the stack sends through the bridge: to the port that knows the destination, else flood. */
  protected xmit(frame: Uint8Array): void {
    const destination = readMac(frame, 0);
    if (!isMulticastMac(destination)) {
      const entry = this.lookup(destination);
      if (entry && !entry.local) {
        this.forward(this.portOf(entry.port), frame, undefined);
        return;
      }
    }
    this.flood(frame, undefined);
  }

  /**
   * A frame arrived on a port (br_handle_frame() → br_handle_frame_finish()): learn the source, then forward,
   * flood, and/or pass it up to the bridge device.
   */
  private handleFrame(port: BridgePort, frame: Uint8Array): boolean {
    if (port.state !== 'forwarding' || frame.length < 14) {
      this.owner.drop(port.device, frame, 'device down');
      return true;
    }
    const destination = readMac(frame, 0);
    const source = readMac(frame, 6);
    if (port.learning) this.learn(port, source);
    if (isMulticastMac(destination)) {
      this.flood(frame, port, this.adminUp);
      this.passUp(frame);
      return true;
    }
    const entry = this.lookup(destination);
    // local_rcv: a promiscuous bridge (a capture on it) also passes up what it forwards (br_handle_frame_finish()).
    const promiscuous = this.promiscuity > 0 && this.adminUp;
    if (entry?.local) {
      this.passUp(frame);
    } else if (entry) {
      this.forward(this.portOf(entry.port), frame, port, promiscuous);
      if (promiscuous) this.passUp(frame);
    } else {
      this.flood(frame, port, promiscuous);
      if (promiscuous) this.passUp(frame);
    }
    return true;
  }

  /** br_fdb_update(): learn or refresh where `source` lives; local addresses and multicast sources are not learned. */
  private learn(port: BridgePort, source: MacAddress): void {
    if (isMulticastMac(source) || source === MAC_ZERO) return;
    const now = this.now;
    const entry = this.fdb.get(source);
    if (entry) {
      if (entry.local || entry.isStatic) return;
      entry.port = port.device;
      entry.updated = now;
      return;
    }
    this.fdb.set({ mac: source, port: port.device, local: false, isStatic: false, updated: now, used: now });
    this.scheduleCleanup(now + this.ageingTime);
  }

  /** br_fdb_find_rcu(): an entry that has aged out no longer counts, even before the cleanup runs. */
  private lookup(mac: MacAddress): FdbEntry | undefined {
    const entry = this.fdb.get(mac);
    if (!entry) return undefined;
    if (!entry.local && !entry.isStatic) entry.used = this.now;
    return entry;
  }

  /**
   * br_forward(): to one port, never back out of the ingress port (hairpin off); a port that does not forward
   * (should_deliver() false) gets nothing and the frame is freed.
   */
  private forward(port: BridgePort | undefined, frame: Uint8Array, ingress: BridgePort | undefined, passedUp = false): void {
    if (port && port === ingress && !port.hairpin) {
      if (!passedUp) this.owner.drop(this, frame, 'ingress port');
      return;
    }
    if (!port || port.state !== 'forwarding') {
      if (!passedUp) this.owner.drop(this, frame, 'no port');
      return;
    }
    port.device.transmit(frame);
  }

  /**
   * br_flood(): to every forwarding port with flooding on, except the ingress port, newest port first. With no such
   * port the frame is freed, unless it is also delivered locally (`passedUp`: broadcast and multicast).
   */
  private flood(frame: Uint8Array, ingress: BridgePort | undefined, passedUp = false): void {
    let sent = false;
    for (const port of this.ports) {
      if (port === ingress || port.state !== 'forwarding' || !port.flood) continue;
      port.device.transmit(frame);
      sent = true;
    }
    if (!sent && !passedUp) this.owner.drop(this, frame, ingress ? 'ingress port' : 'no port');
  }

  /** br_pass_frame_up(): the frame is received by the bridge device itself. */
  private passUp(frame: Uint8Array): void {
    if (!this.adminUp) return;
    // br_pass_frame_up() counts skb->len, the Ethernet header already pulled.
    this.stats.rxPackets++;
    this.stats.rxBytes += frame.length - 14;
    this.tap(frame, 'in');
    this.owner.receive(this, frame);
  }

  private localEntry(port: NetDevice, mac: MacAddress): FdbEntry {
    return { mac, port, local: true, isStatic: true, updated: this.now, used: this.now };
  }

  /** Sets ageing_time (`ip link set BR type bridge ageing_time CENTISECONDS`) and re-runs the cleanup. */
  setAgeingTime(ns: number): void {
    this.ageingTime = ns;
    this.runCleanup();
  }

  private scheduleCleanup(at: Instant): void {
    if (this.cleanupTimer && !this.cleanupTimer.cancelled && this.cleanupTimer.at <= at) return;
    this.cleanupTimer?.cancel();
    this.cleanupTimer = this.owner.scheduler.at(at, () => this.runCleanup());
  }

  /** br_fdb_cleanup(): delete expired entries and re-arm at the next expiry. */
  private runCleanup(): void {
    this.cleanupTimer?.cancel();
    this.cleanupTimer = undefined;
    const next = this.fdb.expire(this.now, this.ageingTime);
    if (next !== undefined) this.scheduleCleanup(next);
  }
}
