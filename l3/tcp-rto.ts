import { MICROSECOND, MILLISECOND, SECOND, type Duration } from '../core/clock.ts';

/** TCP_TIMEOUT_INIT: the RTO before any RTT sample [RFC 6298 §2.1]. */
export const TCP_TIMEOUT_INIT: Duration = 1 * SECOND;
/** TCP_RTO_MIN: Linux's floor under the RTO (200 ms, lower than RFC 6298's 1 s). */
export const TCP_RTO_MIN: Duration = 200 * MILLISECOND;
/** TCP_RTO_MAX: the ceiling of the backed-off RTO. */
export const TCP_RTO_MAX: Duration = 120 * SECOND;

/**
 * The RTT estimator and retransmission timeout of one connection (net/ipv4/tcp_input.c: tcp_rtt_estimator(),
 * tcp_set_rto(); [RFC 6298] with Linux's mdev_max, which keeps rttvar at least TCP_RTO_MIN). Times in nanoseconds,
 * the estimator's state in microseconds as the kernel keeps it.
 */
export class RttEstimator {
  /** srtt_us: the smoothed RTT, times 8. */
  srttUs = 0;
  /** mdev_us: the mean deviation, times 4. */
  private mdevUs = 0;
  private mdevMaxUs = 0;
  /** rttvar_us. */
  private rttvarUs = 0;
  /** rtt_seq: the end of the flight whose samples are being collected. */
  private rttSeq = 0;
  /** icsk_rto before backoff. */
  private base: Duration = TCP_TIMEOUT_INIT;
  /** icsk_backoff: how many times the timer doubled since the last progress. */
  backoff = 0;

  /** The current RTO, backed off (inet_csk_rto_backoff()), at most TCP_RTO_MAX. */
  get rto(): Duration {
    return Math.min(this.base * 2 ** this.backoff, TCP_RTO_MAX);
  }

  /** The un-backed-off RTO (icsk_rto). */
  get baseRto(): Duration {
    return this.base;
  }

  /** The smoothed RTT in nanoseconds (0 before the first sample). */
  get srtt(): Duration {
    return Math.floor(this.srttUs / 8) * MICROSECOND;
  }

  /**
   * tcp_rtt_estimator() + tcp_set_rto(): one RTT sample, `sndUna`/`sndNxt` marking the flight so that rttvar
   * decays once per RTT.
   */
  sample(rtt: Duration, sndUna: number, sndNxt: number): void {
    let m = Math.max(1, Math.round(rtt / MICROSECOND));
    const minUs = TCP_RTO_MIN / MICROSECOND;
    let srtt = this.srttUs;
    if (srtt !== 0) {
      m -= srtt >> 3;
      srtt += m;
      if (m < 0) {
        m = -m;
        m -= this.mdevUs >> 2;
        if (m > 0) m >>= 3;
      } else {
        m -= this.mdevUs >> 2;
      }
      this.mdevUs += m;
      if (this.mdevUs > this.mdevMaxUs) {
        this.mdevMaxUs = this.mdevUs;
        if (this.mdevMaxUs > this.rttvarUs) this.rttvarUs = this.mdevMaxUs;
      }
      if (((sndUna - this.rttSeq) | 0) > 0) {
        if (this.mdevMaxUs < this.rttvarUs) this.rttvarUs -= (this.rttvarUs - this.mdevMaxUs) >> 2;
        this.rttSeq = sndNxt;
        this.mdevMaxUs = minUs;
      }
    } else {
      srtt = m << 3;
      this.mdevUs = m << 1;
      this.rttvarUs = Math.max(this.mdevUs, minUs);
      this.mdevMaxUs = this.rttvarUs;
      this.rttSeq = sndNxt;
    }
    this.srttUs = Math.max(1, srtt);
    // __tcp_set_rto(): srtt/8 + rttvar, in jiffies rounded up (HZ 1000 here), bounded by TCP_RTO_MAX.
    const rtoUs = (this.srttUs >> 3) + this.rttvarUs;
    this.base = Math.min(Math.ceil(rtoUs / 1000) * MILLISECOND, TCP_RTO_MAX);
  }

  /** A timeout fired: the next one waits twice as long. */
  backOff(): void {
    this.backoff++;
  }

  /** Progress (new data acknowledged): the backoff ends (tcp_ack(): icsk_backoff = 0). */
  resetBackoff(): void {
    this.backoff = 0;
  }
}
