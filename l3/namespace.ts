import type { Instant, Scheduler } from '../core/clock.ts';
import { cidrContains, formatIpv4, parseIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { routeOutput } from './route.ts';
import type { Random } from '../core/random.ts';
import { EtherType } from '../core/wire/ethernet.ts';
import type { DeviceChange, DeviceOwner, DropReason, NetDevice } from '../l2/device.ts';
import { Loopback } from '../l2/loopback.ts';
import { defaultNeighParms, NeighbourTable, randomReachableTime, type NeighParms } from '../l2/neighbour.ts';
import type { TimerWheel } from '../l2/timer-wheel.ts';
import { AddressList, type InetAddress } from './address.ts';
import { arpNeighbourOps, arpReceive } from './arp.ts';
import { FibTable, TABLE_LOCAL, TABLE_MAIN, type Route } from './fib.ts';
import { IpIdents } from './ident.ts';
import { ipReceive, type OutPacket } from './ipv4.ts';
import { IcmpRateLimiter } from './icmp.ts';
import { ALL_SNOOPERS, joinGroup } from './igmp.ts';
import type { PacketFilter } from './hooks.ts';
import { addIfaddrRoutes, deviceCarrierChanged, deviceDown, removeIfaddrRoutes } from './ifaddr-routes.ts';
import { SocketTable, type TransportLayer } from './socket.ts';
import { netfilterAddressGone, netfilterDeviceGone } from './netfilter/netfilter.ts';
import { CONF_KEYS, DevConf, type ConfKey } from './sysctl.ts';

/** A frame or packet that went nowhere, with the reason (DESIGN.md §3 "Frames"). */
export interface DropRecord {
  readonly at: number;
  readonly namespace: string;
  readonly device: string | undefined;
  readonly reason: DropReason;
  readonly length: number;
}

/** What a namespace needs from the world it lives in (the simulator's Network). */
/** A kernel log line, from the namespace that wrote it. */
export interface KernelLogLine {
  readonly namespace: string;
  readonly at: Instant;
  readonly text: string;
}

export interface NamespaceHost {
  readonly scheduler: Scheduler;
  /** A seeded random stream for one purpose in this namespace. */
  random(purpose: string): Random;
  /** Records a drop. */
  recordDrop(record: DropRecord): void;
  /** Appends a line to the machine's kernel log (the LOG target's; one log for every namespace, as dmesg shows it). */
  logKernel?(record: KernelLogLine): void;
  /**
   * A reachable_time to use instead of a random draw for a device (nanoseconds): compare mode gives the kernel's
   * own draws to the simulator so that neighbour timelines can be compared (DESIGN.md §4).
   */
  reachableTimeFor?(namespace: string, device: string): number | undefined;
  /** The kernel's timer wheel, when neighbour timers should run as late as the kernel runs them (compare mode). */
  readonly timerWheel?: TimerWheel;
}

/**
 * One network namespace's IPv4 stack (struct net): devices, per-device configuration, addresses, routing tables,
 * the ARP neighbour table, sockets. It owns its devices' received frames.
 */
export class NetNamespace implements DeviceOwner {
  /** Devices in registration order (dev_base_head). */
  readonly devices: NetDevice[] = [];
  private readonly byName = new Map<string, NetDevice>();
  private readonly byIndex = new Map<number, NetDevice>();
  /** The next index to try (net->ifindex, allocated cyclically by dev_index_reserve()). */
  private nextIfindex = 1;
  readonly loopback: Loopback;

  /** `net.ipv4.conf.all` and `.default`; per-device blocks in `devConf`. */
  readonly confAll = new DevConf();
  readonly confDefault = new DevConf();
  readonly devConf = new Map<NetDevice, DevConf>();
  /** `net.ipv4.ip_default_ttl`. */
  defaultTtl = 64;
  /** `net.ipv4.neigh.default.*` and per device. */
  readonly neighDefault: NeighParms;
  readonly neighParms = new Map<NetDevice, NeighParms>();
  /** `net.ipv4.icmp_*` (net/ipv4/icmp.c defaults). */
  readonly icmp = { echoIgnoreBroadcasts: 1, ratelimitMs: 1000, ratemask: 0x1818 };
  /** `net.ipv6.conf.{all,default}.disable_ipv6` (IPv6 itself is not modelled). */
  readonly ipv6Disabled = { all: 0, default: 0 };

  readonly addresses = new Map<NetDevice, AddressList>();
  readonly tables = new Map<number, FibTable>([
    [TABLE_LOCAL, new FibTable(TABLE_LOCAL)],
    [TABLE_MAIN, new FibTable(TABLE_MAIN)],
  ]);
  readonly arp: NeighbourTable<OutPacket>;
  readonly sockets = new SocketTable();
  /** UDP and TCP, once installed. */
  transport: TransportLayer | undefined;
  /** Netfilter (conntrack, iptables filter and nat), once a rule or a tracked flow needs it. */
  netfilter: PacketFilter | undefined;
  readonly idents: IpIdents;
  readonly icmpLimiter = new IcmpRateLimiter();
  /** Namespace ids this namespace has allocated for others (peernet2id_alloc()); change it with nsidFor/dropNsid. */
  readonly nsids = new Map<NetNamespace, number>();
  /** The ids in `nsids`, and a bound below which every id is taken: allocation stays O(1) with 100,000 peers. */
  private usedNsids: Set<number> | undefined;
  private lowestFreeNsid = 0;
  private readonly reachRandom: Random;

  constructor(
    readonly name: string,
    readonly host: NamespaceHost,
  ) {
    this.reachRandom = host.random(`reachable:${name}`);
    this.idents = new IpIdents(() => host.random(`ipid:${name}`));
    this.neighDefault = defaultNeighParms();
    this.neighDefault.reachableTime = randomReachableTime(this.neighDefault.baseReachableTime, this.reachRandom);
    this.arp = new NeighbourTable(host.scheduler, arpNeighbourOps(this), (dev) => this.neighParmsOf(dev));
    this.arp.wheel = host.timerWheel;
    this.loopback = new Loopback(this);
    this.register(this.loopback, 1);
  }

  get scheduler(): Scheduler {
    return this.host.scheduler;
  }

  get now(): number {
    return this.host.scheduler.now;
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Devices                                                                                                      */

  /** dev_get_by_name(). */
  device(name: string): NetDevice | undefined {
    return this.byName.get(name);
  }

  /** dev_get_by_index(). */
  deviceByIndex(ifindex: number): NetDevice | undefined {
    return this.byIndex.get(ifindex);
  }

  /**
   * dev_index_reserve(): keeps `wanted` when it is free here (a device moved in keeps its index), else takes the
   * next free index cyclically from net->ifindex.
   */
  reserveIfindex(wanted?: number): number {
    if (wanted !== undefined && wanted > 0 && !this.byIndex.has(wanted)) return wanted;
    let candidate = this.nextIfindex;
    while (this.byIndex.has(candidate)) candidate = candidate >= 0x7fffffff ? 1 : candidate + 1;
    this.nextIfindex = candidate + 1;
    return candidate;
  }

  /** register_netdevice(): the device joins this namespace with its conf copied from `default`. */
  register(device: NetDevice, ifindex?: number): void {
    device.ifindex = this.reserveIfindex(ifindex ?? device.ifindex);
    device.owner = this;
    this.devices.push(device);
    this.byName.set(device.name, device);
    this.byIndex.set(device.ifindex, device);
    const conf = new DevConf(this.confDefault);
    this.devConf.set(device, conf);
    const parms = { ...this.neighDefault };
    this.neighParms.set(device, parms);
    this.drawReachableTime(device, parms);
    this.addresses.set(device, new AddressList());
  }

  /** unregister_netdevice(): addresses, routes and neighbours of the device go with it. */
  unregister(device: NetDevice): void {
    if (device.adminUp) device.close();
    const list = this.addresses.get(device);
    if (list) for (const address of [...list.list]) this.removeAddress(address);
    this.flushRoutes((r) => r.device === device);
    this.arp.flushDevice(device);
    this.devices.splice(this.devices.indexOf(device), 1);
    this.byName.delete(device.name);
    this.byIndex.delete(device.ifindex);
    this.devConf.delete(device);
    this.neighParms.delete(device);
    this.addresses.delete(device);
    this.sockets.deviceGone(device);
  }

  /** Renames a device (`ip link set X name Y`). */
  rename(device: NetDevice, name: string): void {
    this.byName.delete(device.name);
    device.name = name;
    this.byName.set(name, device);
  }

  /** The namespace id this namespace uses for `other` (peernet2id_alloc(): the lowest free id, from 0). */
  nsidFor(other: NetNamespace): number {
    let id = this.nsids.get(other);
    if (id === undefined) {
      const used = (this.usedNsids ??= new Set());
      id = this.lowestFreeNsid;
      while (used.has(id)) id++;
      used.add(id);
      this.lowestFreeNsid = id + 1;
      this.nsids.set(other, id);
    }
    return id;
  }

  /** Forgets the id of a namespace that went away (its id becomes the lowest free one again if it is). */
  dropNsid(other: NetNamespace): void {
    const id = this.nsids.get(other);
    if (id === undefined) return;
    this.nsids.delete(other);
    this.usedNsids?.delete(id);
    if (id < this.lowestFreeNsid) this.lowestFreeNsid = id;
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Configuration                                                                                                */

  /** The effective value of a conf key for a device (IN_DEV_CONF_GET, IN_DEV_MAXCONF, IN_DEV_ORCONF). */
  conf(device: NetDevice, key: ConfKey): number {
    const own = this.devConf.get(device)?.get(key) ?? this.confDefault.get(key);
    const all = this.confAll.get(key);
    switch (CONF_KEYS[key].combine) {
      case 'device':
        return own;
      case 'max':
        return Math.max(all, own);
      case 'or':
        return all || own ? 1 : 0;
    }
  }

  /** The neighbour parameters of a device. */
  neighParmsOf(device: NetDevice): NeighParms {
    return this.neighParms.get(device) ?? this.neighDefault;
  }

  /** Redraws a device's reachable_time after base_reachable_time changed (neigh_proc_base_reachable_time()). */
  redrawReachableTime(parms: NeighParms): void {
    const device = [...this.neighParms].find(([, p]) => p === parms)?.[0];
    if (device) this.drawReachableTime(device, parms);
    else parms.reachableTime = randomReachableTime(parms.baseReachableTime, this.reachRandom);
  }

  /** neigh_rand_reach_time() for a device, unless the host fixes the value (compare mode). */
  private drawReachableTime(device: NetDevice, parms: NeighParms): void {
    const drawn = randomReachableTime(parms.baseReachableTime, this.reachRandom);
    parms.reachableTime = this.host.reachableTimeFor?.(this.name, device.name) ?? drawn;
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Addresses                                                                                                    */

  /** The addresses of a device, primaries first. */
  addressesOf(device: NetDevice): readonly InetAddress[] {
    return this.addresses.get(device)?.list ?? [];
  }

  /** Every address of the namespace, in device order. */
  allAddresses(): InetAddress[] {
    return this.devices.flatMap((d) => this.addressesOf(d));
  }

  /** inet_addr_type() == RTN_LOCAL: whether `address` is one of ours (in the local table). */
  isLocalAddress(address: Ipv4Address): boolean {
    const hit = this.table(TABLE_LOCAL).lookup(address);
    return hit?.route.type === 'local' && hit.prefixLength === 32;
  }

  /** The address object holding `address`, if any. */
  findAddress(address: Ipv4Address): InetAddress | undefined {
    for (const device of this.devices) {
      const found = this.addressesOf(device).find((a) => a.local === address);
      if (found) return found;
    }
    return undefined;
  }

  /** inet_addr_onlink(): whether `a` (and `b`, when given) lie in a subnet of one of the device's primaries. */
  isOnLink(device: NetDevice, a: Ipv4Address, b?: Ipv4Address): boolean {
    return this.addressesOf(device).some(
      (x) => !x.secondary && cidrContains({ address: x.local, prefixLength: x.prefixLength }, a) && (b === undefined || b === 0 || cidrContains({ address: x.local, prefixLength: x.prefixLength }, b)),
    );
  }

  /** Adds an address and its routes (inet_rtm_newaddr() → __inet_insert_ifa() → fib_add_ifaddr()). */
  addAddress(candidate: Omit<InetAddress, 'secondary'>): InetAddress | 'File exists' | 'Invalid argument' | 'Cannot assign requested address' {
    const list = this.addresses.get(candidate.device);
    if (!list) return 'Cannot assign requested address';
    const added = list.insert(candidate);
    if (typeof added === 'string') return added;
    addIfaddrRoutes(this, added);
    return added;
  }

  /** Removes an address, its secondaries unless promoted, and their routes (inet_rtm_deladdr()). */
  removeAddress(address: InetAddress): void {
    const list = this.addresses.get(address.device);
    if (!list) return;
    const promote = this.conf(address.device, 'promote_secondaries') === 1;
    for (const removed of list.remove(address, promote)) {
      removeIfaddrRoutes(this, removed);
      // masq_inet_event(): MASQUERADE's connections to the address go with it (l3/netfilter).
      netfilterAddressGone(this, removed.device, removed.local);
    }
    this.sockets.addressGone(address.local);
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Routing tables                                                                                               */

  /** A routing table, created on first use (fib_new_table()). */
  table(id: number): FibTable {
    let table = this.tables.get(id);
    if (!table) {
      table = new FibTable(id);
      this.tables.set(id, table);
    }
    return table;
  }

  /** Removes routes matching `which` from every table (fib_flush()). */
  flushRoutes(which: (route: Route) => boolean): void {
    for (const table of this.tables.values()) table.removeWhere(which);
  }

  /**
   * Where a locally sent packet to `destination` would go (`ip route get`): device, gateway, source and kind, or
   * the error connect() would give (DESIGN.md §6 `net.namespace('netns1').routeLookup('8.8.8.8')`).
   */
  routeLookup(destination: string | Ipv4Address): { device: string; gateway: string | undefined; source: string; kind: string } | { error: string } {
    const address = typeof destination === 'number' ? destination : parseIpv4(destination);
    if (typeof address !== 'number' && !address.ok) return { error: address.error };
    const route = routeOutput(this, typeof address === 'number' ? address : address.value);
    if (typeof route === 'string') return { error: route };
    return {
      device: route.device.name,
      gateway: route.route?.gateway === undefined ? undefined : formatIpv4(route.route.gateway),
      source: formatIpv4(route.source),
      kind: route.kind,
    };
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* DeviceOwner                                                                                                  */

  /** A frame arrived for this namespace's stack (__netif_receive_skb_core() → packet_type handlers). */
  receive(device: NetDevice, frame: Uint8Array): void {
    if (frame.length < 14) {
      this.drop(device, frame, 'malformed');
      return;
    }
    const etherType = (frame[12]! << 8) | frame[13]!;
    if (etherType === EtherType.Ipv4) ipReceive(this, device, frame);
    else if (etherType === EtherType.Arp) arpReceive(this, device, frame);
    else this.drop(device, frame, 'not for us');
  }

  /** Netdevice notifier: routes and neighbours follow the device (fib_netdev_event(), arp_netdev_event()). */
  deviceChanged(device: NetDevice, change: DeviceChange): void {
    switch (change) {
      case 'up':
        // inetdev_event(NETDEV_UP): lo gets 127.0.0.1/8 scope host whenever it comes up.
        if (device === this.loopback && !this.addressesOf(device).some((a) => a.local === 0x7f000001)) {
          this.addresses.get(device)?.insert({ device, local: 0x7f000001, prefixLength: 8, broadcast: undefined, scope: 'host', label: 'lo', noPrefixRoute: false, metric: 0 });
        }
        for (const address of this.addressesOf(device)) addIfaddrRoutes(this, address);
        // br_multicast_open() → br_multicast_join_snoopers(): a bridge with multicast snooping (the default) joins
        // 224.0.0.106 and reports it.
        if (device.kind === 'bridge') joinGroup(this, device, ALL_SNOOPERS);
        break;
      case 'down':
        deviceDown(this, device);
        // masq_device_event(NETDEV_DOWN): MASQUERADE's connections out of the device go (l3/netfilter).
        netfilterDeviceGone(this, device);
        break;
      case 'carrier':
        deviceCarrierChanged(this, device);
        break;
      case 'address':
        // arp_netdev_event(NETDEV_CHANGEADDR): neigh_changeaddr() flushes the device's entries.
        this.arp.flushDevice(device);
        break;
      case 'master':
      case 'unregister':
        break;
    }
  }

  drop(device: NetDevice | undefined, frame: Uint8Array, reason: DropReason): void {
    this.host.recordDrop({ at: this.now, namespace: this.name, device: device?.name, reason, length: frame.length });
  }
}
