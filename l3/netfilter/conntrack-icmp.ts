import { SECOND, type Instant } from '../../core/clock.ts';
import { readIpv4 } from '../../core/ipv4.ts';
import type { Direction, NfConn, TupleHash } from './conntrack.ts';
import { invertTuple, isIcmpError, tupleOf, type ConntrackTuple } from './tuple.ts';

/** nf_conntrack_icmp_timeout: 30 s. */
export const ICMP_TIMEOUT = 30 * SECOND;

/** The ICMP types that may open a connection (nf_conntrack_icmp_packet() valid_new[]): echo, timestamp, info, mask requests. */
const VALID_NEW = new Set([8, 13, 15, 17]);

/** nf_conntrack_icmp_packet(): a query or its answer refreshes the entry (30 s); anything but a request cannot open one. */
export function icmpPacket(conn: NfConn, now: Instant): 'accept' | 'invalid' {
  if (!conn.confirmed && !VALID_NEW.has(conn.tuples[0].destinationPart >>> 8)) return 'invalid';
  conn.refresh(now, ICMP_TIMEOUT);
  return 'accept';
}

/** Whether an ICMP datagram (header at 0) is an error message, which conntrack treats as RELATED to another flow. */
export function isIcmpErrorDatagram(datagram: Uint8Array): boolean {
  const ihl = (datagram[0]! & 0x0f) * 4;
  return datagram.length >= ihl + 1 && isIcmpError(datagram[ihl]!);
}

/**
 * icmp_error_message(): the connection an ICMP error is about, from the datagram it quotes (its tuple, inverted,
 * since the error travels back towards the quoted packet's sender), and the error's own direction in it. The
 * outer destination must be that direction's destination (nf_conntrack_inet_error()), else it is INVALID.
 * `translated` also accepts an error whose quoted packet NAT has already rewritten, as later hooks see it.
 */
export function icmpErrorConn(lookup: (t: ConntrackTuple) => TupleHash | undefined, datagram: Uint8Array): { conn: NfConn; dir: Direction } | undefined {
  const ihl = (datagram[0]! & 0x0f) * 4;
  const inner = ihl + 8;
  const quoted = tupleOf(datagram, inner);
  if (!quoted) return undefined;
  const outerDestination = readIpv4(datagram, 16);
  const inverse = invertTuple(quoted);
  let found: { conn: NfConn; dir: Direction } | undefined;
  const direct = inverse ? lookup(inverse) : undefined;
  if (direct) found = { conn: direct.conn, dir: direct.dir };
  else {
    // Already translated by an earlier hook: the quoted packet is now its connection's tuple itself.
    const again = lookup(quoted);
    if (again) found = { conn: again.conn, dir: again.dir === 0 ? 1 : 0 };
  }
  if (!found) return undefined;
  const expected = found.conn.tuples[found.dir];
  // After translation the outer destination is the other direction's source (inverted tuple), before it this one's.
  const other = found.conn.tuples[found.dir === 0 ? 1 : 0];
  if (outerDestination !== expected.destination && outerDestination !== other.source) return undefined;
  return found;
}
