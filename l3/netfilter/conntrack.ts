import type { Instant } from '../../core/clock.ts';
import { tupleEqual, tupleHash, type ConntrackTuple } from './tuple.ts';
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

type Bucket = TupleHash | TupleHash[];

/**
 * The conntrack hash of one namespace (net->ct, nf_conntrack_hash): both tuples of every confirmed connection
 * under a hash of the tuple, so a lookup costs the same with a thousand entries or a million. Entries die when
 * their time is up: lookups and listings skip and drop expired ones (what the kernel's gc worker and
 * nf_ct_gc_expired() do), so no timer is needed. Source-NAT connections are also indexed by their original
 * source (nf_nat_bysource) for find_appropriate_src().
 */
export class ConntrackTable {
  private readonly buckets = new Map<number, Bucket>();
  /** Confirmed connections in insertion order (what `conntrack -L` walks). */
  private readonly all = new Set<NfConn>();
  private readonly bySource = new Map<string, Set<NfConn>>();

  /** How many connections the table holds (expired ones included until they are noticed). */
  get size(): number {
    return this.all.size;
  }

  /** ____nf_conntrack_find(): the live entry with this tuple, in either direction. */
  find(tuple: ConntrackTuple, now: Instant): TupleHash | undefined {
    const bucket = this.buckets.get(tupleHash(tuple));
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) return this.live(bucket, tuple, now);
    for (const h of bucket) {
      const hit = this.live(h, tuple, now);
      if (hit) return hit;
    }
    return undefined;
  }

  private live(h: TupleHash, tuple: ConntrackTuple, now: Instant): TupleHash | undefined {
    if (!tupleEqual(h.conn.tuples[h.dir], tuple)) return undefined;
    if (h.conn.expires <= now) {
      this.remove(h.conn);
      return undefined;
    }
    return h;
  }

  /** nf_conntrack_tuple_taken(): whether a live connection other than `ignored` uses the tuple in either direction. */
  taken(tuple: ConntrackTuple, ignored: NfConn, now: Instant): boolean {
    const hit = this.find(tuple, now);
    return hit !== undefined && hit.conn !== ignored;
  }

  /** __nf_conntrack_hash_insert(): both tuples go into the hash. */
  insert(conn: NfConn): void {
    this.all.add(conn);
    for (const h of conn.hashes) this.add(tupleHash(conn.tuples[h.dir]), h);
  }

  private add(key: number, h: TupleHash): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, h);
    else if (Array.isArray(bucket)) bucket.push(h);
    else this.buckets.set(key, [bucket, h]);
  }

  private drop(key: number, h: TupleHash): void {
    const bucket = this.buckets.get(key);
    if (bucket === h) this.buckets.delete(key);
    else if (Array.isArray(bucket)) {
      const at = bucket.indexOf(h);
      if (at >= 0) bucket.splice(at, 1);
      if (bucket.length === 1) this.buckets.set(key, bucket[0]!);
    }
  }

  /** nf_ct_delete(): the connection leaves the table (and the source-NAT index). */
  remove(conn: NfConn): void {
    if (!this.all.delete(conn)) return;
    conn.status |= IPS.DYING;
    for (const h of conn.hashes) this.drop(tupleHash(conn.tuples[h.dir]), h);
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
