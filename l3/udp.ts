import { isMulticastIpv4, readIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { IpProtocol } from '../core/wire/ipv4.ts';
import { checkUdpChecksum, emitUdp, parseUdp, UDP_HEADER_LEN } from '../core/wire/udp.ts';
import type { NetDevice } from '../l2/device.ts';
import { sendIcmpError } from './icmp.ts';
import { buildDatagram, ipSend } from './ipv4.ts';
import type { NetNamespace } from './namespace.ts';
import type { EphemeralPorts } from './ports.ts';
import { routeOutput } from './route.ts';
import { icmpUnreachErrno, type Errno } from './socket.ts';

/** A datagram as recvfrom(2) gives it: the data and where it came from. */
export interface UdpMessage {
  readonly data: Uint8Array;
  readonly source: Ipv4Address;
  readonly sourcePort: number;
  /** The address it was sent to (IP_PKTINFO's ipi_addr). */
  readonly destination: Ipv4Address;
  readonly device: NetDevice;
}

/** sysctl net.core.rmem_default: a UDP socket's receive buffer, in bytes of skb truesize. */
const UDP_RCVBUF = 212_992;
/** An estimate of one queued datagram's truesize beyond its data (sk_buff and shared info). */
const DATAGRAM_OVERHEAD = 768;

/**
 * A UDP socket (net/ipv4/udp.c, net/ipv4/datagram.c): bind, connect, send and receive. What arrives is handed to
 * `onMessage` at once; a hard ICMP error on a connected socket becomes its pending error (sk_err), which the next
 * send returns and `onError` announces, as poll(2) reports POLLERR.
 */
export class UdpSocket {
  localAddress: Ipv4Address = 0;
  localPort = 0;
  remoteAddress: Ipv4Address = 0;
  remotePort = 0;
  /** SO_BINDTODEVICE. */
  boundDevice: NetDevice | undefined;
  /** SO_REUSEADDR / SO_REUSEPORT: several sockets may share the port. */
  reuse = false;
  /** SO_BROADCAST. */
  broadcast = false;
  /** IP_TTL (undefined: net.ipv4.ip_default_ttl). */
  ttl: number | undefined;
  tos = 0;
  /** sk_err: a hard error waiting to be reported. */
  error: Errno | undefined;
  /** inet->inet_id: the IP ID counter of a connected socket (__ip4_datagram_connect() seeds it randomly). */
  private inetId = 0;
  private closed = false;
  onMessage: ((message: UdpMessage) => void) | undefined;
  onError: ((errno: Errno) => void) | undefined;

  constructor(readonly table: UdpTable) {
    table.sockets.add(this);
  }

  get ns(): NetNamespace {
    return this.table.ns;
  }

  get connected(): boolean {
    return this.remotePort !== 0;
  }

  /** bind(2) (inet_bind()): a local address of ours (or 0) and a port (0: an ephemeral one). */
  bind(address: Ipv4Address, port: number): Errno | undefined {
    if (this.localPort !== 0) return 'Invalid argument';
    if (address !== 0 && !this.ns.isLocalAddress(address) && !isMulticastIpv4(address) && address !== 0xffffffff) return 'Cannot assign requested address';
    const chosen = port === 0 ? this.table.ephemeralPort() : port;
    if (chosen === undefined) return 'Address already in use';
    if (port !== 0 && !this.table.canBind(this, address, port)) return 'Address already in use';
    this.localAddress = address;
    this.localPort = chosen;
    return undefined;
  }

  /**
   * connect(2) (__ip4_datagram_connect()): routes to the peer, takes the route's source address when unbound,
   * binds an ephemeral port when none, and seeds the IP ID counter.
   */
  connect(address: Ipv4Address, port: number): Errno | undefined {
    const route = routeOutput(this.ns, address, { source: this.localAddress || undefined, oif: this.boundDevice });
    if (typeof route === 'string') return route;
    if (route.kind === 'broadcast' && !this.broadcast) return 'Permission denied';
    if (this.localPort === 0) {
      const bound = this.bind(0, 0);
      if (bound) return bound;
    }
    if (this.localAddress === 0) this.localAddress = route.source;
    this.remoteAddress = address;
    this.remotePort = port;
    this.inetId = this.table.random16();
    return undefined;
  }

  /** sock_error(): returns and clears the pending error. */
  takeError(): Errno | undefined {
    const e = this.error;
    this.error = undefined;
    return e;
  }

  /**
   * send(2)/sendto(2) (udp_sendmsg()): a pending error comes back first (sock_alloc_send_pskb() checks sk_err);
   * then the datagram is routed and sent, with DF when it fits the route's MTU, the connected socket's IP ID (or 0
   * under DF, else a hashed one), and a partial checksum, since every modelled device offloads it (NETIF_F_HW_CSUM)
   * unless the datagram is fragmented.
   */
  send(data: Uint8Array, to?: { readonly address: Ipv4Address; readonly port: number }): Errno | undefined {
    if (this.closed) return 'Invalid argument';
    const pending = this.takeError();
    if (pending) return pending;
    const destination = to?.address ?? this.remoteAddress;
    const destinationPort = to?.port ?? this.remotePort;
    if (destinationPort === 0) return 'Transport endpoint is not connected';
    const ns = this.ns;
    const route = routeOutput(ns, destination, { source: this.localAddress || undefined, oif: this.boundDevice });
    if (typeof route === 'string') return route;
    if (route.kind === 'broadcast' && !this.broadcast) return 'Permission denied';
    if (this.localPort === 0) {
      const bound = this.bind(0, 0);
      if (bound) return bound;
    }
    const source = this.localAddress !== 0 && !isMulticastIpv4(this.localAddress) ? this.localAddress : route.source;
    const length = UDP_HEADER_LEN + data.length;
    if (length > 0xffff - 20) return 'Message too long';
    const fits = 20 + length <= route.device.mtu;
    let identification: number;
    if (this.connected && to === undefined) {
      this.inetId = (this.inetId + 1) & 0xffff;
      identification = this.inetId;
    } else if (fits) {
      identification = 0;
    } else {
      identification = ns.idents.next(destination, source, IpProtocol.Udp, ns.now);
    }
    const frame = buildDatagram(
      { source, destination, protocol: IpProtocol.Udp, ttl: this.ttl ?? ns.defaultTtl, tos: this.tos, identification, dontFragment: fits },
      length,
      (buf, at) => {
        buf.set(data, at + UDP_HEADER_LEN);
        emitUdp(
          { sourcePort: this.localPort, destinationPort, length, checksum: 0, payload: buf.subarray(at + UDP_HEADER_LEN, at + length) },
          buf,
          at,
          fits ? 'partial' : 'full',
          source,
          destination,
        );
      },
    );
    // A netfilter DROP or REJECT on the way out fails the call (EPERM), as ip_send_skb() passes it back.
    return ipSend(ns, frame, route);
  }

  /** close(2): the socket leaves the table. */
  close(): void {
    this.closed = true;
    this.table.sockets.delete(this);
  }

  /** A datagram for this socket (__udp_queue_rcv_skb()); false when the receive buffer is full. */
  queue(message: UdpMessage): boolean {
    if (message.data.length + DATAGRAM_OVERHEAD > UDP_RCVBUF) return false;
    this.onMessage?.(message);
    return true;
  }

  /** A hard error for this socket (__udp4_lib_err(): sk_err, then sk_error_report()). */
  fail(errno: Errno): void {
    this.error = errno;
    this.onError?.(errno);
  }
}

/** A UDP socket's match against an arriving datagram, scored as compute_score() does; -1 for no match. */
function score(s: UdpSocket, source: Ipv4Address, sourcePort: number, destination: Ipv4Address, port: number, device: NetDevice): number {
  if (s.localPort !== port) return -1;
  let value = 0;
  if (s.localAddress !== 0) {
    if (s.localAddress !== destination) return -1;
    value += 4;
  }
  if (s.remoteAddress !== 0) {
    if (s.remoteAddress !== source) return -1;
    value += 4;
  }
  if (s.remotePort !== 0) {
    if (s.remotePort !== sourcePort) return -1;
    value += 4;
  }
  if (s.boundDevice) {
    if (s.boundDevice !== device) return -1;
    value += 4;
  }
  return value;
}

/** The UDP sockets of one namespace and the protocol's receive and error handlers. */
export class UdpTable {
  readonly sockets = new Set<UdpSocket>();

  constructor(
    readonly ns: NetNamespace,
    private readonly ports: EphemeralPorts,
    private readonly random16Source: () => number,
  ) {}

  /** A new random 16-bit value (get_random_u16()). */
  random16(): number {
    return this.random16Source();
  }

  /** An ephemeral port no UDP socket holds. */
  ephemeralPort(): number | undefined {
    return this.ports.udpPort((port) => ![...this.sockets].some((s) => s.localPort === port));
  }

  /** udp_lib_lport_inuse(): a port is shared only between sockets that all set SO_REUSEADDR. */
  canBind(socket: UdpSocket, address: Ipv4Address, port: number): boolean {
    for (const s of this.sockets) {
      if (s === socket || s.localPort !== port) continue;
      if (s.localAddress !== 0 && address !== 0 && s.localAddress !== address) continue;
      if (!(s.reuse && socket.reuse)) return false;
    }
    return true;
  }

  /** The socket an arriving unicast datagram belongs to (__udp4_lib_lookup(): the best score wins). */
  lookup(source: Ipv4Address, sourcePort: number, destination: Ipv4Address, port: number, device: NetDevice): UdpSocket | undefined {
    let best: UdpSocket | undefined;
    let bestScore = -1;
    for (const s of this.sockets) {
      const value = score(s, source, sourcePort, destination, port, device);
      if (value > bestScore) {
        best = s;
        bestScore = value;
      }
    }
    return best;
  }

  /**
   * __udp4_lib_rcv(): checks the length and the checksum (valid, absent, or the partial sum a local sender over an
   * offloading device leaves), then delivers to the socket, every matching socket for a broadcast or multicast
   * (__udp4_lib_mcast_deliver()), or answers a unicast to a closed port with ICMP port unreachable.
   */
  receive(device: NetDevice, datagram: Uint8Array, pktType: 'host' | 'broadcast'): void {
    const ns = this.ns;
    const headerLength = (datagram[0]! & 0x0f) * 4;
    const segment = datagram.subarray(headerLength);
    const parsed = parseUdp(segment);
    if (!parsed.ok) {
      ns.drop(device, datagram, 'malformed');
      return;
    }
    const udp = parsed.value;
    const source = readIpv4(datagram, 12);
    const destination = readIpv4(datagram, 16);
    const check = checkUdpChecksum(segment, source, destination);
    if (!check.valid && !check.partial) {
      ns.drop(device, datagram, 'bad checksum');
      return;
    }
    const message: UdpMessage = { data: udp.payload.slice(), source, sourcePort: udp.sourcePort, destination, device };
    const multicast = pktType === 'broadcast' || isMulticastIpv4(destination) || destination === 0xffffffff;
    if (multicast) {
      let delivered = false;
      for (const s of [...this.sockets]) {
        if (s.localPort !== udp.destinationPort) continue;
        if (s.localAddress !== 0 && s.localAddress !== destination) continue;
        if (s.boundDevice && s.boundDevice !== device) continue;
        if (s.remotePort !== 0 && (s.remoteAddress !== source || s.remotePort !== udp.sourcePort)) continue;
        delivered = s.queue(message) || delivered;
      }
      if (!delivered) ns.drop(device, datagram, 'no socket');
      return;
    }
    const socket = this.lookup(source, udp.sourcePort, destination, udp.destinationPort, device);
    if (!socket) {
      ns.drop(device, datagram, 'no socket');
      sendIcmpError(ns, datagram, device, 3, 3, 0);
      return;
    }
    if (!socket.queue(message)) ns.drop(device, datagram, 'queue full');
  }

  /**
   * __udp4_lib_err(): an ICMP error quoting a datagram we sent reaches the sending socket; only a connected socket
   * takes a hard error (without IP_RECVERR), as sk_err.
   */
  error(type: number, code: number, quoted: Uint8Array): void {
    const headerLength = (quoted[0]! & 0x0f) * 4;
    if (quoted.length < headerLength + 4) return;
    const source = readIpv4(quoted, 12);
    const destination = readIpv4(quoted, 16);
    const sourcePort = (quoted[headerLength]! << 8) | quoted[headerLength + 1]!;
    const destinationPort = (quoted[headerLength + 2]! << 8) | quoted[headerLength + 3]!;
    let socket: UdpSocket | undefined;
    for (const s of this.sockets) {
      if (s.localPort !== sourcePort) continue;
      if (s.localAddress !== 0 && s.localAddress !== source) continue;
      if (s.remotePort !== 0 && (s.remotePort !== destinationPort || s.remoteAddress !== destination)) continue;
      socket = s;
      if (s.remotePort !== 0) break;
    }
    if (!socket) return;
    let errno: Errno | undefined;
    let fatal = false;
    if (type === 3) {
      const converted = icmpUnreachErrno(code);
      if (!converted || code === 4) return;
      errno = converted.errno;
      fatal = converted.fatal;
    } else if (type === 11) {
      errno = 'No route to host';
    } else if (type === 12) {
      errno = 'Protocol error';
      fatal = true;
    } else {
      return;
    }
    if (!fatal || !socket.connected) return;
    socket.fail(errno);
  }
}
