import type { Ipv4Address } from '../core/ipv4.ts';
import type { Random } from '../core/random.ts';
import { TcpFlag } from '../core/wire/tcp.ts';
import type { NetDevice } from '../l2/device.ts';
import { ipSend } from './ipv4.ts';
import type { NetNamespace } from './namespace.ts';
import { keyedHash, type EphemeralPorts } from './ports.ts';
import { routeOutput } from './route.ts';
import type { Errno } from './socket.ts';
import { TcpListener } from './tcp-listen.ts';
import { echoedOptions } from './ip-options.ts';
import { buildSegment, encodeSentOptions, parseSegment, type Segment } from './tcp-segment.ts';
import { seqAdd } from './tcp-seq.ts';
import type { TcpSocket } from './tcp-socket.ts';

/** SO_REUSEADDR and SO_REUSEPORT of a socket. */
export interface Reuse {
  readonly reuseAddr: boolean;
  readonly reusePort: boolean;
}

/**
 * inet_csk_bind_conflict(): a socket may share a port with another one when both set SO_REUSEPORT, or both set
 * SO_REUSEADDR and the other one is not listening.
 */
function shareable(a: Reuse, b: Reuse, bListening: boolean): boolean {
  return (a.reusePort && b.reusePort) || (a.reuseAddr && b.reuseAddr && !bListening);
}

function tupleKey(localAddress: Ipv4Address, localPort: number, remoteAddress: Ipv4Address, remotePort: number): string {
  return `${localAddress}:${localPort}:${remoteAddress}:${remotePort}`;
}

/**
 * The TCP sockets of one namespace (inet_hashinfo: established and timewait hash, listeners, bind buckets) and the
 * protocol's entry points: tcp_v4_rcv() demultiplexing, the kernel's replies for segments no socket takes (RST,
 * timewait ACKs, from its control socket), tcp_v4_err(), and the secrets behind ISNs and timestamp offsets.
 */
export class TcpTable {
  readonly connections = new Map<string, TcpSocket>();
  readonly listeners = new Set<TcpListener>();
  /** Sockets bound with bind(2) and not yet connected (bind buckets without a connection). */
  readonly bound = new Set<TcpSocket>();
  private readonly isnSecret: number;
  private readonly tsSecret: number;

  constructor(
    readonly ns: NetNamespace,
    private readonly ports: EphemeralPorts,
    private readonly random: Random,
  ) {
    this.isnSecret = random.nextU32();
    this.tsSecret = random.nextU32();
  }

  /** get_random_u16(). */
  random16(): number {
    return this.random.below(0x10000);
  }

  /**
   * secure_tcp_seq(): a keyed hash of the connection's addresses and ports plus the clock in 64 ns units, as
   * [RFC 6528] asks.
   */
  isn(localAddress: Ipv4Address, remoteAddress: Ipv4Address, localPort: number, remotePort: number): number {
    return (keyedHash(this.isnSecret, localAddress, remoteAddress, (localPort << 16) | remotePort) + Math.floor(this.ns.now / 64)) >>> 0;
  }

  /** secure_tcp_ts_off(): the timestamp offset of an address pair [RFC 7323 §7.1]. */
  tsOffset(localAddress: Ipv4Address, remoteAddress: Ipv4Address): number {
    return keyedHash(this.tsSecret, localAddress, remoteAddress);
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Ports and the hash tables                                                                                  */

  /**
   * listen(2) on a socket bound to `address`:`port` (inet_csk_listen_start(): the port check again, as a listener):
   * another listener may share the port only if both set SO_REUSEPORT.
   */
  listen(address: Ipv4Address, port: number, backlog: number, options: { device?: NetDevice } & Partial<Reuse> = {}): TcpListener | Errno {
    if (address !== 0 && !this.ns.isLocalAddress(address)) return 'Cannot assign requested address';
    const reuse: Reuse = { reuseAddr: options.reuseAddr ?? false, reusePort: options.reusePort ?? false };
    for (const l of this.listeners) {
      if (l.localPort !== port) continue;
      if (l.localAddress !== 0 && address !== 0 && l.localAddress !== address) continue;
      if (!shareable(reuse, l, true)) return 'Address already in use';
    }
    for (const s of this.socketsOnPort(port)) {
      if (s.localAddress !== 0 && address !== 0 && s.localAddress !== address) continue;
      if (!shareable(reuse, s, false)) return 'Address already in use';
    }
    const listener = new TcpListener(this, address, port, backlog, options.device, reuse);
    this.listeners.add(listener);
    return listener;
  }

  private *socketsOnPort(port: number): Iterable<TcpSocket> {
    for (const s of this.bound) if (s.localPort === port) yield s;
    for (const s of this.connections.values()) if (s.localPort === port) yield s;
  }

  /** inet_csk_bind_conflict() for bind(2). */
  canBind(socket: TcpSocket, address: Ipv4Address, port: number): boolean {
    for (const l of this.listeners) {
      if (l.localPort !== port) continue;
      if (l.localAddress !== 0 && address !== 0 && l.localAddress !== address) continue;
      if (!shareable(socket, l, true)) return false;
    }
    for (const s of this.socketsOnPort(port)) {
      if (s === socket) continue;
      if (s.localAddress !== 0 && address !== 0 && s.localAddress !== address) continue;
      if (!shareable(socket, s, false)) return false;
    }
    return true;
  }

  /**
   * inet_hash_connect(): an ephemeral port for a connecting socket, skipping ports bound with bind(2) or
   * listening, and any whose four-tuple to this peer is taken (TIME_WAIT included: tcp_tw_reuse applies to
   * loopback only).
   */
  connectPort(socket: TcpSocket): number | undefined {
    const usable = (port: number): boolean => {
      for (const l of this.listeners) if (l.localPort === port) return false;
      for (const s of this.bound) if (s.localPort === port && s !== socket) return false;
      for (const s of this.connections.values()) if (s.localPort === port && s.boundByUser) return false;
      return !this.connections.has(tupleKey(socket.localAddress, port, socket.remoteAddress, socket.remotePort));
    };
    return this.ports.connectPort(socket.localAddress, socket.remoteAddress, socket.remotePort, usable);
  }

  /** __inet_check_established(): no other connection has this four-tuple. */
  uniqueTuple(socket: TcpSocket): boolean {
    return !this.connections.has(tupleKey(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort));
  }

  /** Hashes a connection by its four-tuple. */
  addConnection(socket: TcpSocket): void {
    this.connections.set(tupleKey(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort), socket);
  }

  /** Whether the socket is still hashed. */
  has(socket: TcpSocket): boolean {
    return this.connections.get(tupleKey(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort)) === socket || this.bound.has(socket);
  }

  /** Unhashes a socket. */
  remove(socket: TcpSocket): void {
    const key = tupleKey(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort);
    if (this.connections.get(key) === socket) this.connections.delete(key);
    this.bound.delete(socket);
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Input                                                                                                      */

  /**
   * tcp_v4_rcv(): only frames for this host; the segment is checked, then goes to its connection, else to a
   * listener, else earns an RST (never for an RST).
   */
  receive(device: NetDevice, datagram: Uint8Array, pktType: 'host' | 'broadcast'): void {
    if (pktType !== 'host') {
      this.ns.drop(device, datagram, 'not for us');
      return;
    }
    const seg = parseSegment(datagram);
    if (typeof seg === 'string') {
      this.ns.drop(device, datagram, seg);
      return;
    }
    this.dispatch(seg, device, datagram);
  }

  /** Demultiplexes a segment again (a SYN that ended a TIME_WAIT goes on to the listener). */
  receiveSegment(seg: Segment): void {
    const route = routeOutput(this.ns, seg.source, { source: seg.destination });
    const device = typeof route === 'string' ? this.ns.loopback : route.device;
    this.dispatch(seg, device, undefined);
  }

  private dispatch(seg: Segment, device: NetDevice, datagram: Uint8Array | undefined): void {
    const socket = this.connections.get(tupleKey(seg.destination, seg.destinationPort, seg.source, seg.sourcePort));
    if (socket && (!socket.boundDevice || socket.boundDevice === device)) {
      socket.receive(seg);
      return;
    }
    const listener = this.findListener(seg.destination, seg.destinationPort, device);
    if (listener) {
      listener.receive(seg, device);
      return;
    }
    if (datagram) this.ns.drop(device, datagram, 'no socket');
    if (!(seg.flags & TcpFlag.Rst)) this.sendReset(seg);
  }

  /** __inet_lookup_listener(): a listener on the port, one bound to the exact address before a wildcard. */
  private findListener(address: Ipv4Address, port: number, device: NetDevice): TcpListener | undefined {
    let best: TcpListener | undefined;
    let bestScore = -1;
    for (const l of this.listeners) {
      if (l.localPort !== port) continue;
      if (l.localAddress !== 0 && l.localAddress !== address) continue;
      if (l.boundDevice && l.boundDevice !== device) continue;
      const score = (l.localAddress !== 0 ? 2 : 0) + (l.boundDevice ? 1 : 0);
      if (score > bestScore) {
        best = l;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * tcp_v4_send_reset(): the kernel's RST for a segment nobody takes: seq from its ACK (else 0, with an ACK of
   * everything it occupied), window 0, no options, IP ID 0 under DF, checksummed in software (ip_send_unicast_reply()).
   */
  sendReset(seg: Segment): void {
    if (seg.flags & TcpFlag.Rst) return;
    const hasAck = (seg.flags & TcpFlag.Ack) !== 0;
    this.reply(seg.destination, seg.source, seg.destinationPort, seg.sourcePort, {
      seq: hasAck ? seg.ack : 0,
      ack: hasAck ? 0 : seqAdd(seg.seq, seg.length),
      flags: TcpFlag.Rst | (hasAck ? 0 : TcpFlag.Ack),
      window: 0,
      options: new Uint8Array(0),
      tos: seg.tos & ~3,
      echo: seg.ipHeader,
    });
  }

  /** tcp_v4_timewait_ack(): the timewait socket's ACK, with its timestamps. */
  sendTimewaitAck(socket: TcpSocket, tsValue: number, tsEcr: number | undefined): void {
    const f = socket.timewaitFields();
    this.reply(socket.localAddress, socket.remoteAddress, socket.localPort, socket.remotePort, {
      seq: f.seq,
      ack: f.ack,
      flags: TcpFlag.Ack,
      window: f.window,
      options: tsEcr === undefined ? new Uint8Array(0) : encodeSentOptions({ timestamp: { value: tsValue, echoReply: tsEcr } }),
      tos: 0,
    });
  }

  /** ip_send_unicast_reply(): a reply from the control socket, routed back to the sender. */
  private reply(
    source: Ipv4Address,
    destination: Ipv4Address,
    sourcePort: number,
    destinationPort: number,
    t: { seq: number; ack: number; flags: number; window: number; options: Uint8Array; tos: number; echo?: Uint8Array },
  ): void {
    const route = routeOutput(this.ns, destination, { source });
    if (typeof route === 'string') return;
    const ipOptions = t.echo ? echoedOptions(t.echo, route.source) : undefined;
    const frame = buildSegment({
      source,
      destination,
      sourcePort,
      destinationPort,
      seq: t.seq,
      ack: t.ack,
      flags: t.flags,
      window: t.window,
      options: t.options,
      payload: new Uint8Array(0),
      ttl: this.ns.defaultTtl,
      tos: t.tos,
      identification: 0,
      checksum: 'full',
      ...(ipOptions ? { ipOptions } : {}),
    });
    ipSend(this.ns, frame, route);
  }

  /** tcp_v4_err(): the connection an ICMP error quotes (its source is ours), if the quoted sequence is in flight. */
  error(type: number, code: number, quoted: Uint8Array, info: number): void {
    const headerLength = (quoted[0]! & 0x0f) * 4;
    if (quoted.length < headerLength + 8) return;
    const source = (((quoted[12]! << 24) | (quoted[13]! << 16) | (quoted[14]! << 8) | quoted[15]!) >>> 0) as Ipv4Address;
    const destination = (((quoted[16]! << 24) | (quoted[17]! << 16) | (quoted[18]! << 8) | quoted[19]!) >>> 0) as Ipv4Address;
    const t = quoted.subarray(headerLength);
    const sourcePort = (t[0]! << 8) | t[1]!;
    const destinationPort = (t[2]! << 8) | t[3]!;
    const seq = ((t[4]! << 24) | (t[5]! << 16) | (t[6]! << 8) | t[7]!) >>> 0;
    const socket = this.connections.get(tupleKey(source, sourcePort, destination, destinationPort));
    socket?.icmpError(type, code, seq, info);
  }
}
