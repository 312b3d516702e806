import { SECOND, type Instant } from '../../core/clock.ts';
import { IPS, type NfConn } from './conntrack.ts';

/** nf_conntrack_udp_timeout and nf_conntrack_udp_timeout_stream (udp_timeouts[]). */
export const UDP_TIMEOUT = 30 * SECOND;
export const UDP_TIMEOUT_STREAM = 120 * SECOND;

/**
 * nf_conntrack_udp_packet() (Linux 6.x): 30 s while unreplied and for the first two seconds after a reply; a
 * replied flow still active after those two seconds is a stream: 120 s and ASSURED.
 */
export function udpPacket(conn: NfConn, now: Instant): void {
  if (!conn.confirmed) conn.udpStreamTs = now + 2 * SECOND;
  if (conn.status & IPS.SEEN_REPLY) {
    const stream = now > conn.udpStreamTs;
    conn.refresh(now, stream ? UDP_TIMEOUT_STREAM : UDP_TIMEOUT);
    if (stream) conn.status |= IPS.ASSURED;
  } else {
    conn.refresh(now, UDP_TIMEOUT);
  }
}
