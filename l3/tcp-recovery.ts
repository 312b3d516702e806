import type { RetransmitQueue } from './tcp-send-queue.ts';
import { seqGe } from './tcp-seq.ts';

/** TCP_INIT_CWND [RFC 6928]. */
export const TCP_INIT_CWND = 10;
/** The duplicate threshold of fast retransmit [RFC 5681 §3.2] and SACK loss marking [RFC 6675]. */
const DUP_THRESH = 3;

/** The congestion states of net/ipv4/tcp_input.c (TCP_CA_Open, _Disorder, _Recovery, _Loss). */
export type CaState = 'open' | 'disorder' | 'recovery' | 'loss';

/** What an arriving ACK did, for the congestion state machine. */
export interface AckEvent {
  /** Segments newly acknowledged cumulatively. */
  readonly acked: number;
  /** A duplicate ACK: no progress, no data, no window change, with data outstanding. */
  readonly isDup: boolean;
  readonly sndUna: number;
  readonly sndNxt: number;
  readonly rtx: RetransmitQueue;
  readonly sackOk: boolean;
  readonly mss: number;
}

/**
 * Congestion window and loss recovery (tcp_fastretrans_alert(), tcp_enter_loss(), tcp_cong_avoid()): slow start
 * and additive increase [RFC 5681], fast retransmit on three duplicate ACKs or SACK loss marking [RFC 6675], with
 * NewReno partial ACKs without SACK [RFC 6582], and CUBIC's multiplicative decrease (beta 717/1024). Linux's
 * CUBIC window growth, PRR and RACK-TLP are not modelled: recovery sets cwnd to ssthresh at once.
 */
export class CongestionControl {
  cwnd = TCP_INIT_CWND;
  ssthresh = 0x7fffffff;
  state: CaState = 'open';
  /** high_seq: the end of the flight when recovery began. */
  private highSeq = 0;
  /** Duplicate ACKs in a row (sacked_out for a connection without SACK: tcp_add_reno_sack()). */
  dupAcks = 0;
  /** snd_cwnd_cnt: acknowledgements towards the next additive increase. */
  private cwndCount = 0;
  /** A fast retransmit is due regardless of the window (the first retransmission of recovery). */
  forceRetransmit = false;

  /** tcp_init_transfer(): the initial window. */
  init(): void {
    this.cwnd = TCP_INIT_CWND;
    this.ssthresh = 0x7fffffff;
    this.state = 'open';
    this.dupAcks = 0;
  }

  /** Segments the duplicate ACKs of a connection without SACK stand for (they count as SACKed). */
  renoSacked(sackOk: boolean): number {
    return sackOk ? 0 : this.dupAcks;
  }

  /** Reacts to an ACK: ends a recovery that is complete, detects loss, and grows the window. */
  onAck(e: AckEvent): void {
    if ((this.state === 'recovery' || this.state === 'loss') && seqGe(e.sndUna, this.highSeq)) {
      if (this.state === 'recovery') this.cwnd = Math.max(this.ssthresh, 2);
      this.state = 'open';
      this.dupAcks = 0;
    }
    if (e.acked > 0 && this.state !== 'recovery') this.dupAcks = 0;
    if (e.isDup) this.dupAcks++;
    switch (this.state) {
      case 'open':
      case 'disorder': {
        const lost = e.sackOk ? e.rtx.markLostBySack(DUP_THRESH) : 0;
        const head = e.rtx.head;
        if (lost > 0 || (this.dupAcks >= DUP_THRESH && head && !head.sacked)) {
          if (head && !head.sacked && !head.lost) head.lost = true;
          this.enterRecovery(e.sndNxt);
        } else {
          this.state = this.dupAcks > 0 || e.rtx.sackedOut > 0 ? 'disorder' : 'open';
        }
        break;
      }
      case 'recovery':
        if (e.sackOk) e.rtx.markLostBySack(DUP_THRESH);
        if (e.acked > 0) {
          // A partial ACK: the next hole is lost too (NewReno; with SACK the scoreboard usually knows already).
          const head = e.rtx.head;
          if (head && !head.sacked && !head.lost && !head.retransInFlight) head.lost = true;
        }
        break;
      case 'loss':
        break;
    }
    if (e.acked > 0 && this.state !== 'recovery') this.congAvoid(e.acked);
  }

  /** tcp_enter_recovery(): ssthresh from the window, cwnd down to it, the first retransmission at once. */
  private enterRecovery(sndNxt: number): void {
    this.ssthresh = this.reducedSsthresh();
    this.cwnd = this.ssthresh;
    this.cwndCount = 0;
    this.state = 'recovery';
    this.highSeq = sndNxt;
    this.forceRetransmit = true;
  }

  /** tcp_enter_loss(): a retransmission timeout; cwnd restarts at one segment. */
  enterLoss(rtx: RetransmitQueue, sndNxt: number): void {
    if (this.state !== 'loss') this.ssthresh = this.reducedSsthresh();
    this.cwnd = 1;
    this.cwndCount = 0;
    this.state = 'loss';
    this.highSeq = sndNxt;
    this.dupAcks = 0;
    void rtx;
  }

  /** tcp_simple_retransmit(): the path MTU shrank; the loss state without a window reduction. */
  enterMtuLoss(sndNxt: number): void {
    if (this.state !== 'loss') {
      this.state = 'loss';
      this.highSeq = sndNxt;
    }
    this.forceRetransmit = true;
  }

  /** bictcp_recalc_ssthresh(): beta 717/1024 of the window, at least 2. */
  private reducedSsthresh(): number {
    return Math.max(Math.floor((this.cwnd * 717) / 1024), 2);
  }

  /** tcp_slow_start() below ssthresh, then one segment per window of ACKs (tcp_cong_avoid_ai()). */
  private congAvoid(acked: number): void {
    let left = acked;
    if (this.cwnd < this.ssthresh) {
      const grown = Math.min(this.cwnd + left, this.ssthresh);
      left -= grown - this.cwnd;
      this.cwnd = grown;
      if (left <= 0) return;
    }
    this.cwndCount += left;
    if (this.cwndCount >= this.cwnd) {
      this.cwndCount -= this.cwnd;
      this.cwnd++;
    }
  }
}
