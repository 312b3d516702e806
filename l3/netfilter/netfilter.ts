import { SECOND, type Instant } from '../../core/clock.ts';
import type { Ipv4Address } from '../../core/ipv4.ts';
import type { Random } from '../../core/random.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { HookPacket, HookVerdict, NfHook, PacketFilter } from '../hooks.ts';
import type { NetNamespace } from '../namespace.ts';
import { Reassembly } from '../reassembly.ts';
import { genericPacket } from './conntrack-generic.ts';
import { icmpErrorConn, icmpPacket } from './conntrack-icmp.ts';
import { tcpNew, tcpPacket, tcpValidFlags, type TcpSegment } from './conntrack-tcp.ts';
import { udpPacket } from './conntrack-udp.ts';
import { ConntrackTable, IPS, NfConn, type Direction, type TupleHash } from './conntrack.ts';
import { logLine, type KernelLogRecord } from './log.ts';
import { masqueradeAddressGone, masqueradeDeviceGone, masqueradeRange, masqueradeSource } from './masquerade.ts';
import { isPartialChecksum, manipPacket, recomputeIcmpChecksum, type ManipType } from './nat-manip.ts';
import { natInitialized, natNullBinding, natSetup, type NatContext, type NatRangeSpec } from './nat.ts';
import { rejectPacket } from './reject.ts';
import { invertTuple, isIcmpError, tupleHash, tupleEqual, tupleOf, type ConntrackTuple } from './tuple.ts';
import { doTable, type TargetOutcome } from './xt-do-table.ts';
import { STATE_BITS, needsConntrack, type XtTarget } from './xt-rule.ts';
import { XtTable, type TableName } from './xt-table.ts';

/** enum ip_conntrack_info without the reply bit (the direction says that): what `--ctstate` sees. */
export type CtInfo = 'new' | 'established' | 'related';

/** A packet's connection (skb->_nfct): the entry, the packet's direction in it, and its ctinfo. */
export interface Tracked {
  readonly conn: NfConn;
  readonly dir: Direction;
  readonly info: CtInfo;
}

const instances = new WeakMap<NetNamespace, Netfilter>();

/** The namespace's netfilter, created (and hooked into its IPv4 path) on first use. */
export function netfilterOf(ns: NetNamespace): Netfilter {
  let nf = instances.get(ns);
  if (!nf) {
    nf = new Netfilter(ns);
    instances.set(ns, nf);
    ns.netfilter = nf;
  }
  return nf;
}

/** The namespace's netfilter if it has one (no iptables command ran there yet: undefined). */
export function existingNetfilter(ns: NetNamespace): Netfilter | undefined {
  return instances.get(ns);
}

/**
 * masq_inet_event(): an address left a device; connections masqueraded to it out of that device go
 * (called from NetNamespace.removeAddress()).
 */
export function netfilterAddressGone(ns: NetNamespace, device: NetDevice, address: Ipv4Address): void {
  instances.get(ns)?.conntrack.removeWhere((c) => masqueradeAddressGone(c, device, address));
}

/** masq_device_event(): a device went down or away; connections masqueraded out of it go (NetNamespace.deviceChanged()). */
export function netfilterDeviceGone(ns: NetNamespace, device: NetDevice): void {
  instances.get(ns)?.conntrack.removeWhere((c) => masqueradeDeviceGone(c, device));
}

function read16(d: Uint8Array, at: number): number {
  return (d[at]! << 8) | d[at + 1]!;
}

/**
 * Netfilter in one namespace (struct net's nf, ct and nat state with the iptables-nft tables): the `filter`
 * and `nat` tables, connection tracking and NAT, run at the hooks in the kernel's priority order —
 * PREROUTING: defrag (-400), conntrack (-200), DNAT (-100); OUTPUT: conntrack, DNAT, filter (0);
 * FORWARD: filter; INPUT: filter, SNAT (100), confirm; POSTROUTING: SNAT, confirm (last).
 *
 * Connection tracking runs only while some rule needs it (a NAT target, a state match: nf_ct_netns_get(),
 * measured on this kernel: a fresh namespace tracks nothing until such a rule exists, and stops when the last
 * one goes), and the NAT hooks only while the nat table has a chain in the kernel. A packet's connection is
 * found again at each hook from its tuple (or its inverse, once NAT has rewritten it), which is what skb->_nfct
 * carries in the kernel; a connection is unconfirmed until its first packet passes POSTROUTING or INPUT.
 */
export class Netfilter implements PacketFilter {
  readonly tables: Readonly<Record<TableName, XtTable>> = { filter: new XtTable('filter'), nat: new XtTable('nat') };
  readonly conntrack = new ConntrackTable();
  /** What the LOG target wrote (the kernel log of this namespace). */
  readonly log: KernelLogRecord[] = [];
  /** Whether some rule needs connection tracking. */
  tracking = false;
  /** Unconfirmed (and just-killed) connections of the packets being processed now, by tuple hash. */
  private readonly pending = new Map<number, TupleHash[]>();
  private pendingAt: Instant = -1;
  /** Packets netfilter itself made for a connection (a REJECT's reset): nf_ct_attach(). */
  private readonly attached = new WeakMap<ArrayBufferLike, Tracked>();
  private readonly random: Random;
  /** The Ethernet header of the packet last seen at PREROUTING (LOG's MAC=). */
  private lastMac: Uint8Array | undefined;
  private defrag: Reassembly | undefined;

  constructor(readonly ns: NetNamespace) {
    this.random = ns.host.random(`nat:${ns.name}`);
  }

  /** Recomputes what the rules need after a change (nf_ct_netns_get()/put() as rules come and go). */
  rulesChanged(): void {
    this.tracking = false;
    for (const table of Object.values(this.tables)) {
      for (const chain of table.chains.values()) if (chain.rules.some((r) => needsConntrack(r.spec))) this.tracking = true;
    }
  }

  /** Whether the NAT hooks are registered: the nat table has a chain in the kernel (nf_nat_register_fn()). */
  private get natHooks(): boolean {
    for (const chain of this.tables.nat.chains.values()) if (chain.hook && chain.exists) return true;
    return false;
  }

  hook(hook: NfHook, packet: HookPacket): HookVerdict {
    const now = this.ns.now;
    const work = { d: packet.datagram, copied: false };
    const verdict = this.run(hook, packet, work, now);
    if (verdict === 'STOLEN') return { accept: false };
    if (verdict === 'DROP') {
      this.ns.drop(packet.inDevice ?? packet.outDevice, work.d, 'filtered');
      return { accept: false };
    }
    return { accept: true, datagram: work.d };
  }

  private run(hook: NfHook, packet: HookPacket, work: { d: Uint8Array; copied: boolean }, now: Instant): 'ACCEPT' | 'DROP' | 'STOLEN' {
    const { inDevice, outDevice } = packet;
    let tracked: Tracked | undefined;
    let verdict: 'ACCEPT' | 'DROP' = 'ACCEPT';
    switch (hook) {
      case 'PREROUTING': {
        const d = work.d;
        if (d.byteOffset >= 14) this.lastMac = new Uint8Array(d.buffer, d.byteOffset - 14, 14).slice();
        if (!this.tracking) return 'ACCEPT';
        if (inDevice?.kind === 'loopback') {
          tracked = this.lookup(work.d, now);
        } else {
          if ((read16(work.d, 6) & 0x3fff) !== 0) {
            // nf_defrag_ipv4: conntrack sees whole datagrams.
            this.defrag ??= new Reassembly(this.ns.scheduler, 30 * SECOND, () => {});
            const whole = this.defrag.add(work.d);
            if (!whole) return 'STOLEN';
            work.d = whole;
            work.copied = true;
          }
          tracked = this.conntrackIn(work.d, now);
        }
        if (this.natHooks) verdict = this.nat(hook, 'dst', tracked, work, inDevice, outDevice, now);
        break;
      }
      case 'OUTPUT': {
        tracked = this.attached.get(work.d.buffer) ?? (this.tracking ? this.conntrackIn(work.d, now) : undefined);
        if (tracked && this.natHooks) verdict = this.nat(hook, 'dst', tracked, work, inDevice, outDevice, now);
        if (verdict === 'ACCEPT') verdict = this.filter(hook, tracked, work.d, inDevice, outDevice, now);
        break;
      }
      case 'FORWARD':
        tracked = this.tracking ? this.lookup(work.d, now) : undefined;
        verdict = this.filter(hook, tracked, work.d, inDevice, outDevice, now);
        break;
      case 'INPUT':
        tracked = this.tracking ? this.lookup(work.d, now) : undefined;
        verdict = this.filter(hook, tracked, work.d, inDevice, outDevice, now);
        if (verdict === 'ACCEPT' && tracked && this.natHooks) verdict = this.nat(hook, 'src', tracked, work, inDevice, outDevice, now);
        if (verdict === 'ACCEPT') verdict = this.confirm(tracked, now);
        break;
      case 'POSTROUTING':
        tracked = this.attached.get(work.d.buffer) ?? (this.tracking ? this.lookup(work.d, now) : undefined);
        if (tracked && this.natHooks) verdict = this.nat(hook, 'src', tracked, work, inDevice, outDevice, now);
        if (verdict === 'ACCEPT') verdict = this.confirm(tracked, now);
        break;
    }
    // A dropped packet takes its new connection with it; a related one (an ICMP error attached to another
    // packet's connection) leaves that connection to its own packet.
    if (verdict === 'DROP' && tracked && !tracked.conn.confirmed && tracked.info !== 'related') this.unpend(tracked.conn);
    return verdict;
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* Connection tracking                                                                                          */

  private resetPending(now: Instant): void {
    if (this.pendingAt !== now) {
      this.pending.clear();
      this.pendingAt = now;
    }
  }

  private pend(conn: NfConn): void {
    for (const h of conn.hashes) {
      const key = tupleHash(conn.tuples[h.dir]);
      const list = this.pending.get(key);
      if (list) list.push(h);
      else this.pending.set(key, [h]);
    }
  }

  private unpend(conn: NfConn): void {
    for (const [key, list] of this.pending) {
      const kept = list.filter((h) => h.conn !== conn);
      if (kept.length === 0) this.pending.delete(key);
      else if (kept.length !== list.length) this.pending.set(key, kept);
    }
  }

  private findPending(tuple: ConntrackTuple, includeDying: boolean): TupleHash | undefined {
    const list = this.pending.get(tupleHash(tuple));
    return list?.find((h) => tupleEqual(h.conn.tuples[h.dir], tuple) && (includeDying || (h.conn.status & IPS.DYING) === 0));
  }

  /** nf_ct_kill(): the entry leaves the table; the packet being processed keeps it (as skb->_nfct would). */
  private kill(conn: NfConn, now: Instant): void {
    this.conntrack.remove(conn);
    conn.status |= IPS.DYING;
    this.resetPending(now);
    this.unpend(conn);
    this.pend(conn);
  }

  private ctinfo(conn: NfConn, dir: Direction): CtInfo {
    return dir === 1 || conn.status & IPS.SEEN_REPLY ? 'established' : 'new';
  }

  /**
   * nf_conntrack_in(): the packet's connection — an ICMP error is RELATED to the connection it quotes; any
   * other packet finds its entry or makes a new, unconfirmed one — then the protocol's tracker updates state and
   * timeout, or finds the packet INVALID (undefined: no connection).
   */
  private conntrackIn(d: Uint8Array, now: Instant): Tracked | undefined {
    this.resetPending(now);
    const tuple = tupleOf(d);
    if (!tuple) return undefined;
    if (tuple.protocol === IpProtocol.Icmp) {
      const type = tuple.destinationPart >>> 8;
      if (type > 18) return undefined;
      if (isIcmpError(type)) {
        const related = icmpErrorConn((t) => this.conntrack.find(t, now), d);
        return related && { ...related, info: 'related' };
      }
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const hit = this.conntrack.find(tuple, now) ?? this.findPending(tuple, false);
      let conn: NfConn;
      let dir: Direction;
      let fresh = false;
      if (hit) {
        conn = hit.conn;
        dir = hit.dir;
      } else {
        const reply = invertTuple(tuple);
        if (!reply) return undefined;
        conn = new NfConn(tuple, reply, now);
        dir = 0;
        fresh = true;
        this.pend(conn);
      }
      const info = this.ctinfo(conn, dir);
      let result: 'accept' | 'invalid' | 'repeat' = 'accept';
      switch (tuple.protocol) {
        case IpProtocol.Tcp: {
          const segment = tcpSegment(d);
          if (!segment || !tcpValidFlags(segment.flags)) result = 'invalid';
          else if (!conn.tcp && !tcpNew(conn, segment)) result = 'invalid';
          else result = tcpPacket(conn, dir, segment, now, () => this.kill(conn, now));
          break;
        }
        case IpProtocol.Udp:
          udpPacket(conn, now);
          break;
        case IpProtocol.Icmp:
          result = icmpPacket(conn, now);
          break;
        default:
          genericPacket(conn, now);
      }
      if (result === 'repeat') continue;
      if (result === 'invalid') {
        if (fresh) this.unpend(conn);
        return undefined;
      }
      if (dir === 1) conn.status |= IPS.SEEN_REPLY;
      return { conn, dir, info };
    }
    return undefined;
  }

  /** nf_ct_attach() for an ICMP error about `original`: its connection, the other direction, as related. */
  attachRelated(error: Uint8Array, original: Uint8Array): void {
    if (!this.tracking) return;
    const tracked = this.lookup(original, this.ns.now);
    if (tracked && tracked.info !== 'related') this.attached.set(error.buffer, { conn: tracked.conn, dir: tracked.dir === 0 ? 1 : 0, info: 'related' });
  }

  /** The connection of a packet at a later hook: by its tuple, or by the inverse once NAT has rewritten it. */
  private lookup(d: Uint8Array, now: Instant): Tracked | undefined {
    const tuple = tupleOf(d);
    if (!tuple) return undefined;
    if (tuple.protocol === IpProtocol.Icmp && isIcmpError(tuple.destinationPart >>> 8)) {
      const related = icmpErrorConn((t) => this.conntrack.find(t, now), d);
      return related && { ...related, info: 'related' };
    }
    const find = (t: ConntrackTuple): TupleHash | undefined => this.conntrack.find(t, now) ?? (this.pendingAt === now ? this.findPending(t, true) : undefined);
    const direct = find(tuple);
    if (direct) return { conn: direct.conn, dir: direct.dir, info: this.ctinfo(direct.conn, direct.dir) };
    const inverse = invertTuple(tuple);
    const translated = inverse && find(inverse);
    if (!translated) return undefined;
    const dir: Direction = translated.dir === 0 ? 1 : 0;
    return { conn: translated.conn, dir, info: this.ctinfo(translated.conn, dir) };
  }

  /** nf_conntrack_confirm(): a new connection's first packet got through; the entry joins the table. */
  private confirm(tracked: Tracked | undefined, now: Instant): 'ACCEPT' | 'DROP' {
    if (!tracked || tracked.dir !== 0) return 'ACCEPT';
    const conn = tracked.conn;
    if (conn.confirmed || conn.status & IPS.DYING) return 'ACCEPT';
    const clash = this.conntrack.find(conn.tuples[0], now) ?? this.conntrack.find(conn.tuples[1], now);
    if (clash && clash.conn !== conn) {
      this.unpend(conn);
      return 'DROP';
    }
    conn.status |= IPS.CONFIRMED;
    this.conntrack.insert(conn);
    this.unpend(conn);
    return 'ACCEPT';
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* NAT                                                                                                          */

  private natContext(now: Instant): NatContext {
    return { table: this.conntrack, random: this.random, now };
  }

  /** Maps the connection (a rule's range, or the null binding) and re-indexes it while unconfirmed. */
  private setup(conn: NfConn, range: NatRangeSpec | 'null', manip: ManipType, now: Instant): void {
    const pending = !conn.confirmed;
    if (pending) this.unpend(conn);
    if (range === 'null') natNullBinding(this.natContext(now), conn, manip);
    else natSetup(this.natContext(now), conn, range, manip);
    if (pending) this.pend(conn);
  }

  /**
   * nf_nat_inet_fn(): a new connection's first packet runs the nat table's chain for the hook until a target
   * maps it (no mapping: the null binding); an ICMP error is translated back (inner packet and outer address);
   * then every packet of a mapped connection is rewritten (nf_nat_packet()). A masqueraded connection whose
   * packets start leaving by another interface is killed.
   */
  private nat(hook: NfHook, manip: ManipType, tracked: Tracked | undefined, work: { d: Uint8Array; copied: boolean }, inDevice: NetDevice | undefined, outDevice: NetDevice | undefined, now: Instant): 'ACCEPT' | 'DROP' {
    if (!tracked) return 'ACCEPT';
    const { conn, dir, info } = tracked;
    const writable = (): Uint8Array => {
      if (!work.copied) {
        work.d = work.d.slice();
        work.copied = true;
      }
      return work.d;
    };
    const oifChanged = (): boolean => conn.masqIndex !== 0 && hook === 'POSTROUTING' && dir === 0 && outDevice !== undefined && conn.masqIndex !== outDevice.ifindex;
    if (info === 'related' && work.d[9] === IpProtocol.Icmp) return this.icmpReplyTranslation(tracked, manip, writable, work.d);
    if (info === 'new' || info === 'related') {
      if (!natInitialized(conn, manip)) {
        const packet = { datagram: work.d, inName: inDevice?.name, outName: outDevice?.name, stateBits: stateBits(tracked) };
        const verdict = doTable(this.tables.nat, hook, packet, work.d.length, (t) => this.natTarget(t, tracked, work.d, inDevice, outDevice, now));
        if (verdict === 'DROP') return 'DROP';
        if (!natInitialized(conn, manip)) this.setup(conn, 'null', manip, now);
      } else if (oifChanged()) {
        this.kill(conn, now);
        return 'DROP';
      }
    } else if (oifChanged()) {
      this.kill(conn, now);
      return 'DROP';
    }
    let bit = manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
    if (dir === 1) bit = bit === IPS.SRC_NAT ? IPS.DST_NAT : IPS.SRC_NAT;
    if (conn.status & bit) {
      const target = invertTuple(conn.tuples[dir === 0 ? 1 : 0]);
      if (target) {
        const partial = isPartialChecksum(work.d, 0, work.d.length);
        manipPacket(writable(), 0, work.d.length, target, manip, partial);
      }
    }
    return 'ACCEPT';
  }

  /** The NAT targets and LOG in the nat table (nf_nat_masquerade_ipv4(), xt_nat snat/dnat_tg()). */
  private natTarget(t: XtTarget, tracked: Tracked, d: Uint8Array, inDevice: NetDevice | undefined, outDevice: NetDevice | undefined, now: Instant): TargetOutcome {
    const conn = tracked.conn;
    switch (t.kind) {
      case 'MASQUERADE': {
        if (conn.tuples[0].source === 0 || !outDevice) return 'ACCEPT';
        const source = masqueradeSource(this.ns, outDevice, conn.tuples[0].destination);
        if (source === 0) return 'DROP';
        conn.masqIndex = outDevice.ifindex;
        this.setup(conn, masqueradeRange(source, t.toPorts, t.random), 'src', now);
        return 'ACCEPT';
      }
      case 'SNAT':
      case 'DNAT': {
        const r = t.range;
        const range: NatRangeSpec = { minAddress: r.firstAddress, maxAddress: r.lastAddress, minPart: r.ports?.first, maxPart: r.ports?.last, random: t.random };
        this.setup(conn, range, t.kind === 'SNAT' ? 'src' : 'dst', now);
        return 'ACCEPT';
      }
      case 'LOG':
        this.logPacket(t, d, inDevice, outDevice, now);
        return 'continue';
      default:
        return 'continue';
    }
  }

  /**
   * nf_nat_icmp_reply_translation(): an ICMP error about a translated connection gets the quoted packet
   * rewritten back (the other direction's manip), its ICMP checksum recomputed, and its outer address
   * rewritten as a reply to that connection.
   */
  private icmpReplyTranslation(tracked: Tracked, manip: ManipType, writable: () => Uint8Array, read: Uint8Array): 'ACCEPT' | 'DROP' {
    const { conn, dir } = tracked;
    // A redirect about a connection whose NAT is not set up both ways yet (its first packet), or that is
    // translated, is dropped: its hosts would start talking to each other around the translation.
    if (read[(read[0]! & 0x0f) * 4] === 5) {
      if ((conn.status & (IPS.SRC_NAT_DONE | IPS.DST_NAT_DONE)) !== (IPS.SRC_NAT_DONE | IPS.DST_NAT_DONE)) return 'DROP';
      if (conn.status & (IPS.SRC_NAT | IPS.DST_NAT)) return 'DROP';
    }
    let bit = manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
    if (dir === 1) bit = bit === IPS.SRC_NAT ? IPS.DST_NAT : IPS.SRC_NAT;
    if (!(conn.status & bit)) return 'ACCEPT';
    const d = writable();
    const ihl = (d[0]! & 0x0f) * 4;
    const other = conn.tuples[dir === 0 ? 1 : 0];
    manipPacket(d, ihl + 8, d.length, other, manip === 'src' ? 'dst' : 'src', false);
    recomputeIcmpChecksum(d, ihl, d.length);
    const target = invertTuple(other);
    if (target) manipPacket(d, 0, d.length, target, manip, false);
    return 'ACCEPT';
  }

  /* ------------------------------------------------------------------------------------------------------------ */
  /* filter                                                                                                       */

  /** The filter table's chain for the hook, with REJECT and LOG (iptable_filter_hook()). */
  private filter(hook: NfHook, tracked: Tracked | undefined, d: Uint8Array, inDevice: NetDevice | undefined, outDevice: NetDevice | undefined, now: Instant): 'ACCEPT' | 'DROP' {
    const table = this.tables.filter;
    const base = table.chain(hook);
    if (!base || !base.exists) return 'ACCEPT';
    const packet = { datagram: d, inName: inDevice?.name, outName: outDevice?.name, stateBits: stateBits(tracked) };
    return doTable(table, hook, packet, d.length, (t) => {
      if (t.kind === 'LOG') {
        this.logPacket(t, d, inDevice, outDevice, now);
        return 'continue';
      }
      if (t.kind === 'REJECT') {
        rejectPacket(this.ns, d, inDevice, t.rejectWith, (frame) => {
          if (tracked) this.attached.set(frame.buffer, { conn: tracked.conn, dir: tracked.dir === 0 ? 1 : 0, info: 'related' });
        });
        if (t.rejectWith === 'tcp-reset' && tracked) setClosing(tracked.conn, now);
        return 'DROP';
      }
      return 'continue';
    });
  }

  /** The LOG target: a kernel log line for the packet (nf_log_ip_packet()). */
  private logPacket(t: Extract<XtTarget, { kind: 'LOG' }>, d: Uint8Array, inDevice: NetDevice | undefined, outDevice: NetDevice | undefined, now: Instant): void {
    const mac = inDevice ? (inDevice.kind === 'loopback' ? new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0]) : this.lastMac) : undefined;
    const record = { at: now, level: t.level, text: logLine(now, t.prefix ?? '', inDevice?.name, outDevice?.name, mac, d) };
    this.log.push(record);
    this.ns.host.logKernel?.({ namespace: this.ns.name, at: now, text: record.text });
  }
}

/** The STATE_BITS a packet shows `--ctstate` (xt_conntrack: the ctinfo bit, SNAT/DNAT when translated, INVALID without a connection). */
function stateBits(tracked: Tracked | undefined): number {
  if (!tracked) return STATE_BITS.INVALID;
  let bits = tracked.info === 'new' ? STATE_BITS.NEW : tracked.info === 'related' ? STATE_BITS.RELATED : STATE_BITS.ESTABLISHED;
  if (tracked.conn.status & IPS.SRC_NAT) bits |= STATE_BITS.SNAT;
  if (tracked.conn.status & IPS.DST_NAT) bits |= STATE_BITS.DNAT;
  return bits;
}

/** The TCP segment fields conntrack reads, or undefined when the header is cut short. */
function tcpSegment(d: Uint8Array): TcpSegment | undefined {
  const ihl = (d[0]! & 0x0f) * 4;
  if (d.length < ihl + 20) return undefined;
  const t = d.subarray(ihl);
  const word = (at: number): number => ((t[at]! << 24) | (t[at + 1]! << 16) | (t[at + 2]! << 8) | t[at + 3]!) >>> 0;
  const total = read16(d, 2);
  return { seq: word(4), ack: word(8), flags: t[13]!, window: read16(t, 14), payload: Math.max(0, total - ihl - (t[12]! >>> 4) * 4) };
}

/** nf_conntrack_tcp_set_closing(): a connection a REJECT reset ends goes to CLOSE (10 s). */
function setClosing(conn: NfConn, now: Instant): void {
  if (!conn.confirmed || !conn.tcp) return;
  const old = conn.tcp.state;
  conn.tcp.state = 8;
  if (old !== 8) conn.refresh(now, 10 * SECOND);
}
