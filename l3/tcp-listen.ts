import { MILLISECOND, type Instant, type Timer } from '../core/clock.ts';
import type { Ipv4Address } from '../core/ipv4.ts';
import { TcpFlag } from '../core/wire/tcp.ts';
import type { NetDevice } from '../l2/device.ts';
import { wheelExpiry } from '../l2/timer-wheel.ts';
import { ipSend } from './ipv4.ts';
import { routeOutput } from './route.ts';
import { initialWindow, TCP_RMEM, winFromSpace } from './tcp-receive-queue.ts';
import { TCP_RTO_MAX, TCP_TIMEOUT_INIT } from './tcp-rto.ts';
import { buildSegment, encodeSentOptions, type Segment } from './tcp-segment.ts';
import { seqAdd } from './tcp-seq.ts';
import { advmssOf, TcpSocket, type Negotiated } from './tcp-socket.ts';
import type { Reuse, TcpTable } from './tcp-table.ts';

/** net.core.somaxconn: the cap on a listen(2) backlog. */
const SOMAXCONN = 4096;
/** net.ipv4.tcp_synack_retries. */
const TCP_SYNACK_RETRIES = 5;

/** A connection being opened (struct tcp_request_sock, state TCP_NEW_SYN_RECV). */
interface RequestSock {
  readonly local: Ipv4Address;
  readonly remote: Ipv4Address;
  readonly remotePort: number;
  readonly device: NetDevice;
  readonly negotiated: Negotiated;
  readonly advmss: number;
  /** When the last SYN-ACK went, and whether it was a retransmission (no RTT sample then). */
  sentAt: Instant;
  retransmits: number;
  timer: Timer | undefined;
  /** The handshake's ACK came while the accept queue was full (inet_rsk(req)->acked). */
  acked: boolean;
}

/**
 * A listening socket (net/ipv4/inet_connection_sock.c, tcp_conn_request(), tcp_check_req()): it answers SYNs with
 * SYN-ACKs (IP ID 0, the options the peer offered), retransmits them, and turns a completed handshake into an
 * ESTABLISHED connection on the accept queue, up to the backlog.
 */
export class TcpListener {
  readonly acceptQueue: TcpSocket[] = [];
  private readonly requests = new Map<string, RequestSock>();
  /** sk_max_ack_backlog. */
  readonly backlog: number;
  readonly reuseAddr: boolean;
  readonly reusePort: boolean;
  /** A connection waits on the accept queue. */
  onAcceptable: (() => void) | undefined;
  closed = false;

  constructor(
    readonly table: TcpTable,
    readonly localAddress: Ipv4Address,
    readonly localPort: number,
    backlog: number,
    readonly boundDevice: NetDevice | undefined,
    reuse: Reuse,
  ) {
    this.reuseAddr = reuse.reuseAddr;
    this.reusePort = reuse.reusePort;
    this.backlog = Math.min(Math.max(backlog, 0), SOMAXCONN);
  }

  /** accept(2): the oldest connection on the queue. */
  accept(): TcpSocket | undefined {
    return this.acceptQueue.shift();
  }

  /** sk_acceptq_is_full(): more than the backlog waiting. */
  private get full(): boolean {
    return this.acceptQueue.length > this.backlog;
  }

  /**
   * close(2) on a listener (inet_csk_listen_stop()): pending requests are dropped and connections nobody accepted
   * are reset.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.table.listeners.delete(this);
    for (const req of this.requests.values()) req.timer?.cancel();
    this.requests.clear();
    for (const child of this.acceptQueue.splice(0)) child.abort();
  }

  /** Whether a request for this peer is pending. */
  hasRequest(seg: Segment): boolean {
    return this.requests.has(key(seg.source, seg.sourcePort));
  }

  /**
   * tcp_v4_do_rcv() on a listener: a SYN opens a request; a segment for a pending request completes it
   * (tcp_check_req()); an ACK for nothing earns an RST; anything else is dropped.
   */
  receive(seg: Segment, device: NetDevice): void {
    const req = this.requests.get(key(seg.source, seg.sourcePort));
    if (req) {
      this.checkRequest(req, seg);
      return;
    }
    const f = seg.flags;
    if (f & TcpFlag.Rst) return;
    if (f & TcpFlag.Ack) {
      this.table.sendReset(seg);
      return;
    }
    if (!(f & TcpFlag.Syn) || f & TcpFlag.Fin) return;
    this.connRequest(seg, device);
  }

  /** tcp_conn_request(): the request with the options both sides support, and its SYN-ACK. */
  private connRequest(seg: Segment, device: NetDevice): void {
    if (this.full) {
      this.table.ns.drop(device, seg.payload, 'queue full');
      return;
    }
    const route = routeOutput(this.table.ns, seg.source, { source: seg.destination });
    if (typeof route === 'string') return;
    const o = seg.options;
    const tsOk = o.timestamp !== undefined;
    const advmss = advmssOf(route.device.mtu);
    // tcp_openreq_init_rwin(): the window from the listener's buffer, in multiples of our MSS less timestamps.
    const init = initialWindow(winFromSpace(TCP_RMEM[1]), advmss - (tsOk ? 12 : 0));
    const scaling = o.windowScale !== undefined;
    const negotiated: Negotiated = {
      iss: this.table.isn(seg.destination, seg.source, seg.destinationPort, seg.sourcePort),
      irs: seg.seq,
      peerMss: o.mss ?? 536,
      sackOk: o.sackPermitted,
      tsOk,
      windowScaling: scaling,
      sndWscale: scaling ? o.windowScale! : 0,
      rcvWscale: scaling ? init.windowScale : 0,
      rcvWnd: init.window,
      windowClamp: scaling ? init.windowClamp : 65535,
      tsRecent: o.timestamp?.value ?? 0,
      tsOffset: this.table.tsOffset(seg.destination, seg.source),
    };
    const req: RequestSock = { local: seg.destination, remote: seg.source, remotePort: seg.sourcePort, device, negotiated, advmss, sentAt: 0, retransmits: 0, timer: undefined, acked: false };
    this.requests.set(key(seg.source, seg.sourcePort), req);
    this.sendSynAck(req);
  }

  /** tcp_v4_send_synack(): IP ID 0 (ip_build_and_send_pkt() with DF), a partial checksum. */
  private sendSynAck(req: RequestSock): void {
    const ns = this.table.ns;
    const route = routeOutput(ns, req.remote, { source: req.local });
    req.sentAt = ns.now;
    req.timer?.cancel();
    const wait = Math.min(TCP_TIMEOUT_INIT * 2 ** req.retransmits, TCP_RTO_MAX);
    const wheel = ns.host.timerWheel;
    const at = ns.now + wait;
    req.timer = ns.scheduler.at(wheel ? wheelExpiry(wheel, ns.now, at) : at, () => this.synAckTimer(req));
    if (typeof route === 'string') return;
    const n = req.negotiated;
    const options = encodeSentOptions({
      mss: req.advmss,
      sackPermitted: n.sackOk,
      ...(n.tsOk ? { timestamp: { value: (Math.floor(ns.now / MILLISECOND) + n.tsOffset) >>> 0, echoReply: n.tsRecent } } : {}),
      ...(n.windowScaling ? { windowScale: n.rcvWscale } : {}),
    });
    const frame = buildSegment({
      source: req.local,
      destination: req.remote,
      sourcePort: this.localPort,
      destinationPort: req.remotePort,
      seq: n.iss,
      ack: seqAdd(n.irs, 1),
      flags: TcpFlag.Syn | TcpFlag.Ack,
      window: Math.min(n.rcvWnd, 65535),
      options,
      payload: new Uint8Array(0),
      ttl: ns.defaultTtl,
      tos: 0,
      identification: 0,
      checksum: 'partial',
    });
    ipSend(ns, frame, route);
  }

  /** reqsk_timer_handler(): the SYN-ACK again with backoff, until tcp_synack_retries, then the request goes. */
  private synAckTimer(req: RequestSock): void {
    req.timer = undefined;
    if (req.retransmits >= TCP_SYNACK_RETRIES) {
      this.requests.delete(key(req.remote, req.remotePort));
      return;
    }
    req.retransmits++;
    this.sendSynAck(req);
  }

  /**
   * tcp_check_req(): a retransmitted SYN gets the SYN-ACK again; an RST ends the request; the ACK of our SYN
   * creates the connection (unless the accept queue is full: then the ACK is ignored and the request stays).
   */
  private checkRequest(req: RequestSock, seg: Segment): void {
    const f = seg.flags;
    const n = req.negotiated;
    if (f & TcpFlag.Rst) {
      req.timer?.cancel();
      this.requests.delete(key(req.remote, req.remotePort));
      return;
    }
    if (f & TcpFlag.Syn && !(f & TcpFlag.Ack)) {
      if (seg.seq === n.irs) this.sendSynAck(req);
      return;
    }
    if (!(f & TcpFlag.Ack)) return;
    if (seg.ack !== seqAdd(n.iss, 1)) {
      this.table.sendReset(seg);
      return;
    }
    if (seg.seq !== seqAdd(n.irs, 1)) return;
    if (this.full) {
      req.acked = true;
      return;
    }
    req.timer?.cancel();
    this.requests.delete(key(req.remote, req.remotePort));
    const child = new TcpSocket(this.table);
    child.localAddress = req.local;
    child.localPort = this.localPort;
    child.remoteAddress = req.remote;
    child.remotePort = req.remotePort;
    child.reuseAddr = this.reuseAddr;
    child.reusePort = this.reusePort;
    child.boundDevice = this.boundDevice;
    const tsNegotiated: Negotiated = seg.options.timestamp && n.tsOk ? { ...n, tsRecent: seg.options.timestamp.value } : n;
    this.table.addConnection(child);
    child.establishPassive(tsNegotiated, routeMtu(this.table, req), seg, req.retransmits === 0 ? req.sentAt : undefined);
    this.acceptQueue.push(child);
    if (seg.payload.length > 0 || seg.flags & TcpFlag.Fin) child.receive(seg);
    this.table.ns.scheduler.after(0, () => this.onAcceptable?.());
  }
}

function key(address: Ipv4Address, port: number): string {
  return `${address}:${port}`;
}

/** The MTU of the route back to a request's peer. */
function routeMtu(table: TcpTable, req: RequestSock): number {
  const route = routeOutput(table.ns, req.remote, { source: req.local });
  return typeof route === 'string' ? req.device.mtu : route.device.mtu;
}
