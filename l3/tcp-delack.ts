import { MILLISECOND, SECOND, type Duration, type Instant, type Timer } from '../core/clock.ts';
import type { ReceiveSide } from './tcp-receive-queue.ts';
import type { RttEstimator } from './tcp-rto.ts';
import { seqDiff } from './tcp-seq.ts';

/** TCP_ATO_MIN: the shortest delayed-ACK timeout (HZ/25). */
export const TCP_ATO_MIN: Duration = 40 * MILLISECOND;
/** TCP_DELACK_MAX. */
const TCP_DELACK_MAX: Duration = 200 * MILLISECOND;
/** TCP_MAX_QUICKACKS. */
const TCP_MAX_QUICKACKS = 16;

/** What the ACK engine needs from its connection. */
export interface DelackHost {
  readonly rcv: ReceiveSide;
  readonly rtt: RttEstimator;
  readonly now: Instant;
  /** tcp_send_ack(). */
  sendAck(): void;
  /** mod_timer(): a kernel timer for `at`. */
  timerAt(at: Instant, run: () => void): Timer;
  /** The connection is closed: a late timer does nothing. */
  readonly closed: boolean;
}

/**
 * When a connection acknowledges (struct inet_connection_sock's icsk_ack; net/ipv4/tcp_input.c, tcp_output.c,
 * tcp_timer.c): quick ACKs at the start and after a gap, delayed ACKs (the ATO, at least 40 ms) otherwise,
 * interactive ("pingpong") connections that wait to piggyback the ACK on their answer, and immediate ACKs for
 * out-of-order data, duplicates and a filled gap.
 */
export class DelayedAck {
  /** ICSK_ACK_SCHED: an ACK is owed. */
  scheduled = false;
  /** ICSK_ACK_NOW: the state mandates an immediate ACK. */
  now = false;
  /** ICSK_ACK_PUSHED (1) and ICSK_ACK_PUSHED2 (2): short segments came. */
  private pushed = 0;
  /** Quick ACKs left. */
  private quick = 0;
  /** Interactive mode (tcp_pingpong_thresh 1). */
  pingpong = false;
  /** The ACK timeout; 0 before any data came. */
  private ato: Duration = 0;
  /** When data last came. */
  private lrcvtime: Instant = 0;
  private timer: Timer | undefined;

  constructor(private readonly host: DelackHost) {}

  /** tcp_event_data_recv(): an ACK is owed; track the peer's MSS; adjust the ATO to the arrival rhythm. */
  dataReceived(length: number): void {
    this.scheduled = true;
    const rcv = this.host.rcv;
    if (length >= rcv.rcvMss) rcv.measureRcvMss(length);
    else {
      // tcp_measure_rcv_mss(): a short segment marks PUSHED (PUSHED2 the second time).
      if (this.pushed & 1) this.pushed |= 2;
      this.pushed |= 1;
    }
    const now = this.host.now;
    const rto = this.host.rtt.baseRto;
    if (this.ato === 0) {
      this.incrQuickack(TCP_MAX_QUICKACKS);
      this.ato = TCP_ATO_MIN;
    } else {
      const m = now - this.lrcvtime;
      if (m <= TCP_ATO_MIN / 2) this.ato = Math.floor(this.ato / 2) + TCP_ATO_MIN / 2;
      else if (m < this.ato) this.ato = Math.min(Math.floor(this.ato / 2) + m, rto);
      else if (m > rto) this.incrQuickack(TCP_MAX_QUICKACKS);
    }
    this.lrcvtime = now;
    if (length >= 128) rcv.growWindow(length);
  }

  /** tcp_incr_quickack(). */
  private incrQuickack(max: number): void {
    const rcv = this.host.rcv;
    let quickacks = Math.floor(rcv.rcvWnd / (2 * rcv.rcvMss));
    if (quickacks === 0) quickacks = 2;
    quickacks = Math.min(quickacks, max);
    if (quickacks > this.quick) this.quick = quickacks;
  }

  /** tcp_enter_quickack_mode(). */
  enterQuickack(): void {
    this.incrQuickack(TCP_MAX_QUICKACKS);
    this.pingpong = false;
    this.ato = TCP_ATO_MIN;
  }

  /** An immediate ACK is owed (out of window, a duplicate, a filled gap). */
  ackNow(): void {
    this.scheduled = true;
    this.now = true;
  }

  /** tcp_in_quickack_mode(). */
  private get inQuickack(): boolean {
    return this.quick > 0 && !this.pingpong;
  }

  /**
   * __tcp_ack_snd_check(): at once after more than a segment received with the window moving on, in quick-ACK
   * mode, when mandated, or with out-of-order data or a D-SACK to report; else after the delayed-ACK timeout.
   */
  check(): void {
    if (!this.scheduled) return;
    const rcv = this.host.rcv;
    if ((seqDiff(rcv.rcvNxt, rcv.rcvWup) > rcv.rcvMss && rcv.computeWindow() >= rcv.rcvWnd) || this.inQuickack || this.now || rcv.hasOutOfOrder || rcv.dsackPending) {
      this.host.sendAck();
      return;
    }
    this.sendDelayed();
  }

  /** tcp_send_delayed_ack(): the ATO, capped by the RTT and 200 ms, never later than a timer already set. */
  private sendDelayed(): void {
    let ato = this.ato || TCP_ATO_MIN;
    if (ato > TCP_ATO_MIN) {
      let maxAto = SECOND / 2;
      if (this.pingpong || this.pushed & 1) maxAto = TCP_DELACK_MAX;
      if (this.host.rtt.srttUs) {
        const rtt = Math.max(this.host.rtt.srtt, TCP_ATO_MIN);
        if (rtt < maxAto) maxAto = rtt;
      }
      ato = Math.min(ato, maxAto);
    }
    ato = Math.min(ato, TCP_DELACK_MAX);
    const now = this.host.now;
    let at = now + ato;
    if (this.timer && !this.timer.cancelled) {
      if (this.timer.at <= now + (ato >> 2)) {
        this.host.sendAck();
        return;
      }
      if (at >= this.timer.at) at = this.timer.at;
      this.timer.cancel();
    }
    this.timer = this.host.timerAt(at, () => this.fired());
  }

  /** tcp_delack_timer_handler(): a missed piggyback leaves pingpong mode; the ACK goes. */
  private fired(): void {
    this.timer = undefined;
    if (!this.scheduled || this.host.closed) return;
    if (!this.pingpong) {
      this.ato = Math.min(this.ato * 2, this.host.rtt.baseRto);
    } else {
      this.pingpong = false;
      this.ato = TCP_ATO_MIN;
    }
    this.host.sendAck();
  }

  /**
   * tcp_cleanup_rbuf(): after a read of `copied` bytes, whether an ACK goes now: one was owed for more than a
   * segment or for pushed data now consumed, or the window can grow to twice what the peer was told.
   */
  afterRead(copied: number): boolean {
    const rcv = this.host.rcv;
    if (this.scheduled) {
      if (seqDiff(rcv.rcvNxt, rcv.rcvWup) > rcv.rcvMss || (copied > 0 && (this.pushed & 2 || (this.pushed & 1 && !this.pingpong)) && rcv.ready.length === 0)) return true;
    }
    if (copied > 0 && !rcv.finReceived) {
      const window = rcv.receiveWindow();
      if (2 * window <= rcv.windowClamp) {
        const next = rcv.computeWindow();
        if (next && next >= 2 * window) return true;
      }
    }
    return false;
  }

  /** tcp_event_ack_sent(): nothing is owed any more; quick ACKs count down. */
  ackSent(): void {
    if (this.quick > 0) {
      this.quick--;
      if (this.quick === 0) this.ato = TCP_ATO_MIN;
    }
    this.scheduled = false;
    this.now = false;
    this.pushed = 0;
    this.stop();
  }

  /** tcp_event_data_sent(): data sent soon after data came makes the connection interactive. */
  dataSent(): void {
    if (this.ato !== 0 && this.host.now - this.lrcvtime < this.ato) this.pingpong = true;
  }

  /** The timer goes (the connection closes or enters TIME_WAIT). */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
