import type { Instant } from '../../core/clock.ts';
import { tupleHash, type ConntrackTuple } from './tuple.ts';
import type { TcpConntrack } from './conntrack-tcp.ts';

/** enum ip_conntrack_status bits (include/uapi/linux/netfilter/nf_conntrack_common.h) that twinnet uses. */
export const IPS = {
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
} as const;

/** IP_CT_DIR_ORIGINAL (0) or IP_CT_DIR_REPLY (1). */
export type Direction = 0 | 1;

/** One direction's entry in the hash: the connection and which of its tuples this is (struct nf_conntrack_tuple_hash). */
export interface TupleHash {
  readonly conn: NfConn;
  readonly dir: Direction;
}

/**
 * A tracked connection (struct nf_conn): its two tuples (the reply one rewritten when NAT maps it), status bits,
 * when it expires on the virtual clock, the interface MASQUERADE chose (nat->masq_index) and the per-protocol
 * state.
 */
export class NfConn {
  readonly tuples: [ConntrackTuple, ConntrackTuple];
  readonly hashes: [TupleHash, TupleHash];
  /** Where each tuple sits in its table's entry arrays (-1: not in a table). */
  readonly entries: [number, number] = [-1, -1];
  status = 0;
  /** When the entry dies (ct->timeout), in virtual nanoseconds. */
  expires: Instant = 0;
  /** nat->masq_index: the ifindex MASQUERADE took the address of, 0 if none. */
  masqIndex = 0;
  /** The TCP state machine (ct->proto.tcp). */
  tcp: TcpConntrack | undefined;
  /** UDP: after this instant a replied flow counts as a stream (ct->proto.udp.stream_ts). */
  udpStreamTs: Instant = 0;
  /** When the connection was created (for tests and diagnostics). */
  readonly createdAt: Instant;

  constructor(original: ConntrackTuple, reply: ConntrackTuple, now: Instant) {
    this.tuples = [original, reply];
    this.hashes = [
      { conn: this, dir: 0 },
      { conn: this, dir: 1 },
    ];
    this.createdAt = now;
  }

  /** IP protocol of the connection. */
  get protocol(): number {
    return this.tuples[0].protocol;
  }

  /** nf_ct_is_confirmed(). */
  get confirmed(): boolean {
    return (this.status & IPS.CONFIRMED) !== 0;
  }

  /** nf_ct_refresh(): the entry lives `timeout` more from now. */
  refresh(now: Instant, timeout: number): void {
    this.expires = now + timeout;
  }
}

/** Slot values of the open-addressing index besides an entry number. */
const EMPTY = -1;
const DELETED = -2;

/**
 * The conntrack hash of one namespace (net->ct, nf_conntrack_hash): both tuples of every confirmed connection
 * under a hash of the tuple, so a lookup costs the same with a thousand entries or a million. The index is open
 * addressing over typed arrays (tuple fields side by side, so that a lookup touches a few cache lines however big
 * the table grows). Entries die when their time is up: lookups and listings skip and drop expired ones (what the
 * kernel's gc worker and nf_ct_gc_expired() do), so no timer is needed. Source-NAT connections are also indexed
 * by their original source (nf_nat_bysource) for find_appropriate_src().
 */
export class ConntrackTable {
  /** Slot → entry number, EMPTY or DELETED. */
  private slots = new Int32Array(64).fill(EMPTY);
  private used = 0;
  /**
   * Entry number e → its tuple at 4e: source, destination, parts (sourcePart << 16 | destinationPart), protocol —
   * side by side, so that comparing a tuple reads one cache line.
   */
  private keys = new Uint32Array(4 * 32);
  /** Entry number → its connection and direction. */
  private owners: (NfConn | undefined)[] = [];
  private dirs = new Uint8Array(32);
  private readonly free: number[] = [];
  /** Confirmed connections in insertion order (what `conntrack -L` walks). */
  private readonly all = new Set<NfConn>();
  private readonly bySource = new Map<string, Set<NfConn>>();

  /** How many connections the table holds (expired ones included until they are noticed). */
  get size(): number {
    return this.all.size;
  }

  private slotOf(t: ConntrackTuple): number {
    return tupleHash(t) & (this.slots.length - 1);
  }

  /** The entry number holding `t`, or -1 (____nf_conntrack_find()'s bucket walk). */
  private lookupEntry(t: ConntrackTuple): number {
    const mask = this.slots.length - 1;
    const packed = ((t.sourcePart << 16) | t.destinationPart) >>> 0;
    const keys = this.keys;
    for (let i = this.slotOf(t); ; i = (i + 1) & mask) {
      const e = this.slots[i]!;
      if (e === EMPTY) return -1;
      const k = 4 * e;
      if (e >= 0 && keys[k] === t.source && keys[k + 1] === t.destination && keys[k + 2] === packed && keys[k + 3] === t.protocol) return e;
    }
  }

  /** How many index slots a lookup of `t` visits (1 when its slot is the first tried): the cost the table keeps flat. */
  probeLength(t: ConntrackTuple): number {
    const mask = this.slots.length - 1;
    const found = this.lookupEntry(t);
    let n = 1;
    for (let i = this.slotOf(t); this.slots[i] !== EMPTY && this.slots[i] !== found; i = (i + 1) & mask) n++;
    return n;
  }

  /** ____nf_conntrack_find(): the live entry with this tuple, in either direction. */
  find(tuple: ConntrackTuple, now: Instant): TupleHash | undefined {
    const e = this.lookupEntry(tuple);
    if (e < 0) return undefined;
    const conn = this.owners[e]!;
    if (conn.expires <= now) {
      this.remove(conn);
      return undefined;
    }
    return conn.hashes[this.dirs[e] as Direction];
  }

  /** nf_conntrack_tuple_taken(): whether a live connection other than `ignored` uses the tuple in either direction. */
  taken(tuple: ConntrackTuple, ignored: NfConn, now: Instant): boolean {
    const hit = this.find(tuple, now);
    return hit !== undefined && hit.conn !== ignored;
  }

  /** __nf_conntrack_hash_insert(): both tuples go into the hash. */
  insert(conn: NfConn): void {
    this.all.add(conn);
    for (const h of conn.hashes) this.add(conn.tuples[h.dir], h);
  }

  private add(t: ConntrackTuple, h: TupleHash): void {
    if ((this.used + 1) * 2 > this.slots.length) this.grow();
    const e = this.free.pop() ?? this.owners.length;
    if (e >= this.dirs.length) this.widen(e + 1);
    const k = 4 * e;
    this.keys[k] = t.source;
    this.keys[k + 1] = t.destination;
    this.keys[k + 2] = ((t.sourcePart << 16) | t.destinationPart) >>> 0;
    this.keys[k + 3] = t.protocol;
    this.owners[e] = h.conn;
    this.dirs[e] = h.dir;
    h.conn.entries[h.dir] = e;
    const mask = this.slots.length - 1;
    let i = this.slotOf(t);
    while (this.slots[i]! >= 0) i = (i + 1) & mask;
    if (this.slots[i] === EMPTY) this.used++;
    this.slots[i] = e;
  }

  /** Entry arrays twice as long. */
  private widen(atLeast: number): void {
    let n = this.dirs.length;
    while (n < atLeast) n *= 2;
    const keys = new Uint32Array(4 * n);
    keys.set(this.keys);
    this.keys = keys;
    const dirs = new Uint8Array(n);
    dirs.set(this.dirs);
    this.dirs = dirs;
  }

  /** A bigger index (at most half full, counting deleted slots), every live entry placed again. */
  private grow(): void {
    const live = this.owners.length - this.free.length;
    let size = this.slots.length;
    while ((live + 1) * 4 > size) size *= 2;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.used = 0;
    const mask = size - 1;
    for (let e = 0; e < this.owners.length; e++) {
      const conn = this.owners[e];
      if (!conn) continue;
      let i = this.slotOf(conn.tuples[this.dirs[e] as Direction]) & mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.slots[i] = e;
      this.used++;
    }
  }

  private drop(h: TupleHash): void {
    const e = h.conn.entries[h.dir];
    if (e < 0 || this.owners[e] !== h.conn || this.dirs[e] !== h.dir) return;
    const mask = this.slots.length - 1;
    for (let i = this.slotOf(h.conn.tuples[h.dir]); ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === EMPTY) break;
      if (v === e) {
        this.slots[i] = DELETED;
        break;
      }
    }
    this.owners[e] = undefined;
    h.conn.entries[h.dir] = -1;
    this.free.push(e);
  }

  /** nf_ct_delete(): the connection leaves the table (and the source-NAT index). */
  remove(conn: NfConn): void {
    if (!this.all.delete(conn)) return;
    conn.status |= IPS.DYING;
    for (const h of conn.hashes) this.drop(h);
    const key = sourceKey(conn.tuples[0]);
    const set = this.bySource.get(key);
    if (set) {
      set.delete(conn);
      if (set.size === 0) this.bySource.delete(key);
    }
  }

  /** Adds a source-NAT connection to the by-source index (nf_nat_setup_info() → nf_nat_bysource). */
  indexSource(conn: NfConn): void {
    const key = sourceKey(conn.tuples[0]);
    let set = this.bySource.get(key);
    if (!set) {
      set = new Set();
      this.bySource.set(key, set);
    }
    set.add(conn);
  }

  /** Live source-NAT connections whose original source (address, protocol, port or id) is that of `tuple`. */
  sameSource(tuple: ConntrackTuple, now: Instant): NfConn[] {
    const set = this.bySource.get(sourceKey(tuple));
    return set ? [...set].filter((c) => c.expires > now && this.all.has(c)) : [];
  }

  /** The live connections, oldest first; expired ones are dropped on the way. */
  entries(now: Instant): NfConn[] {
    const out: NfConn[] = [];
    for (const c of [...this.all]) {
      if (c.expires <= now) this.remove(c);
      else out.push(c);
    }
    return out;
  }

  /** Removes every live connection for which `which` holds (nf_ct_iterate_cleanup_net()). */
  removeWhere(which: (conn: NfConn) => boolean): void {
    for (const c of [...this.all]) if (which(c)) this.remove(c);
  }
}

function sourceKey(t: ConntrackTuple): string {
  return `${t.protocol}:${t.source}:${t.sourcePart}`;
}
