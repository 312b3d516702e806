import { IpProtocol } from '../core/wire/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';
import type { NetNamespace } from './namespace.ts';
import { EphemeralPorts } from './ports.ts';
import type { TransportLayer } from './socket.ts';
import { TcpTable } from './tcp-table.ts';
import { UdpTable } from './udp.ts';

/** ICMP types that quote the datagram they are about (icmp_pointers[] with an err_handler path). */
const ERROR_TYPES = new Set([3, 4, 11, 12]);

/**
 * The transport layer of one namespace (inet_protos[]): UDP and TCP with their socket tables and ephemeral ports.
 * ip_local_deliver() hands it every local datagram of those protocols, and icmp_rcv() the ICMP errors that quote
 * one; anything else it leaves to the IPv4 layer.
 */
export class Transport implements TransportLayer {
  readonly ports: EphemeralPorts;
  readonly udp: UdpTable;
  readonly tcp: TcpTable;

  constructor(readonly ns: NetNamespace) {
    this.ports = new EphemeralPorts(ns.host.random(`ports:${ns.name}`));
    const random = ns.host.random(`sockets:${ns.name}`);
    this.udp = new UdpTable(ns, this.ports, () => random.below(0x10000));
    this.tcp = new TcpTable(ns, this.ports, ns.host.random(`tcp:${ns.name}`));
  }

  deliver(device: NetDevice, datagram: Uint8Array, pktType: 'host' | 'broadcast'): boolean {
    switch (datagram[9]) {
      case IpProtocol.Udp:
        this.udp.receive(device, datagram, pktType);
        return true;
      case IpProtocol.Tcp:
        this.tcp.receive(device, datagram, pktType);
        return true;
      default:
        return false;
    }
  }

  /** icmp_unreach() → the quoted protocol's err_handler (udp_err(), tcp_v4_err()). */
  icmpError(_device: NetDevice, datagram: Uint8Array): void {
    const headerLength = (datagram[0]! & 0x0f) * 4;
    const icmp = datagram.subarray(headerLength);
    if (icmp.length < 8 + 20) return;
    const type = icmp[0]!;
    if (!ERROR_TYPES.has(type)) return;
    const quoted = icmp.subarray(8);
    if (quoted[0]! >> 4 !== 4 || (quoted[0]! & 0x0f) < 5) return;
    const code = icmp[1]!;
    // The last two bytes of the ICMP header: the next-hop MTU of a "fragmentation needed" [RFC 1191].
    const info = (icmp[6]! << 8) | icmp[7]!;
    if (quoted[9] === IpProtocol.Udp) this.udp.error(type, code, quoted);
    else if (quoted[9] === IpProtocol.Tcp) this.tcp.error(type, code, quoted, info);
  }
}

/** The namespace's transport layer, installed on first use. */
export function transportOf(ns: NetNamespace): Transport {
  if (ns.transport instanceof Transport) return ns.transport;
  const transport = new Transport(ns);
  ns.transport = transport;
  return transport;
}
