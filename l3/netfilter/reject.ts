import { partialChecksum } from '../../core/checksum.ts';
import { isMulticastIpv4, readIpv4 } from '../../core/ipv4.ts';
import { ETHERNET_HEADER_LEN } from '../../core/wire/ethernet.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import type { NetDevice } from '../../l2/device.ts';
import { sendIcmpError } from '../icmp.ts';
import { buildDatagram, ipSend } from '../ipv4.ts';
import type { NetNamespace } from '../namespace.ts';
import { routeOutput } from '../route.ts';

/** The ICMP destination-unreachable codes of `--reject-with` (ipt_REJECT.c reject_tg()). */
const ICMP_CODES: Readonly<Record<string, number>> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
};

/**
 * The REJECT target (net/ipv4/netfilter/ipt_REJECT.c): an ICMP destination unreachable with the chosen code
 * about the packet (nf_send_unreach() → icmp_send(); nothing for a non-first fragment), or a TCP reset
 * (nf_send_reset()); the packet itself is then dropped by the caller. `attach` receives the reset's frame so
 * that conntrack treats it as part of the rejected connection (nf_ct_attach()).
 */
export function rejectPacket(ns: NetNamespace, d: Uint8Array, inDevice: NetDevice | undefined, rejectWith: string, attach: (frame: Uint8Array) => void): void {
  const offset = ((d[6]! << 8) | d[7]!) & 0x1fff;
  if (offset !== 0) return;
  if (rejectWith === 'tcp-reset') {
    sendReset(ns, d, attach);
    return;
  }
  const code = ICMP_CODES[rejectWith];
  if (code !== undefined) sendIcmpError(ns, d, inDevice, 3, code, 0);
}

/**
 * nf_send_reset(): a RST from the rejected segment's destination back to its source — seq = the segment's ACK
 * number if it had one, else ACK set with ack = seq + SYN + FIN + payload length — with IP ID 0, DF, TOS 0, the
 * route's TTL, window 0, and the checksum left CHECKSUM_PARTIAL (the pseudo-header sum), as
 * nf_reject_iphdr_put() and nf_reject_ip_tcphdr_put() build it; sent by ip_local_out() (so through OUTPUT).
 */
function sendReset(ns: NetNamespace, d: Uint8Array, attach: (frame: Uint8Array) => void): void {
  const ihl = (d[0]! & 0x0f) * 4;
  if (d[9] !== IpProtocol.Tcp || d.length < ihl + 20) return;
  const tcp = d.subarray(ihl);
  const flags = tcp[13]!;
  if (flags & 0x04) return;
  const source = readIpv4(d, 16);
  const destination = readIpv4(d, 12);
  if (isMulticastIpv4(source) || source === 0xffffffff) return;
  const route = routeOutput(ns, destination);
  if (typeof route === 'string' || route.kind !== 'unicast') return;
  const totalLength = (d[2]! << 8) | d[3]!;
  const doff = (tcp[12]! >>> 4) * 4;
  const seq = readIpv4(tcp, 4);
  const ackSeq = readIpv4(tcp, 8);
  const frame = buildDatagram(
    { source, destination, protocol: IpProtocol.Tcp, ttl: ns.defaultTtl, tos: 0, identification: 0, dontFragment: true },
    20,
    (buf, at) => {
      buf.set(tcp.subarray(2, 4), at);
      buf.set(tcp.subarray(0, 2), at + 2);
      let outSeq = 0;
      let outAck = 0;
      let outFlags = 0x04;
      if (flags & 0x10) outSeq = ackSeq;
      else {
        outAck = (seq + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0) + totalLength - ihl - doff) >>> 0;
        outFlags |= 0x10;
      }
      for (let i = 0; i < 4; i++) {
        buf[at + 4 + i] = (outSeq >>> (24 - 8 * i)) & 0xff;
        buf[at + 8 + i] = (outAck >>> (24 - 8 * i)) & 0xff;
      }
      buf[at + 12] = 5 << 4;
      buf[at + 13] = outFlags;
      const partial = partialChecksum(source, destination, IpProtocol.Tcp, 20);
      buf[at + 16] = partial >>> 8;
      buf[at + 17] = partial & 0xff;
    },
  );
  attach(frame.subarray(ETHERNET_HEADER_LEN));
  ipSend(ns, frame, route);
}
