import { MILLISECOND, SECOND, type Duration, type Instant, type Timer } from '../core/clock.ts';
import type { Ipv4Address } from '../core/ipv4.ts';
import { TcpFlag } from '../core/wire/tcp.ts';
import type { NetDevice } from '../l2/device.ts';
import { wheelExpiry } from '../l2/timer-wheel.ts';
import { ipSend } from './ipv4.ts';
import type { NetNamespace } from './namespace.ts';
import { routeOutput } from './route.ts';
import { icmpUnreachErrno, type Errno } from './socket.ts';
import { initialWindow, ReceiveSide } from './tcp-receive-queue.ts';
import { CongestionControl } from './tcp-recovery.ts';
import { DelayedAck } from './tcp-delack.ts';
import { RttEstimator, TCP_RTO_MAX, TCP_RTO_MIN } from './tcp-rto.ts';
import { buildSegment, encodeSentOptions, type Segment, type SentOptions } from './tcp-segment.ts';
import { ByteQueue, RetransmitQueue, type SentSegment } from './tcp-send-queue.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax } from './tcp-seq.ts';
import type { TcpTable } from './tcp-table.ts';

/** Connection states with the kernel's names (include/net/tcp_states.h). */
export type TcpState = 'CLOSED' | 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'CLOSE_WAIT' | 'CLOSING' | 'LAST_ACK' | 'TIME_WAIT';

/** TCP_TIMEWAIT_LEN. */
export const TCP_TIMEWAIT_LEN: Duration = 60 * SECOND;
/** net.ipv4.tcp_fin_timeout: how long an orphaned connection waits in FIN_WAIT2. */
const TCP_FIN_TIMEOUT: Duration = 60 * SECOND;
/** net.ipv4.tcp_syn_retries. */
const TCP_SYN_RETRIES = 6;
/** net.ipv4.tcp_retries2. */
const TCP_RETRIES2 = 15;
/** net.ipv4.tcp_wmem[1] and [2]. */
const TCP_WMEM_DEFAULT = 16384;
const TCP_WMEM_MAX = 4194304;
/** The TCP header with the timestamp option (tp->tcp_header_len with TS). */
const TCPOLEN_TSTAMP_ALIGNED = 12;
/** TCP_MSS_DEFAULT, the send MSS assumed when the peer gives none. */
const TCP_MSS_DEFAULT = 536;
/** A read without a limit takes everything readable. */
const READ_ALL = Number.MAX_SAFE_INTEGER;

/** What the handshake agreed, as a request socket carries it to the child (struct inet_request_sock). */
export interface Negotiated {
  readonly iss: number;
  readonly irs: number;
  /** The peer's MSS option (rx_opt.mss_clamp), or 536. */
  readonly peerMss: number;
  readonly sackOk: boolean;
  readonly tsOk: boolean;
  /** Both sides offered window scaling (ireq->wscale_ok). */
  readonly windowScaling: boolean;
  /** The peer's window scale (0 without scaling). */
  readonly sndWscale: number;
  readonly rcvWscale: number;
  readonly rcvWnd: number;
  readonly windowClamp: number;
  readonly tsRecent: number;
  readonly tsOffset: number;
}

/**
 * A TCP connection (struct tcp_sock; net/ipv4/tcp*.c) on the virtual clock: the three-way handshake with Linux's
 * options and windows, data segmented at the MSS (as the kernel does with TSO/GSO off), PSH at the end of each
 * write, Nagle, delayed and quick ACKs, SACK and D-SACK, retransmission with the RFC 6298 timer (Linux's 200 ms
 * floor, backoff), fast retransmit and SACK recovery, zero-window probes, FIN, RST and TIME_WAIT.
 *
 * The application side is a small socket API: `connect`, `write`, `read`, `shutdown`, `close`, and callbacks when
 * the connection is up, readable, writable again, or failed.
 */
export class TcpSocket {
  state: TcpState = 'CLOSED';
  localAddress: Ipv4Address = 0;
  localPort = 0;
  remoteAddress: Ipv4Address = 0;
  remotePort = 0;
  /** SO_BINDTODEVICE. */
  boundDevice: NetDevice | undefined;
  /** SO_REUSEADDR. */
  reuseAddr = false;
  /** SO_REUSEPORT. */
  reusePort = false;
  /** The port came from bind(2), not from connect(2)'s autobind. */
  boundByUser = false;
  /** IP_TTL; undefined: net.ipv4.ip_default_ttl. */
  ttl: number | undefined;

  /** sk_err: a hard error for the application (connect failed, reset, timed out). */
  error: Errno | undefined;
  /** sk_err_soft: the last soft error (an ICMP error while connected), reported if the connection times out. */
  private softError: Errno | undefined;

  onConnect: (() => void) | undefined;
  onReadable: (() => void) | undefined;
  onWritable: (() => void) | undefined;
  onError: ((errno: Errno) => void) | undefined;
  /** The connection is gone from the table (closed, reset, or out of TIME_WAIT). */
  onDone: (() => void) | undefined;

  /* Send side (snd_*, write_seq). */
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndWnd = 0;
  private sndWl1 = 0;
  private maxWindow = 0;
  sndWscale = 0;
  /** write_seq: the sequence number after the last byte written. */
  writeSeq = 0;
  /** Data written and not yet acknowledged, starting at `bufferSeq`. */
  private readonly sendBuffer = new ByteQueue();
  private bufferSeq = 0;
  /** Sequence numbers where a write ended (tcp_push() marks PSH there). */
  private readonly pushMarks: number[] = [];
  /** The FIN is queued at this sequence number (tcp_send_fin()). */
  private finSeq: number | undefined;
  /** The FIN rides on the last data segment (the tail was not sent yet when shutdown came). */
  private finWithData = false;
  /** snd_sml: the end of the last small segment sent (Nagle, Minshall's variant). */
  private sndSml = 0;
  readonly rtx = new RetransmitQueue();
  readonly rtt = new RttEstimator();
  readonly cc = new CongestionControl();
  /** mss_cache: the largest payload of a segment (the MSS less the timestamp option). */
  mss = TCP_MSS_DEFAULT;
  /** tp->advmss: the MSS we announce. */
  advmss = 1460;
  private peerMss = TCP_MSS_DEFAULT;
  sackOk = false;
  tsOk = false;
  private tsOffset = 0;
  private tsRecent = 0;
  /** icsk_retransmits: timeouts since the last progress. */
  private retransmits = 0;
  /** inet->inet_id: the IP ID counter (random at connect and accept). */
  private inetId = 0;
  /** The path MTU learned from ICMP "fragmentation needed" (the route's exception), if smaller than the route's. */
  private pmtu: number | undefined;
  /** sk_dst_pending_confirm: the next transmit confirms the neighbour (tcp_ack() → sk_dst_confirm()). */
  private pendingConfirm = false;

  /* Receive side. */
  readonly rcv = new ReceiveSide();
  irs = 0;

  /** The ACK engine (icsk_ack). */
  private readonly ack: DelayedAck;

  /* Timers. */
  private rtoTimer: Timer | undefined;
  private probeTimer: Timer | undefined;
  private probesOut = 0;
  private closeTimer: Timer | undefined;

  /** close(2) was called: nothing reads any more (SOCK_DEAD). */
  orphan = false;
  /** SEND_SHUTDOWN. */
  private sendShutdown = false;
  /** A TIME_WAIT (or orphaned FIN_WAIT2) connection answers as the kernel's timewait socket does. */
  private timewait = false;

  constructor(readonly table: TcpTable) {
    const socket = this;
    this.ack = new DelayedAck({
      rcv: this.rcv,
      rtt: this.rtt,
      get now() {
        return socket.now;
      },
      sendAck: () => socket.sendAck(),
      timerAt: (at, run) => socket.timerAt(at, run),
      get closed() {
        return socket.state === 'CLOSED';
      },
    });
  }

  get ns(): NetNamespace {
    return this.table.ns;
  }

  private get now(): Instant {
    return this.ns.now;
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Application calls                                                                                          */

  /** bind(2): a local address (0 for any) and port (0 for an ephemeral one at connect). */
  bind(address: Ipv4Address, port: number): Errno | undefined {
    if (this.localPort !== 0 || this.state !== 'CLOSED') return 'Invalid argument';
    if (address !== 0 && !this.ns.isLocalAddress(address)) return 'Cannot assign requested address';
    if (port !== 0 && !this.table.canBind(this, address, port)) return 'Address already in use';
    this.localAddress = address;
    this.localPort = port;
    this.boundByUser = port !== 0;
    if (port !== 0) this.table.bound.add(this);
    return undefined;
  }

  /**
   * connect(2) (tcp_v4_connect(), tcp_connect()): route, source address, an ephemeral port (inet_hash_connect()),
   * the ISN and timestamp offset, then the SYN. Returns an error at once only when there is no route; the result
   * comes later through `onConnect` or `onError`.
   */
  connect(address: Ipv4Address, port: number): Errno | undefined {
    if (this.state !== 'CLOSED') return 'Invalid argument';
    const route = routeOutput(this.ns, address, { source: this.localAddress || undefined, oif: this.boundDevice });
    if (typeof route === 'string') return route;
    if (route.kind === 'broadcast' || route.kind === 'multicast') return 'Network is unreachable';
    if (this.localAddress === 0) this.localAddress = route.source;
    this.remoteAddress = address;
    this.remotePort = port;
    if (this.localPort === 0) {
      const chosen = this.table.connectPort(this);
      if (chosen === undefined) return 'Resource temporarily unavailable';
      this.localPort = chosen;
    } else if (!this.table.uniqueTuple(this)) {
      return 'Address already in use';
    }
    this.table.bound.delete(this);
    this.table.addConnection(this);
    this.advmss = advmssOf(route.device.mtu);
    this.iss = this.table.isn(this.localAddress, this.remoteAddress, this.localPort, this.remotePort);
    this.tsOffset = this.table.tsOffset(this.localAddress, this.remoteAddress);
    this.inetId = this.table.random16();
    const { window, windowScale, windowClamp } = initialWindow(this.rcv.fullSpace(), this.advmss);
    this.rcv.advmss = this.advmss;
    this.rcv.rcvWnd = window;
    this.rcv.rcvSsthresh = window;
    this.rcv.windowClamp = windowClamp;
    this.rcv.rcvWscale = windowScale;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.writeSeq = seqAdd(this.iss, 1);
    this.bufferSeq = this.writeSeq;
    this.sndSml = this.iss;
    this.state = 'SYN_SENT';
    this.sendSyn();
    return undefined;
  }

  /** Bytes waiting to be read. */
  get readable(): number {
    return this.rcv.ready.length;
  }

  /** End of file: the peer's FIN arrived and everything before it was read. */
  get eof(): boolean {
    return this.rcv.finReceived && this.rcv.ready.length === 0;
  }

  /** recv(2) (tcp_recvmsg()): up to `max` readable bytes; reading may open the window (tcp_cleanup_rbuf()). */
  read(max: number = READ_ALL): Uint8Array {
    const data = this.rcv.read(max);
    if (data.length > 0) this.cleanupRbuf(data.length);
    return data;
  }

  /** How many more bytes a write would take now (sk_stream_wspace()). */
  get writeSpace(): number {
    return Math.max(0, this.sndbuf() - this.sendBuffer.length);
  }

  /**
   * send(2) (tcp_sendmsg()): queues as much of `data` as the send buffer takes, marks PSH at its end, and sends
   * what the windows allow. Returns the bytes taken, or an error.
   */
  write(data: Uint8Array): number | Errno {
    const pending = this.takeError();
    if (pending) return pending;
    if (this.sendShutdown) return 'Broken pipe';
    if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT') {
      return this.state === 'SYN_SENT' ? 'Resource temporarily unavailable' : 'Broken pipe';
    }
    const take = Math.min(data.length, this.writeSpace);
    if (take === 0) return data.length === 0 ? 0 : 'Resource temporarily unavailable';
    this.sendBuffer.append(take === data.length ? data : data.subarray(0, take));
    this.writeSeq = seqAdd(this.writeSeq, take);
    this.pushMarks.push(this.writeSeq);
    this.pushPending();
    return take;
  }

  /** shutdown(SHUT_WR) (tcp_shutdown()): a FIN after the data written. */
  shutdown(): void {
    if (this.sendShutdown) return;
    this.sendShutdown = true;
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') this.sendFin();
  }

  /**
   * close(2) (tcp_close()): unread data means the peer gets an RST (RFC 2525 2.17); otherwise the FIN follows the
   * data and the orphaned connection finishes on its own (FIN_WAIT2 for at most tcp_fin_timeout, TIME_WAIT).
   */
  close(): void {
    if (this.orphan) return;
    this.orphan = true;
    this.onConnect = this.onReadable = this.onWritable = this.onError = undefined;
    if (this.state === 'CLOSED') {
      this.done();
      return;
    }
    if (this.state === 'SYN_SENT') {
      this.done();
      return;
    }
    if (this.rcv.ready.length > 0) {
      this.sendActiveReset();
      this.done();
      return;
    }
    if (!this.sendShutdown) {
      this.sendShutdown = true;
      if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') this.sendFin();
    }
    if (this.state === 'FIN_WAIT2') this.armFinWait2();
  }

  /** sock_error(): returns and clears the pending error. */
  takeError(): Errno | undefined {
    const e = this.error;
    this.error = undefined;
    return e;
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Set-up of an accepted connection                                                                            */

  /**
   * tcp_create_openreq_child() + tcp_init_transfer(): the child of a completed passive open, ESTABLISHED, with
   * what the handshake agreed; `synAckSentAt` gives the first RTT sample when the SYN-ACK was not retransmitted.
   */
  establishPassive(n: Negotiated, mtu: number, ackSeg: Segment, synAckSentAt: Instant | undefined): void {
    this.iss = n.iss;
    this.irs = n.irs;
    this.sndUna = seqAdd(n.iss, 1);
    this.sndNxt = this.sndUna;
    this.writeSeq = this.sndUna;
    this.bufferSeq = this.sndUna;
    this.sndSml = this.sndUna;
    this.sackOk = n.sackOk;
    this.tsOk = n.tsOk;
    this.tsOffset = n.tsOffset;
    this.tsRecent = n.tsRecent;
    this.sndWscale = n.sndWscale;
    this.advmss = advmssOf(mtu);
    this.peerMss = n.peerMss;
    this.rcv.advmss = this.advmss;
    this.rcv.rcvNxt = seqAdd(n.irs, 1);
    this.rcv.rcvWup = this.rcv.rcvNxt;
    this.rcv.rcvWnd = n.rcvWnd;
    this.rcv.rcvSsthresh = n.rcvWnd;
    this.rcv.windowClamp = n.windowClamp;
    this.rcv.rcvWscale = n.rcvWscale;
    this.inetId = this.table.random16();
    this.syncMss(mtu);
    this.sndWnd = ackSeg.window * 2 ** this.sndWscale;
    this.sndWl1 = ackSeg.seq;
    this.maxWindow = this.sndWnd;
    if (synAckSentAt !== undefined) this.rtt.sample(this.now - synAckSentAt, this.sndUna, this.sndNxt);
    this.state = 'ESTABLISHED';
    this.initTransfer();
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Input                                                                                                      */

  /** tcp_v4_do_rcv() for a connection: SYN_SENT, TIME_WAIT, or tcp_rcv_state_process() for the others. */
  receive(seg: Segment): void {
    if (this.timewait) {
      this.timewaitReceive(seg);
      return;
    }
    if (this.state === 'SYN_SENT') {
      this.synSentReceive(seg);
      return;
    }
    if (this.state === 'CLOSED') return;
    this.establishedReceive(seg);
  }

  /** tcp_rcv_synsent_state_process(). */
  private synSentReceive(seg: Segment): void {
    const f = seg.flags;
    if (f & TcpFlag.Ack) {
      if (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndNxt)) {
        if (!(f & TcpFlag.Rst)) this.table.sendReset(seg);
        return;
      }
      if (f & TcpFlag.Rst) {
        this.fail('Connection refused');
        return;
      }
      if (!(f & TcpFlag.Syn)) return;
      // The SYN-ACK: the peer's options, its unscaled window, the first RTT sample.
      const o = seg.options;
      this.irs = seg.seq;
      this.rcv.rcvNxt = seqAdd(seg.seq, 1);
      this.rcv.rcvWup = this.rcv.rcvNxt;
      this.tsOk = o.timestamp !== undefined;
      if (this.tsOk) this.tsRecent = o.timestamp!.value;
      this.sackOk = o.sackPermitted;
      if (o.windowScale === undefined) {
        this.sndWscale = 0;
        this.rcv.rcvWscale = 0;
        this.rcv.windowClamp = Math.min(this.rcv.windowClamp, 65535);
      } else {
        this.sndWscale = o.windowScale;
      }
      this.peerMss = o.mss ?? TCP_MSS_DEFAULT;
      const route = this.route();
      this.syncMss(route ? route.device.mtu : 1500);
      this.sndWnd = seg.window;
      this.sndWl1 = seg.seq;
      this.maxWindow = this.sndWnd;
      const syn = this.rtx.head;
      if (syn && syn.retransmits === 0) this.rtt.sample(this.now - syn.sentAt, seg.ack, this.sndNxt);
      else if (this.tsOk && o.timestamp!.echoReply !== 0) this.rtt.sample(this.tsRtt(o.timestamp!.echoReply), seg.ack, this.sndNxt);
      this.sndUna = seg.ack;
      this.rtx.acknowledge(seg.ack);
      this.retransmits = 0;
      this.rtt.resetBackoff();
      this.stopRto();
      this.pendingConfirm = true;
      this.state = 'ESTABLISHED';
      this.initTransfer();
      // tcp_rcv_synsent_state_process(): the ACK goes at once (no data is waiting to ride on it here).
      this.sendAck();
      this.onConnect?.();
      this.pushPending();
      return;
    }
    if (f & TcpFlag.Rst) return;
    // A SYN without ACK would be a simultaneous open, which this model does not take part in.
  }

  /** tcp_init_transfer(): buffer space, the receive MSS estimate, the initial cwnd. */
  private initTransfer(): void {
    this.rcv.initBufferSpace();
    this.rcv.initRcvMss(this.mss);
    this.cc.init();
  }

  /** tcp_rcv_state_process() / tcp_rcv_established() for synchronised states. */
  private establishedReceive(seg: Segment): void {
    const f = seg.flags;
    // tcp_validate_incoming(): sequence check, RST, SYN.
    if (!this.rcv.acceptable(seg.seq, seg.length)) {
      if (!(f & TcpFlag.Rst)) {
        if (seg.length > 0 && seqLt(seg.seq, this.rcv.rcvNxt)) this.noteDuplicate(seg);
        this.sendAck();
      }
      return;
    }
    if (f & TcpFlag.Rst) {
      if (seg.seq === this.rcv.rcvNxt) this.reset();
      else this.sendAck(); // challenge ACK [RFC 5961 §3.2]
      return;
    }
    if (f & TcpFlag.Syn) {
      this.sendAck(); // challenge ACK [RFC 5961 §4.2]
      return;
    }
    if (!(f & TcpFlag.Ack)) return;
    if (this.tsOk && seg.options.timestamp && seqLe(seg.seq, this.rcv.rcvWup)) this.tsRecent = seg.options.timestamp.value;
    if (!this.processAck(seg)) return;
    // Our FIN acknowledged: FIN_WAIT1 → FIN_WAIT2, CLOSING → TIME_WAIT, LAST_ACK → closed.
    const finAcked = this.finSeq !== undefined && seqGt(this.sndUna, this.finSeq);
    if (finAcked) {
      if (this.state === 'FIN_WAIT1') {
        this.state = 'FIN_WAIT2';
        if (this.orphan) this.armFinWait2();
      } else if (this.state === 'CLOSING') {
        this.enterTimeWait();
        return;
      } else if (this.state === 'LAST_ACK') {
        this.done();
        return;
      }
    }
    if (seg.payload.length > 0 || f & TcpFlag.Fin) {
      if (this.state === 'CLOSE_WAIT' || this.state === 'CLOSING' || this.state === 'LAST_ACK') {
        // The peer already sent its FIN: nothing more can come (a retransmission is ignored).
      } else if (this.orphan && seg.payload.length > 0 && seqGt(seqAdd(seg.seq, seg.payload.length), this.rcv.rcvNxt)) {
        // New data for a closed socket: tcp_rcv_state_process() resets the connection.
        this.sendActiveReset();
        this.done();
        return;
      } else {
        this.dataQueue(seg);
        if (this.state === 'CLOSED' || this.timewait) return;
      }
    }
    this.pushPending();
    this.ack.check();
  }

  /**
   * tcp_ack(): window update, acknowledged data off the retransmit queue, an RTT sample, SACK tags, the
   * congestion and recovery state, the retransmit timer, and the neighbour confirmation. Returns false when the
   * segment must go no further.
   */
  private processAck(seg: Segment): boolean {
    const ack = seg.ack;
    if (seqGt(ack, this.sndNxt)) {
      // ACK of data never sent: dropped with an ACK in reply (tcp_ack() → -SKB_DROP_REASON_TCP_ACK_UNSENT_DATA).
      this.sendAck();
      return false;
    }
    const priorPackets = this.rtx.packetsOut;
    const priorUna = this.sndUna;
    if (seqLt(ack, priorUna)) {
      // An old ACK: its SACK blocks may still say something (tcp_ack(): old_ack).
      if (this.sackOk && seg.options.sack.length > 0) this.rtx.markSacked(seg.options.sack, this.sndUna);
      return true;
    }
    const windowUpdated = this.updateWindow(seg);
    let sackedNew = 0;
    if (this.sackOk && seg.options.sack.length > 0) sackedNew = this.rtx.markSacked(seg.options.sack, ack);
    const acked = this.cleanRtxQueue(seg);
    const progress = acked > 0 || sackedNew > 0;
    const isDup = !progress && !windowUpdated && seg.payload.length === 0 && ack === priorUna;
    if (priorPackets > 0 && (progress || isDup)) this.pendingConfirm = true;
    if (acked > 0) {
      this.retransmits = 0;
      this.rtt.resetBackoff();
      this.probesOut = 0;
    }
    if (priorPackets === 0) {
      this.ackProbe();
      return true;
    }
    this.cc.onAck({ acked, isDup, sndUna: this.sndUna, sndNxt: this.sndNxt, rtx: this.rtx, sackOk: this.sackOk, mss: this.mss });
    if (this.rtx.empty) this.stopRto();
    else if (acked > 0) this.armRto();
    return true;
  }

  /** tcp_ack_update_window(): a newer segment (or the same one with a larger window) sets snd_wnd. */
  private updateWindow(seg: Segment): boolean {
    const window = seg.window * 2 ** this.sndWscale;
    if (seqGt(seg.ack, this.sndUna) || seqGt(seg.seq, this.sndWl1) || (seg.seq === this.sndWl1 && window > this.sndWnd)) {
      const changed = this.sndWnd !== window;
      this.sndWnd = window;
      this.sndWl1 = seg.seq;
      if (window > this.maxWindow) this.maxWindow = window;
      return changed;
    }
    return false;
  }

  /**
   * tcp_clean_rtx_queue(): drops what `seg` acknowledges from the queue and the send buffer, and takes an RTT
   * sample from the newest segment never retransmitted, else from the timestamp echo (Karn's rule, RFC 7323).
   * Returns the segments acknowledged.
   */
  private cleanRtxQueue(seg: Segment): number {
    const ack = seg.ack;
    if (!seqGt(ack, this.sndUna)) return 0;
    const done = this.rtx.acknowledge(ack);
    this.sndUna = ack;
    const bytes = seqDiff(ack, this.bufferSeq);
    if (bytes > 0) {
      this.sendBuffer.discard(Math.min(bytes, this.sendBuffer.length));
      this.bufferSeq = seqAdd(this.bufferSeq, Math.min(bytes, seqDiff(this.writeSeq, this.bufferSeq)));
    }
    while (this.pushMarks.length > 0 && seqLe(this.pushMarks[0]!, ack)) this.pushMarks.shift();
    let sampleAt: Instant | undefined;
    let allRetransmitted = done.length > 0;
    for (const s of done) {
      if (s.retransmits === 0) {
        sampleAt = s.sentAt;
        allRetransmitted = false;
      }
    }
    if (sampleAt !== undefined) this.rtt.sample(this.now - sampleAt, this.sndUna, this.sndNxt);
    else if (allRetransmitted && this.tsOk && seg.options.timestamp && seg.options.timestamp.echoReply !== 0) {
      this.rtt.sample(this.tsRtt(seg.options.timestamp.echoReply), this.sndUna, this.sndNxt);
    }
    if (done.length > 0 && this.sendBuffer.length < this.sndbuf() / 2) this.schedule(() => this.onWritable?.());
    return done.length;
  }

  /** tcp_data_queue() and what follows it: readable data, the FIN (tcp_fin()), and the ACK engine. */
  private dataQueue(seg: Segment): void {
    const fin = (seg.flags & TcpFlag.Fin) !== 0;
    const hadOfo = this.rcv.hasOutOfOrder;
    const result = this.rcv.queue(seg.seq, seg.payload, fin);
    if (result.outOfWindow || (result.duplicate && !result.inOrder)) {
      // Out of window or a retransmission of old data: an immediate ACK (with the D-SACK).
      this.ack.enterQuickack();
      this.ack.ackNow();
      return;
    }
    if (result.outOfOrder) {
      this.ack.scheduled = true;
      return;
    }
    if (!result.inOrder) return;
    if (seg.payload.length > 0) this.ack.dataReceived(seg.payload.length);
    // RFC 5681 §4.2: an immediate ACK when a gap in the queue is filled.
    if (hadOfo && !this.rcv.hasOutOfOrder) this.ack.ackNow();
    if (result.fin) this.fin();
    if (seg.payload.length > 0 || result.fin) this.schedule(() => this.onReadable?.());
  }

  /** tcp_send_dupack()'s D-SACK for a segment that lies wholly before rcv_nxt. */
  private noteDuplicate(seg: Segment): void {
    this.rcv.queue(seg.seq, seg.payload, false);
    this.ack.enterQuickack();
  }

  /** tcp_fin(): the peer is done sending. */
  private fin(): void {
    this.ack.scheduled = true;
    switch (this.state) {
      case 'ESTABLISHED':
      case 'SYN_RECV':
        this.state = 'CLOSE_WAIT';
        this.ack.pingpong = true;
        break;
      case 'FIN_WAIT1':
        this.sendAck();
        this.state = 'CLOSING';
        break;
      case 'FIN_WAIT2':
        this.sendAck();
        this.enterTimeWait();
        break;
      default:
        break;
    }
  }

  /** tcp_cleanup_rbuf(): after a read, the ACK engine may want an ACK now (a window update). */
  private cleanupRbuf(copied: number): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT') return;
    if (this.ack.afterRead(copied)) this.sendAck();
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Output                                                                                                     */

  /** The route to the peer now (the socket's cached dst, revalidated). */
  private route() {
    const route = routeOutput(this.ns, this.remoteAddress, { source: this.localAddress, oif: this.boundDevice });
    return typeof route === 'string' ? undefined : route;
  }

  /** tcp_sync_mss(): the sending MSS from the path MTU, the peer's MSS and the timestamp option. */
  private syncMss(mtu: number): void {
    let mss = Math.min(mtu, this.pmtu ?? mtu, 65535) - 40;
    mss = Math.min(mss, this.peerMss);
    if (this.tsOk) mss -= TCPOLEN_TSTAMP_ALIGNED;
    this.mss = Math.max(mss, 48);
  }

  /** The timestamp clock (tcp_time_stamp_ts(): milliseconds, plus the connection's offset). */
  private tsNow(): number {
    return (Math.floor(this.now / MILLISECOND) + this.tsOffset) >>> 0;
  }

  /** An RTT from a timestamp echo (tcp_rtt_tsopt_us()), at least 1 ms since the clock ticks in milliseconds. */
  private tsRtt(echo: number): Duration {
    return Math.max(1, (this.tsNow() - echo) | 0) * MILLISECOND;
  }

  /** sk_sndbuf after tcp_sndbuf_expand(): two windows' worth of MSS-sized buffers, at least tcp_wmem[1]. */
  private sndbuf(): number {
    if (this.state === 'SYN_SENT' || this.state === 'CLOSED') return TCP_WMEM_DEFAULT;
    return Math.min(TCP_WMEM_MAX, Math.max(TCP_WMEM_DEFAULT, 2 * Math.max(10, this.cc.cwnd) * this.mss));
  }

  /**
   * tcp_transmit_skb(): one segment to the peer with the current ACK, window and options; the IP ID from the
   * socket's counter; a partial checksum (offloaded); the neighbour confirmation when one is pending.
   */
  private transmit(flags: number, seq: number, payload: Uint8Array, extra: SentOptions = {}): boolean {
    const route = this.route();
    if (!route) {
      this.ns.drop(undefined, payload, 'no route');
      return false;
    }
    const syn = (flags & TcpFlag.Syn) !== 0;
    const options: SentOptions = {
      ...extra,
      ...(this.tsOk || (syn && this.state === 'SYN_SENT') ? { timestamp: { value: this.tsNow(), echoReply: syn && this.state === 'SYN_SENT' ? 0 : this.tsRecent } } : {}),
    };
    if (!syn && this.sackOk && flags & TcpFlag.Ack) {
      const blocks = this.rcv.takeSackBlocks(this.tsOk ? 3 : 4);
      if (blocks.length > 0) (options as { sack?: typeof blocks }).sack = blocks;
    }
    const window = syn ? Math.min(this.rcv.rcvWnd, 65535) : this.rcv.selectWindow();
    const identification = this.inetId;
    this.inetId = (this.inetId + 1) & 0xffff;
    const frame = buildSegment({
      source: this.localAddress,
      destination: this.remoteAddress,
      sourcePort: this.localPort,
      destinationPort: this.remotePort,
      seq,
      ack: flags & TcpFlag.Ack ? this.rcv.rcvNxt : 0,
      flags,
      window,
      options: encodeSentOptions(options),
      payload,
      ttl: this.ttl ?? this.ns.defaultTtl,
      tos: 0,
      identification,
      checksum: 'partial',
    });
    if (this.pendingConfirm && route.kind === 'unicast') {
      const entry = this.ns.arp.lookup(route.device, route.nexthop);
      if (entry) this.ns.arp.confirm(entry);
      this.pendingConfirm = false;
    }
    if (flags & TcpFlag.Ack) this.ack.ackSent();
    ipSend(this.ns, frame, route);
    return true;
  }

  /** tcp_send_ack(): a bare ACK at snd_nxt. */
  sendAck(): void {
    if (this.state === 'CLOSED') return;
    this.transmit(TcpFlag.Ack, this.sndNxt, new Uint8Array(0));
  }

  /** tcp_connect(): the SYN with MSS, SACK-permitted, timestamps and window scale. */
  private sendSyn(): void {
    const segment: SentSegment = { seq: this.iss, end: seqAdd(this.iss, 1), length: 0, flags: TcpFlag.Syn, sentAt: this.now, retransmits: 0, sacked: false, lost: false, retransInFlight: false };
    this.rtx.push(segment);
    this.sndNxt = seqAdd(this.iss, 1);
    this.transmitSyn(segment);
    this.armRto();
  }

  private transmitSyn(segment: SentSegment): void {
    segment.sentAt = this.now;
    this.transmit(TcpFlag.Syn, this.iss, new Uint8Array(0), { mss: this.advmss, sackPermitted: true, windowScale: this.rcv.rcvWscale });
  }

  /** tcp_send_fin(): the FIN rides on unsent data if there is some, else goes alone. */
  private sendFin(): void {
    this.finSeq = this.writeSeq;
    this.finWithData = seqLt(this.sndNxt, this.writeSeq);
    this.state = this.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT1';
    this.pushPending();
  }

  /** tcp_send_active_reset(): RST at snd_nxt, acknowledging what came. */
  private sendActiveReset(): void {
    this.transmit(TcpFlag.Rst | TcpFlag.Ack, this.sndNxt, new Uint8Array(0));
  }

  /** __tcp_push_pending_frames(): retransmissions first (recovery), then new data the windows allow. */
  pushPending(): void {
    if (this.state === 'SYN_SENT' || this.state === 'CLOSED' || this.timewait) return;
    this.retransmitLost();
    this.writeXmit();
  }

  /** The end of what may be sent: the data, and the FIN when queued. */
  private get sendEnd(): number {
    return this.finSeq === undefined ? this.writeSeq : seqAdd(this.finSeq, 1);
  }

  /**
   * tcp_write_xmit(): new segments of at most one MSS while the congestion window has room and the peer's window
   * takes the whole segment; a short segment waits under Nagle while a short one is unacknowledged; the FIN goes
   * with the last data when it was queued before that data went out.
   */
  private writeXmit(): void {
    let sent = false;
    while (seqLt(this.sndNxt, this.sendEnd)) {
      const dataLeft = Math.max(0, seqDiff(this.writeSeq, this.sndNxt));
      const length = Math.min(this.mss, dataLeft);
      const atDataEnd = length === dataLeft;
      const withFin = this.finSeq !== undefined && atDataEnd && (length === 0 || this.finWithData);
      const end = seqAdd(this.sndNxt, length + (withFin ? 1 : 0));
      if (length === 0 && !withFin) break;
      if (this.cc.cwnd <= this.inFlight()) break;
      if (seqGt(seqAdd(this.sndNxt, length), seqAdd(this.sndUna, this.sndWnd))) {
        if (this.rtx.empty) this.armProbe();
        break;
      }
      if (length < this.mss && !withFin && !atDataEnd) break;
      if (length < this.mss && !withFin && this.rtx.packetsOut > 0 && seqGt(this.sndSml, this.sndUna) && !seqGt(this.sndSml, this.sndNxt)) break;
      const payload = this.sendBuffer.copy(seqDiff(this.sndNxt, this.bufferSeq), seqDiff(this.sndNxt, this.bufferSeq) + length);
      let flags = TcpFlag.Ack;
      if (this.pushMarks.some((m) => seqGt(m, this.sndNxt) && seqLe(m, seqAdd(this.sndNxt, length)))) flags |= TcpFlag.Psh;
      if (withFin) flags |= TcpFlag.Fin;
      const segment: SentSegment = { seq: this.sndNxt, end, length, flags, sentAt: this.now, retransmits: 0, sacked: false, lost: false, retransInFlight: false };
      if (!this.transmit(flags, this.sndNxt, payload)) break;
      this.rtx.push(segment);
      if (length < this.mss) this.sndSml = seqAdd(this.sndNxt, length);
      this.sndNxt = end;
      if (length > 0) this.ack.dataSent();
      sent = true;
      if (this.rtx.packetsOut === 1) this.armRto();
    }
    if (sent) this.stopProbe();
  }

  /** tcp_retransmit_skb() for one segment: same sequence range and flags, fresh ACK, window and timestamp. */
  private retransmit(segment: SentSegment): void {
    if (segment.flags & TcpFlag.Syn) {
      segment.retransmits++;
      this.transmitSyn(segment);
      return;
    }
    // tcp_retransmit_skb(): a segment longer than the current MSS goes in pieces (tcp_fragment()).
    if (segment.length > this.mss) segment = this.rtx.split(segment, this.mss);
    const payload = this.sendBuffer.copy(seqDiff(segment.seq, this.bufferSeq), seqDiff(segment.seq, this.bufferSeq) + segment.length);
    if (!this.transmit(segment.flags | TcpFlag.Ack, segment.seq, payload)) return;
    segment.retransmits++;
    segment.sentAt = this.now;
    segment.retransInFlight = true;
  }

  /** tcp_packets_in_flight(), with a connection's duplicate ACKs counted as SACKed when it has no SACK. */
  private inFlight(): number {
    return Math.max(0, this.rtx.inFlight() - this.cc.renoSacked(this.sackOk));
  }

  /** tcp_xmit_retransmit_queue(): lost segments again, while the congestion window has room. */
  private retransmitLost(): void {
    for (;;) {
      const segment = this.rtx.nextLost();
      if (!segment) return;
      if (!this.cc.forceRetransmit && this.cc.cwnd <= this.inFlight()) return;
      this.cc.forceRetransmit = false;
      this.retransmit(segment);
      if (segment === this.rtx.head) this.armRto();
    }
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Timers                                                                                                     */

  private armRto(): void {
    this.rtoTimer?.cancel();
    this.rtoTimer = this.timerAt(this.now + this.rtt.rto, () => this.rtoFired());
  }

  private stopRto(): void {
    this.rtoTimer?.cancel();
    this.rtoTimer = undefined;
  }

  /**
   * tcp_retransmit_timer(): too many timeouts end the connection (ETIMEDOUT, or the last soft error); otherwise
   * every unSACKed segment is deemed lost (tcp_enter_loss()), the first one goes again and the timer backs off.
   */
  private rtoFired(): void {
    this.rtoTimer = undefined;
    const head = this.rtx.head;
    if (!head || this.state === 'CLOSED') return;
    const limit = this.state === 'SYN_SENT' ? TCP_SYN_RETRIES : TCP_RETRIES2;
    if (this.retransmits >= limit) {
      this.fail(this.softError ?? 'Connection timed out');
      return;
    }
    this.retransmits++;
    if (this.state !== 'SYN_SENT') {
      this.cc.enterLoss(this.rtx, this.sndNxt);
      this.rtx.markAllLost();
    }
    this.rtt.backOff();
    this.retransmit(head);
    this.armRto();
    if (this.state !== 'SYN_SENT') this.pushPending();
  }

  /** tcp_check_probe_timer(): with nothing in flight and the window too small, probe after the RTO. */
  private armProbe(): void {
    if (this.probeTimer && !this.probeTimer.cancelled) return;
    const base = Math.max(this.rtt.baseRto, TCP_RTO_MIN);
    const wait = Math.min(base * 2 ** this.probesOut, TCP_RTO_MAX);
    this.probeTimer = this.timerAt(this.now + wait, () => this.probeFired());
  }

  private stopProbe(): void {
    this.probeTimer?.cancel();
    this.probeTimer = undefined;
    this.probesOut = 0;
  }

  /**
   * tcp_probe_timer() → tcp_write_wakeup(): a segment of what the window allows, or, with the window shut, a bare
   * ACK one below snd_una that the peer must answer (tcp_xmit_probe_skb()).
   */
  private probeFired(): void {
    this.probeTimer = undefined;
    if (!this.rtx.empty || !seqLt(this.sndNxt, this.sendEnd) || this.state === 'CLOSED') {
      this.probesOut = 0;
      return;
    }
    this.probesOut++;
    const room = seqDiff(seqAdd(this.sndUna, this.sndWnd), this.sndNxt);
    if (room > 0) {
      const length = Math.min(room, this.mss, seqDiff(this.writeSeq, this.sndNxt));
      const payload = this.sendBuffer.copy(seqDiff(this.sndNxt, this.bufferSeq), seqDiff(this.sndNxt, this.bufferSeq) + length);
      const segment: SentSegment = { seq: this.sndNxt, end: seqAdd(this.sndNxt, length), length, flags: TcpFlag.Ack | TcpFlag.Psh, sentAt: this.now, retransmits: 0, sacked: false, lost: false, retransInFlight: false };
      if (this.transmit(segment.flags, this.sndNxt, payload)) {
        this.rtx.push(segment);
        this.sndNxt = segment.end;
        this.armRto();
        return;
      }
    } else {
      this.transmit(TcpFlag.Ack, seqAdd(this.sndUna, -1), new Uint8Array(0));
    }
    this.armProbe();
  }

  /** tcp_ack_probe(): an ACK while nothing is in flight may open the window. */
  private ackProbe(): void {
    const room = seqDiff(seqAdd(this.sndUna, this.sndWnd), this.sndNxt);
    if (room > 0) this.stopProbe();
  }

  /** An orphaned FIN_WAIT2 waits tcp_fin_timeout for the peer's FIN (tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)). */
  private armFinWait2(): void {
    this.timewait = true;
    this.closeTimer?.cancel();
    this.closeTimer = this.timerAt(this.now + TCP_FIN_TIMEOUT, () => this.done());
    this.stopTimersButClose();
  }

  /** tcp_time_wait(): TIME_WAIT for TCP_TIMEWAIT_LEN; the kernel's timewait socket answers from now on. */
  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.timewait = true;
    this.stopTimersButClose();
    this.closeTimer?.cancel();
    this.closeTimer = this.timerAt(this.now + TCP_TIMEWAIT_LEN, () => this.done());
  }

  private stopTimersButClose(): void {
    this.stopRto();
    this.stopProbe();
    this.ack.stop();
  }

  /**
   * tcp_timewait_state_process(): in FIN_WAIT2, the FIN moves on to TIME_WAIT with an ACK; in TIME_WAIT a
   * retransmitted FIN is acknowledged again and the timer restarts; an RST ends it; new data is answered with RST.
   * Replies come from the kernel's control socket (full checksum, IP ID 0).
   */
  private timewaitReceive(seg: Segment): void {
    const f = seg.flags;
    if (f & TcpFlag.Rst) {
      if (this.state === 'TIME_WAIT' || seg.seq === this.rcv.rcvNxt) this.done();
      return;
    }
    if (this.state === 'FIN_WAIT2') {
      if (f & TcpFlag.Fin && seqAdd(seg.seq, seg.payload.length) === this.rcv.rcvNxt) {
        this.rcv.rcvNxt = seqAdd(this.rcv.rcvNxt, 1);
        if (seg.options.timestamp) this.tsRecent = seg.options.timestamp.value;
        this.enterTimeWait();
        this.table.sendTimewaitAck(this, this.tsNow(), this.tsOk ? this.tsRecent : undefined);
        return;
      }
      if (seg.payload.length > 0 && seqGt(seqAdd(seg.seq, seg.payload.length), this.rcv.rcvNxt)) {
        this.table.sendReset(seg);
        this.done();
      }
      return;
    }
    if (f & TcpFlag.Syn && !(f & TcpFlag.Ack) && seqGt(seg.seq, this.rcv.rcvNxt)) {
      // TCP_TW_SYN: a new incarnation may take over (the listener handles it).
      this.done();
      this.table.receiveSegment(seg);
      return;
    }
    if (f & TcpFlag.Fin || seg.payload.length > 0 || !seqLe(seg.seq, this.rcv.rcvNxt)) {
      if (f & TcpFlag.Fin) {
        this.closeTimer?.cancel();
        this.closeTimer = this.timerAt(this.now + TCP_TIMEWAIT_LEN, () => this.done());
      }
      this.table.sendTimewaitAck(this, this.tsNow(), this.tsOk ? this.tsRecent : undefined);
    }
  }

  /** For the table's timewait ACK: what the timewait socket remembers (tw_snd_nxt, tw_rcv_nxt, tw_rcv_wnd). */
  timewaitFields(): { seq: number; ack: number; window: number } {
    return { seq: this.sndNxt, ack: this.rcv.rcvNxt, window: Math.floor(this.rcv.rcvWnd / 2 ** this.rcv.rcvWscale) };
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Errors and the end                                                                                         */

  /** tcp_disconnect() of a connection nobody accepted: an RST to the peer, and gone. */
  abort(): void {
    this.orphan = true;
    if (this.state !== 'CLOSED' && !this.timewait) this.sendActiveReset();
    this.done();
  }

  /** tcp_reset(): the peer reset the connection. */
  private reset(): void {
    const errno: Errno = this.state === 'CLOSE_WAIT' ? 'Broken pipe' : 'Connection reset by peer';
    this.fail(errno);
  }

  /** tcp_done_with_error(): the error for the application, then the end. */
  private fail(errno: Errno): void {
    if (!this.orphan) this.error = errno;
    const report = this.onError;
    this.done();
    if (report) this.schedule(() => report(errno));
  }

  /**
   * tcp_v4_err(): an ICMP error about a segment in flight. During the handshake any unreachable aborts the
   * connect; later it is only remembered (sk_err_soft), reported if the connection times out.
   */
  icmpError(type: number, code: number, seq: number, info: number): void {
    if (this.state === 'CLOSED' || this.timewait) return;
    if (!seqGe(seq, this.sndUna) || !seqLt(seq, seqMax(this.sndNxt, seqAdd(this.sndUna, 1)))) return;
    let errno: Errno | undefined;
    if (type === 3) {
      if (code === 4) {
        this.mtuReduced(info);
        return;
      }
      errno = icmpUnreachErrno(code)?.errno;
    } else if (type === 11) {
      errno = 'No route to host';
    } else if (type === 12) {
      errno = 'Protocol error';
    }
    if (!errno) return;
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') {
      this.fail(errno);
      return;
    }
    this.softError = errno;
  }

  /**
   * tcp_v4_mtu_reduced() [RFC 1191]: a smaller path MTU (at least ip_rt_min_pmtu, 552) shrinks the MSS, and what is
   * in flight and too long now goes again in pieces that fit (tcp_simple_retransmit(): marked lost, the loss
   * state entered without touching cwnd).
   */
  private mtuReduced(mtu: number): void {
    const pmtu = Math.max(mtu, 552);
    const current = this.pmtu ?? this.route()?.device.mtu ?? 1500;
    if (mtu === 0 || pmtu >= current) return;
    this.pmtu = pmtu;
    this.syncMss(pmtu);
    let lost = false;
    for (const s of [...this.rtx.segments]) {
      if (s.sacked || s.length <= this.mss) continue;
      s.lost = true;
      s.retransInFlight = false;
      lost = true;
    }
    if (!lost) return;
    this.cc.enterMtuLoss(this.sndNxt);
    this.pushPending();
  }

  /** tcp_done(): the connection leaves the table and its timers stop. */
  done(): void {
    if (this.state === 'CLOSED' && !this.table.has(this)) return;
    this.state = 'CLOSED';
    this.timewait = false;
    this.stopTimersButClose();
    this.closeTimer?.cancel();
    this.closeTimer = undefined;
    this.table.remove(this);
    if (!this.orphan) this.schedule(() => this.onReadable?.());
    this.onDone?.();
  }

  /**
   * Arms a kernel timer for `at` (mod_timer()): with the network's timer wheel (compare mode) it runs when the
   * kernel's wheel would run it, on the jiffies grid (a 40 ms delayed ACK at HZ 250 comes 40-44 ms later).
   */
  private timerAt(at: Instant, run: () => void): Timer {
    const wheel = this.ns.host.timerWheel;
    return this.ns.scheduler.at(wheel ? wheelExpiry(wheel, this.now, at) : at, run);
  }

  /** Runs an application callback after the current packet is processed (sk_data_ready() wakes the reader). */
  private schedule(callback: () => void): void {
    this.ns.scheduler.after(0, callback);
  }
}

/** dst_metric_advmss(): the route's MTU less 40, at most 65535 - 40. */
export function advmssOf(mtu: number): number {
  return Math.min(mtu, 65535) - 40;
}
