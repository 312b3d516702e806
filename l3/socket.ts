import type { Ipv4Address } from '../core/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';

/** A received IPv4 datagram as a raw socket sees it: the IP header and payload, the arrival device, the time. */
export interface RawDelivery {
  readonly datagram: Uint8Array;
  readonly device: NetDevice;
}

/** A raw IP socket (net/ipv4/raw.c) for one protocol, optionally bound to a device: iputils ping's ICMP socket. */
export interface RawSocket {
  readonly protocol: number;
  /** SO_BINDTODEVICE. */
  readonly boundDevice: NetDevice | undefined;
  /** Called for every locally delivered datagram of the protocol (raw_v4_input()). */
  deliver(delivery: RawDelivery): void;
  /** The socket's namespace state changed underneath it (device or address gone). */
  invalidate?(): void;
}

/**
 * Socket errors as strerror(3) words them (glibc), the text programs such as nc print after `failed: `. Route
 * errors (l3/route.ts RouteError) are a subset.
 */
export type Errno =
  | 'Connection refused'
  | 'Connection reset by peer'
  | 'Connection timed out'
  | 'Network is unreachable'
  | 'No route to host'
  | 'Host is down'
  | 'Machine is not on the network'
  | 'Protocol not available'
  | 'Operation not supported'
  | 'Message too long'
  | 'Protocol error'
  | 'Address already in use'
  | 'Cannot assign requested address'
  | 'Invalid argument'
  | 'Permission denied'
  | 'No such device'
  | 'Broken pipe'
  | 'Transport endpoint is not connected'
  | 'Operation now in progress'
  | 'Resource temporarily unavailable'
  | 'Operation not permitted';

/**
 * The errno of an ICMP destination unreachable code and whether it is a hard error (net/ipv4/icmp.c:
 * icmp_err_convert[]); codes past the table are not errors.
 */
export function icmpUnreachErrno(code: number): { readonly errno: Errno; readonly fatal: boolean } | undefined {
  return ICMP_ERR_CONVERT[code];
}

const ICMP_ERR_CONVERT: readonly { readonly errno: Errno; readonly fatal: boolean }[] = [
  { errno: 'Network is unreachable', fatal: false }, // ICMP_NET_UNREACH (fatal 0, as the table says)
  { errno: 'No route to host', fatal: false }, // ICMP_HOST_UNREACH
  { errno: 'Protocol not available', fatal: true }, // ICMP_PROT_UNREACH
  { errno: 'Connection refused', fatal: true }, // ICMP_PORT_UNREACH
  { errno: 'Message too long', fatal: false }, // ICMP_FRAG_NEEDED
  { errno: 'Operation not supported', fatal: false }, // ICMP_SR_FAILED
  { errno: 'Network is unreachable', fatal: true }, // ICMP_NET_UNKNOWN
  { errno: 'Host is down', fatal: true }, // ICMP_HOST_UNKNOWN
  { errno: 'Machine is not on the network', fatal: true }, // ICMP_HOST_ISOLATED
  { errno: 'Network is unreachable', fatal: true }, // ICMP_NET_ANO
  { errno: 'No route to host', fatal: true }, // ICMP_HOST_ANO
  { errno: 'Network is unreachable', fatal: false }, // ICMP_NET_UNR_TOS
  { errno: 'No route to host', fatal: false }, // ICMP_HOST_UNR_TOS
  { errno: 'No route to host', fatal: true }, // ICMP_PKT_FILTERED
  { errno: 'No route to host', fatal: true }, // ICMP_PREC_VIOLATION
  { errno: 'No route to host', fatal: true }, // ICMP_PREC_CUTOFF
];

/** The transport protocols (UDP, TCP) of a namespace: they take what they have a socket or an answer for. */
export interface TransportLayer {
  /** Delivers a local datagram; returns false when no protocol handler took it. */
  deliver(device: NetDevice, datagram: Uint8Array, pktType: 'host' | 'broadcast'): boolean;
  /** An ICMP error arrived (icmp_unreach() → the quoted protocol's err_handler). */
  icmpError?(device: NetDevice, datagram: Uint8Array): void;
}

/** The sockets of one namespace. UDP and TCP tables join this in the transport layer. */
export class SocketTable {
  readonly raw = new Set<RawSocket>();

  /** Opens a raw socket. */
  openRaw(socket: RawSocket): void {
    this.raw.add(socket);
  }

  /** Closes a raw socket. */
  closeRaw(socket: RawSocket): void {
    this.raw.delete(socket);
  }

  /** Raw sockets that take a datagram of `protocol` arriving on `device` (raw_v4_match()). */
  rawFor(protocol: number, device: NetDevice): RawSocket[] {
    const out: RawSocket[] = [];
    for (const s of this.raw) if (s.protocol === protocol && (!s.boundDevice || s.boundDevice === device)) out.push(s);
    return out;
  }

  /** A device left: sockets bound to it are told. */
  deviceGone(device: NetDevice): void {
    for (const s of this.raw) if (s.boundDevice === device) s.invalidate?.();
  }

  /** An address left the namespace. */
  addressGone(_address: Ipv4Address): void {}
}
