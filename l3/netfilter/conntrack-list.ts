import { SECOND, type Instant } from '../../core/clock.ts';
import { formatIpv4 } from '../../core/ipv4.ts';
import { ETHERNET_HEADER_LEN } from '../../core/wire/ethernet.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import type { NetNamespace } from '../namespace.ts';
import { TCP_STATE_NAMES } from './conntrack-tcp.ts';
import { IPS, type ConntrackTable, type NfConn } from './conntrack.ts';
import { invertTuple, tupleOf, type ConntrackTuple } from './tuple.ts';

/** The protocol names conntrack-tools prints (libnetfilter_conntrack proto2str), `unknown` for the rest. */
function protocolName(protocol: number): string {
  return protocol === IpProtocol.Tcp ? 'tcp' : protocol === IpProtocol.Udp ? 'udp' : protocol === IpProtocol.Icmp ? 'icmp' : 'unknown';
}

/** One direction: `src=… dst=…` and the protocol's part (__snprintf_address(), __snprintf_proto()). */
function tupleText(t: ConntrackTuple): string {
  let s = `src=${formatIpv4(t.source)} dst=${formatIpv4(t.destination)} `;
  if (t.protocol === IpProtocol.Tcp || t.protocol === IpProtocol.Udp) s += `sport=${t.sourcePart} dport=${t.destinationPart} `;
  else if (t.protocol === IpProtocol.Icmp) s += `type=${t.destinationPart >>> 8} code=${t.destinationPart & 0xff} id=${t.sourcePart} `;
  return s;
}

/**
 * One line of `conntrack -L` as conntrack-tools 1.4.7 prints it (libnetfilter_conntrack
 * __snprintf_conntrack_default()): protocol name and number, seconds left (rounded down, as ctnetlink dumps
 * them), the TCP state, the original tuple, `[UNREPLIED]`, the reply tuple, `[ASSURED]`, `mark=0 use=N`
 * (`conntrackUse()`).
 */
export function conntrackLine(conn: NfConn, now: Instant, use = 1): string {
  const protocol = conn.protocol;
  let s = `${protocolName(protocol).padEnd(8)} ${protocol} ${Math.max(0, Math.floor((conn.expires - now) / SECOND))} `;
  if (protocol === IpProtocol.Tcp && conn.tcp) s += `${TCP_STATE_NAMES[conn.tcp.state]} `;
  s += tupleText(conn.tuples[0]);
  if (!(conn.status & IPS.SEEN_REPLY)) s += '[UNREPLIED] ';
  s += tupleText(conn.tuples[1]);
  if (conn.status & IPS.ASSURED) s += '[ASSURED] ';
  return `${s}mark=0 use=${use}`;
}

/**
 * ct_general.use as ctnetlink dumps it (CTA_USE): the hash table's reference, and one for each packet of the
 * connection still held in the namespace, which keeps its skb->_nfct: the packets queued on a neighbour entry
 * that is being resolved (measured: `use=2` while a datagram waits for ARP, `use=1` once it has failed).
 */
export function conntrackUse(ns: NetNamespace, table: ConntrackTable, conn: NfConn, now: Instant): number {
  let use = 1;
  for (const entry of ns.arp.entries()) {
    for (const q of entry.queue) {
      const tuple = tupleOf(q.packet.frame.subarray(ETHERNET_HEADER_LEN));
      if (!tuple) continue;
      const inverted = invertTuple(tuple);
      const hit = table.find(tuple, now) ?? (inverted ? table.find(inverted, now) : undefined);
      if (hit?.conn === conn) use++;
    }
  }
  return use;
}

/** conntrack-tools' closing message on stderr (`N flow entries have been shown.`). */
export function conntrackSummary(count: number): string {
  return `conntrack v1.4.7 (conntrack-tools): ${count} flow entries have been shown.`;
}
