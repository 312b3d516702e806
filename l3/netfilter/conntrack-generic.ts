import { SECOND, type Instant } from '../../core/clock.ts';
import type { NfConn } from './conntrack.ts';

/** nf_conntrack_generic_timeout: 600 s (nf_conntrack_proto_generic.c). */
export const GENERIC_TIMEOUT = 600 * SECOND;

/** generic_packet(): any protocol without its own tracker (IGMP, GRE here…) lives 600 s after its last packet. */
export function genericPacket(conn: NfConn, now: Instant): void {
  conn.refresh(now, GENERIC_TIMEOUT);
}
