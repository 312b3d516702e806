import type { Instant } from '../../core/clock.ts';
import type { Ipv4Address } from '../../core/ipv4.ts';
import type { Random } from '../../core/random.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import { IPS, type ConntrackTable, type NfConn } from './conntrack.ts';
import type { ManipType } from './nat-manip.ts';
import { hasPorts, invertTuple, tupleEqual, type ConntrackTuple } from './tuple.ts';

/**
 * struct nf_nat_range2: the addresses to map to (NF_NAT_RANGE_MAP_IPS when given) and the ports or ICMP ids
 * (NF_NAT_RANGE_PROTO_SPECIFIED when given), and `--random` (NF_NAT_RANGE_PROTO_RANDOM).
 */
export interface NatRangeSpec {
  readonly minAddress: Ipv4Address | undefined;
  readonly maxAddress: Ipv4Address | undefined;
  readonly minPart: number | undefined;
  readonly maxPart: number | undefined;
  readonly random: boolean;
}

/** What NAT needs around a connection: the namespace's table, its seeded random stream and the clock. */
export interface NatContext {
  readonly table: ConntrackTable;
  readonly random: Random;
  readonly now: Instant;
}

/** NF_NAT_MAX_ATTEMPTS: how many ports or ids one round of nf_nat_l4proto_unique_tuple() tries. */
const MAX_ATTEMPTS = 128;

/** Whether the connection already has its mapping of this type (nf_nat_initialized()). */
export function natInitialized(conn: NfConn, manip: ManipType): boolean {
  return (conn.status & (manip === 'src' ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE)) !== 0;
}

/**
 * nf_nat_used_tuple(): whether the answer to `tuple` is some other live connection's tuple. Two entries for
 * the very same original flow do not clash (nf_conntrack_tuple_taken(), left to nf_ct_resolve_clash()).
 */
function usedTuple(ctx: NatContext, tuple: ConntrackTuple, conn: NfConn): boolean {
  const reply = invertTuple(tuple);
  if (!reply) return false;
  const hit = ctx.table.find(reply, ctx.now);
  if (!hit || hit.conn === conn) return false;
  return !tupleEqual(hit.conn.tuples[0], conn.tuples[0]);
}

/** The part of the tuple a manip changes: the source port/id for SRC (and every ICMP id), else the destination port. */
function partOf(t: ConntrackTuple, manip: ManipType): number {
  return manip === 'src' || t.protocol === IpProtocol.Icmp ? t.sourcePart : t.destinationPart;
}

function withPart(t: ConntrackTuple, manip: ManipType, part: number): ConntrackTuple {
  return manip === 'src' || t.protocol === IpProtocol.Icmp ? { ...t, sourcePart: part } : { ...t, destinationPart: part };
}

/** l4proto_in_range(): the port or id within the range (protocols without one always are). */
function l4InRange(t: ConntrackTuple, manip: ManipType, range: NatRangeSpec): boolean {
  if (range.minPart === undefined || range.maxPart === undefined) return true;
  if (!hasPorts(t.protocol) && t.protocol !== IpProtocol.Icmp) return true;
  const p = partOf(t, manip);
  return p >= range.minPart && p <= range.maxPart;
}

/** nf_in_range(): the tuple's source address (and port or id) lies in the range. */
function inRange(t: ConntrackTuple, range: NatRangeSpec): boolean {
  if (range.minAddress !== undefined && range.maxAddress !== undefined && (t.source < range.minAddress || t.source > range.maxAddress)) return false;
  return l4InRange(t, 'src', range);
}

/** A big-endian address as the little-endian u32 the kernel's jhash2 reads from memory. */
function asLoaded(address: number): number {
  return (((address & 0xff) << 24) | ((address >>> 8) & 0xff) << 16 | ((address >>> 16) & 0xff) << 8 | (address >>> 24)) >>> 0;
}

function rol32(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/**
 * jhash2() (include/linux/jhash.h) of a tuple address: union nf_inet_addr is four 32-bit words, an IPv4 address
 * the first and zeros after it, so four words are hashed (one __jhash_mix() round, then the last word and
 * __jhash_final()).
 */
export function jhashAddress(address: number, initval: number): number {
  let a = (0xdeadbeef + (4 << 2) + initval) >>> 0;
  let b = a;
  let c = a;
  a = (a + address) >>> 0;
  // __jhash_mix(a, b, c) with k[1] = k[2] = 0 added to b and c.
  a = ((a - c) ^ rol32(c, 4)) >>> 0;
  c = (c + b) >>> 0;
  b = ((b - a) ^ rol32(a, 6)) >>> 0;
  a = (a + c) >>> 0;
  c = ((c - b) ^ rol32(b, 8)) >>> 0;
  b = (b + a) >>> 0;
  a = ((a - c) ^ rol32(c, 16)) >>> 0;
  c = (c + b) >>> 0;
  b = ((b - a) ^ rol32(a, 19)) >>> 0;
  a = (a + c) >>> 0;
  c = ((c - b) ^ rol32(b, 4)) >>> 0;
  b = (b + a) >>> 0;
  // The fourth word (0), then __jhash_final(a, b, c).
  c = ((c ^ b) - rol32(b, 14)) >>> 0;
  a = ((a ^ c) - rol32(c, 11)) >>> 0;
  b = ((b ^ a) - rol32(a, 25)) >>> 0;
  c = ((c ^ b) - rol32(b, 16)) >>> 0;
  a = ((a ^ c) - rol32(c, 4)) >>> 0;
  b = ((b ^ a) - rol32(a, 14)) >>> 0;
  c = ((c ^ b) - rol32(b, 24)) >>> 0;
  return c;
}

/**
 * find_best_ips_proto(): the address from the range, the same for a given source and destination (a hash of
 * the source, seeded with the destination: jhash2, then reciprocal_scale() into the range).
 */
function bestAddress(t: ConntrackTuple, range: NatRangeSpec, manip: ManipType): ConntrackTuple {
  if (range.minAddress === undefined || range.maxAddress === undefined) return t;
  let address = range.minAddress;
  if (range.maxAddress !== range.minAddress) {
    const j = jhashAddress(asLoaded(t.source), asLoaded(t.destination));
    const dist = range.maxAddress - range.minAddress + 1;
    address = (range.minAddress + Math.floor((j * dist) / 0x100000000)) >>> 0;
  }
  return manip === 'src' ? { ...t, source: address } : { ...t, destination: address };
}

/**
 * find_appropriate_src(): a source-NAT mapping this source (address, protocol, port or id) already has to
 * another destination, reused when it falls in the range, so that one inside endpoint keeps one outside one.
 */
function appropriateSource(ctx: NatContext, t: ConntrackTuple, range: NatRangeSpec): ConntrackTuple | undefined {
  const candidates = ctx.table.sameSource(t, ctx.now).reverse();
  for (const c of candidates) {
    const mapped = invertTuple(c.tuples[1]);
    if (!mapped) continue;
    const result = { ...mapped, destination: t.destination, destinationPart: t.destinationPart };
    if (inRange(result, range)) return result;
  }
  return undefined;
}

/**
 * nf_nat_l4proto_unique_tuple(): a port or ICMP id in the range (the kernel's defaults: ids 0–65535; source
 * ports below 512 → 1–511, below 1024 → 600–1023, else 1024–65535; a destination port only with a range)
 * from a random offset, trying at most 128, then halving the attempts from new offsets.
 */
function uniqueL4(ctx: NatContext, t: ConntrackTuple, range: NatRangeSpec, manip: ManipType, conn: NfConn): ConntrackTuple {
  let min: number;
  let size: number;
  const current = partOf(t, manip);
  if (t.protocol === IpProtocol.Icmp) {
    if (range.minPart === undefined || range.maxPart === undefined) [min, size] = [0, 65536];
    else [min, size] = [range.minPart, range.maxPart - range.minPart + 1];
  } else if (hasPorts(t.protocol)) {
    if (range.minPart === undefined || range.maxPart === undefined) {
      if (manip === 'dst') return t;
      if (current < 1024) [min, size] = current < 512 ? [1, 511] : [600, 424];
      else [min, size] = [1024, 64512];
    } else {
      const [lo, hi] = range.minPart <= range.maxPart ? [range.minPart, range.maxPart] : [range.maxPart, range.minPart];
      [min, size] = [lo, hi - lo + 1];
    }
  } else {
    return t;
  }
  let offset = range.random || manip !== 'dst' ? ctx.random.below(65536) : 0;
  let attempts = Math.min(size, MAX_ATTEMPTS);
  let candidate = t;
  for (;;) {
    for (let i = 0; i < attempts; i++, offset++) {
      candidate = withPart(t, manip, min + (offset % size));
      if (!usedTuple(ctx, candidate, conn)) return candidate;
    }
    if (attempts >= size || attempts < 16) return candidate;
    attempts = Math.floor(attempts / 2);
    offset = ctx.random.below(65536);
  }
}

/**
 * get_unique_tuple(): the translated tuple for a new connection. For a source mapping the original is kept
 * when it is in the range and free, or an existing mapping of the same source is reused; otherwise the
 * address comes from the range and the port or id is kept when free (and in range), else a new one is found.
 */
function uniqueTuple(ctx: NatContext, original: ConntrackTuple, range: NatRangeSpec, conn: NfConn, manip: ManipType): ConntrackTuple {
  if (manip === 'src' && !range.random) {
    if (inRange(original, range)) {
      if (!usedTuple(ctx, original, conn)) return original;
    } else {
      const found = appropriateSource(ctx, original, range);
      if (found && !usedTuple(ctx, found, conn)) return found;
    }
  }
  const tuple = bestAddress(original, range, manip);
  if (!range.random) {
    if (range.minPart !== undefined && range.maxPart !== undefined) {
      if (l4InRange(tuple, manip, range) && (range.minPart === range.maxPart || !usedTuple(ctx, tuple, conn))) return tuple;
    } else if (!usedTuple(ctx, tuple, conn)) {
      return tuple;
    }
  }
  return uniqueL4(ctx, tuple, range, manip, conn);
}

/**
 * nf_nat_setup_info(): chooses the connection's mapping of this type once, for its first packet; the reply
 * tuple is rewritten so that answers are recognised, and the SRC_NAT/DST_NAT and *_DONE bits are set.
 * Returns the new reply tuple when it changed (the caller re-indexes an unconfirmed entry).
 */
export function natSetup(ctx: NatContext, conn: NfConn, range: NatRangeSpec, manip: ManipType): ConntrackTuple | undefined {
  const current = invertTuple(conn.tuples[1]);
  let changed: ConntrackTuple | undefined;
  if (current) {
    const chosen = uniqueTuple(ctx, current, range, conn, manip);
    if (!tupleEqual(chosen, current)) {
      const reply = invertTuple(chosen);
      if (reply) {
        conn.tuples[1] = reply;
        conn.status |= manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
        changed = reply;
      }
    }
  }
  if (manip === 'src') ctx.table.indexSource(conn);
  conn.status |= manip === 'src' ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE;
  return changed;
}

/**
 * nf_nat_alloc_null_binding(): no rule mapped the connection, so it is mapped to itself (the address it already
 * has, any port or id) — which still moves a source port or ICMP id that clashes with another flow's.
 */
export function natNullBinding(ctx: NatContext, conn: NfConn, manip: ManipType): ConntrackTuple | undefined {
  const address = manip === 'src' ? conn.tuples[1].destination : conn.tuples[1].source;
  return natSetup(ctx, conn, { minAddress: address, maxAddress: address, minPart: undefined, maxPart: undefined, random: false }, manip);
}
