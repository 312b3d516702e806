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
