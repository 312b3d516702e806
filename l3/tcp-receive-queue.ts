import type { SackBlock } from '../core/wire/tcp.ts';
import { ByteQueue } from './tcp-send-queue.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from './tcp-seq.ts';

/** sysctl net.ipv4.tcp_rmem on this kernel (6.18): min, default (the initial sk_rcvbuf), max. */
export const TCP_RMEM = [4096, 131072, 33554432] as const;
/** TCP_MAX_WSCALE. */
const TCP_MAX_WSCALE = 14;
/** TCP_NUM_SACKS: the SACK blocks a receiver remembers. */
const TCP_NUM_SACKS = 4;
/** TCP_MSS_DEFAULT: the initial guess at the peer's segment size (tcp_initialize_rcv_mss()). */
const TCP_MSS_DEFAULT = 536;
/** TCP_MIN_MSS. */
const TCP_MIN_MSS = 88;

/**
 * tcp_win_from_space() with the default scaling_ratio (TCP_DEFAULT_SCALING_RATIO, half of the buffer counts as
 * window; the kernel refines the ratio from full-sized segments' truesize, which this model does not).
 */
export function winFromSpace(space: number): number {
  return Math.floor((space * 128) / 256);
}

/**
 * An estimate of a received segment's skb->truesize (data plus sk_buff and shared-info overhead): the receive
 * buffer is charged this much while the data waits in the queues.
 */
export function skbTruesize(length: number): number {
  return 1280 + length;
}

/**
 * tcp_select_initial_window(): the window of a SYN or SYN-ACK (space rounded down to a multiple of `mss`) and the
 * window scale (enough to describe the largest buffer, tcp_rmem[2], here 32 MiB: 10).
 */
export function initialWindow(space: number, mss: number): { window: number; windowScale: number; windowClamp: number } {
  let s = Math.max(0, space);
  if (s > mss) s = Math.floor(s / mss) * mss;
  const scaleSpace = Math.max(s, TCP_RMEM[2], 4194304);
  const windowScale = Math.max(0, Math.min(TCP_MAX_WSCALE, Math.floor(Math.log2(scaleSpace)) - 15));
  return { window: s, windowScale, windowClamp: 65535 * 2 ** windowScale };
}

/** What the arrival of a data segment did (tcp_data_queue()). */
export interface QueueResult {
  /** New bytes became readable (in order). */
  readonly inOrder: boolean;
  /** The segment was wholly or partly a duplicate (a D-SACK was noted). */
  readonly duplicate: boolean;
  /** It went to the out-of-order queue. */
  readonly outOfOrder: boolean;
  /** It lay outside the window and was dropped. */
  readonly outOfWindow: boolean;
  /** A FIN is now in sequence (rcv_nxt moved past it). */
  readonly fin: boolean;
}

interface OfoSegment {
  seq: number;
  end: number;
  data: Uint8Array;
  fin: boolean;
}

/**
 * The receive side of one connection: rcv_nxt and the advertised window (rcv_wnd, rcv_wup, rcv_ssthresh,
 * window_clamp; tcp_select_window()), the readable bytes, the out-of-order queue, and the SACK and D-SACK blocks
 * to report [RFC 2018, RFC 2883] (net/ipv4/tcp_input.c, tcp_output.c).
 */
export class ReceiveSide {
  rcvNxt = 0;
  rcvWup = 0;
  rcvWnd = 0;
  rcvSsthresh = 0;
  windowClamp = 0;
  /** Our window scale (rx_opt.rcv_wscale); 0 when the peer did not offer scaling. */
  rcvWscale = 0;
  /** sk_rcvbuf. */
  rcvbuf: number = TCP_RMEM[1];
  /** icsk_ack.rcv_mss: the estimate of the peer's segment size. */
  rcvMss = TCP_MSS_DEFAULT;
  advmss = 1460;
  /** Bytes readable by the application. */
  readonly ready = new ByteQueue();
  /** skb truesize charged for queued data (sk_rmem_alloc). */
  private rmemAlloc = 0;
  private readonly readyCharges: { bytes: number; truesize: number }[] = [];
  private readonly ofo: OfoSegment[] = [];
  /** The FIN has been received in sequence: after the readable bytes comes end of file. */
  finReceived = false;
  /** selective_acks[]: most recent first. */
  private sacks: SackBlock[] = [];
  /** duplicate_sack[0] while a D-SACK is to be sent once. */
  private dsack: SackBlock | undefined;

  /** Sets up the window after the handshake (tcp_init_buffer_space(), with tcp_app_win 31). */
  initBufferSpace(): void {
    const maxwin = winFromSpace(this.rcvbuf);
    if (this.windowClamp >= maxwin) this.windowClamp = maxwin;
    if (this.windowClamp > 2 * this.advmss && this.windowClamp + this.advmss > maxwin) this.windowClamp = Math.max(2 * this.advmss, maxwin - this.advmss);
    this.rcvSsthresh = Math.min(this.rcvSsthresh, this.windowClamp);
  }

  /** tcp_initialize_rcv_mss(). */
  initRcvMss(sendMss: number): void {
    let hint = Math.min(this.advmss, sendMss, Math.floor(this.rcvWnd / 2), TCP_MSS_DEFAULT);
    hint = Math.max(hint, TCP_MIN_MSS);
    this.rcvMss = hint;
  }

  /** tcp_space(): window the free buffer is worth. */
  space(): number {
    return winFromSpace(this.rcvbuf - this.rmemAlloc);
  }

  /** tcp_full_space(). */
  fullSpace(): number {
    return winFromSpace(this.rcvbuf);
  }

  /** tcp_receive_window(): what is left of the window last advertised. */
  receiveWindow(): number {
    return Math.max(0, seqDiff(seqAdd(this.rcvWup, this.rcvWnd), this.rcvNxt));
  }

  /** __tcp_select_window(): the window the buffer allows now (bytes, before scaling). */
  computeWindow(): number {
    let mss = this.rcvMss;
    let freeSpace = this.space();
    const allowedSpace = this.fullSpace();
    const fullSpace = Math.min(this.windowClamp, allowedSpace);
    if (mss > fullSpace) {
      mss = fullSpace;
      if (mss <= 0) return 0;
    }
    if (freeSpace < fullSpace >> 1) {
      freeSpace = Math.floor(freeSpace / 2 ** this.rcvWscale) * 2 ** this.rcvWscale;
      if (freeSpace < allowedSpace >> 4 || freeSpace < mss) return 0;
    }
    if (freeSpace > this.rcvSsthresh) freeSpace = this.rcvSsthresh;
    if (this.rcvWscale) {
      const unit = 2 ** this.rcvWscale;
      return Math.ceil(freeSpace / unit) * unit;
    }
    let window = this.rcvWnd;
    if (window <= freeSpace - mss || window > freeSpace) window = Math.floor(freeSpace / mss) * mss;
    else if (mss === fullSpace && freeSpace > window + (fullSpace >> 1)) window = freeSpace;
    return window;
  }

  /** tcp_select_window(): the window field of the next segment; it never shrinks what was offered. */
  selectWindow(): number {
    const current = this.receiveWindow();
    let next = this.computeWindow();
    if (next < current) next = Math.ceil(current / 2 ** this.rcvWscale) * 2 ** this.rcvWscale;
    this.rcvWnd = next;
    this.rcvWup = this.rcvNxt;
    next = Math.min(next, 65535 * 2 ** this.rcvWscale);
    return Math.floor(next / 2 ** this.rcvWscale);
  }

  /** tcp_sequence(): whether a segment [seq, seq+length) overlaps the receive window at all. */
  acceptable(seq: number, length: number): boolean {
    const end = seqAdd(seq, length);
    return !seqLt(end, this.rcvWup) && !seqGt(seq, seqAdd(this.rcvNxt, this.receiveWindow()));
  }

  /**
   * tcp_measure_rcv_mss(): the peer's segment size is at least the largest segment seen (up to our advmss); a
   * short segment leaves the estimate alone.
   */
  measureRcvMss(length: number): void {
    if (length >= this.rcvMss) this.rcvMss = Math.min(length, this.advmss);
  }

  /**
   * tcp_grow_window(): rcv_ssthresh, the cap on the advertised window, grows by two segments when a segment's
   * overhead would still fit the buffer (__tcp_grow_window()'s halving test), up to the clamp and the free space.
   */
  growWindow(length: number): void {
    const room = Math.min(this.windowClamp, this.space()) - this.rcvSsthresh;
    if (room <= 0) return;
    const truesize = skbTruesize(length);
    let incr = 0;
    if (winFromSpace(truesize) <= length) {
      incr = 2 * this.advmss;
    } else {
      let t = winFromSpace(truesize) >> 1;
      let window = winFromSpace(TCP_RMEM[2]) >> 1;
      while (this.rcvSsthresh <= window) {
        if (t <= length) {
          incr = 2 * this.rcvMss;
          break;
        }
        t >>= 1;
        window >>= 1;
      }
    }
    if (incr) {
      incr = Math.max(incr, 2 * length);
      this.rcvSsthresh += Math.min(room, incr);
    }
  }

  /** Whether the out-of-order queue holds anything. */
  get hasOutOfOrder(): boolean {
    return this.ofo.length > 0;
  }

  /**
   * tcp_data_queue(): in-order data (and a FIN) join the readable bytes and pull in what the out-of-order queue
   * now continues; a duplicate is noted as a D-SACK; data ahead of rcv_nxt waits in the out-of-order queue and
   * becomes a SACK block; data past the window is dropped.
   */
  queue(seq: number, payload: Uint8Array, fin: boolean): QueueResult {
    let data = payload;
    let start = seq;
    const end = seqAdd(seq, data.length + (fin ? 1 : 0));
    const none = { inOrder: false, duplicate: false, outOfOrder: false, outOfWindow: false, fin: false };
    if (this.finReceived) return { ...none, duplicate: data.length > 0 };
    const window = this.receiveWindow();
    let duplicate = false;
    if (start !== this.rcvNxt) {
      if (seqLe(end, this.rcvNxt)) {
        this.setDsack(start, end);
        return { ...none, duplicate: true };
      }
      if (!seqLt(start, seqAdd(this.rcvNxt, window))) return { ...none, outOfWindow: true };
      if (seqLt(start, this.rcvNxt)) {
        // Partly old: report the old part, keep the rest.
        this.setDsack(start, this.rcvNxt);
        if (window === 0) return { ...none, duplicate: true, outOfWindow: true };
        data = data.subarray(seqDiff(this.rcvNxt, start));
        start = this.rcvNxt;
        duplicate = true;
      } else {
        this.insertOfo({ seq: start, end, data: data.slice(), fin });
        this.sackNewOfo(start, end);
        return { ...none, outOfOrder: true };
      }
    } else if (window === 0 && !(data.length === 0 && fin)) {
      // In sequence but the window is closed: tcp_data_queue() drops all but a bare FIN.
      return { ...none, outOfWindow: true };
    }
    this.deliver(data);
    let finNow = fin;
    this.rcvNxt = seqAdd(this.rcvNxt, data.length + (fin ? 1 : 0));
    if (fin) this.finReceived = true;
    // tcp_ofo_queue(): what now continues the stream.
    while (this.ofo.length > 0 && !this.finReceived) {
      const first = this.ofo[0]!;
      if (seqGt(first.seq, this.rcvNxt)) break;
      this.ofo.shift();
      this.rmemAlloc -= skbTruesize(first.data.length);
      if (seqLe(first.end, this.rcvNxt)) continue;
      const skip = seqDiff(this.rcvNxt, first.seq);
      const rest = first.data.subarray(Math.min(skip, first.data.length));
      this.deliver(rest);
      this.rcvNxt = seqAdd(this.rcvNxt, rest.length + (first.fin ? 1 : 0));
      if (first.fin) {
        this.finReceived = true;
        finNow = true;
      }
    }
    if (this.finReceived) {
      for (const o of this.ofo) this.rmemAlloc -= skbTruesize(o.data.length);
      this.ofo.length = 0;
    }
    this.sackRemove();
    return { ...none, inOrder: true, duplicate, fin: finNow };
  }

  /** Readable bytes for the application (tcp_recvmsg()), at most `max`; the buffer is uncharged. */
  read(max: number): Uint8Array {
    const out = this.ready.take(max);
    let left = out.length;
    while (left > 0 && this.readyCharges.length > 0) {
      const first = this.readyCharges[0]!;
      if (first.bytes <= left) {
        left -= first.bytes;
        this.rmemAlloc -= first.truesize;
        this.readyCharges.shift();
      } else {
        first.bytes -= left;
        left = 0;
      }
    }
    return out;
  }

  /** The SACK blocks for the next ACK: a pending D-SACK first, then the most recent blocks, `max` in all. */
  takeSackBlocks(max: number): SackBlock[] {
    const blocks: SackBlock[] = [];
    if (this.dsack) blocks.push(this.dsack);
    for (const b of this.sacks) if (blocks.length < max) blocks.push(b);
    this.dsack = undefined;
    return blocks.slice(0, max);
  }

  /** Whether a D-SACK waits to be sent. */
  get dsackPending(): boolean {
    return this.dsack !== undefined;
  }

  private deliver(data: Uint8Array): void {
    if (data.length === 0) return;
    this.ready.append(data);
    const truesize = skbTruesize(data.length);
    this.readyCharges.push({ bytes: data.length, truesize });
    this.rmemAlloc += truesize;
  }

  private insertOfo(segment: OfoSegment): void {
    let i = 0;
    while (i < this.ofo.length && seqLt(this.ofo[i]!.seq, segment.seq)) i++;
    // A segment wholly inside one already queued is a duplicate.
    const before = this.ofo[i - 1];
    if (before && seqLe(segment.end, before.end)) {
      this.setDsack(segment.seq, segment.end);
      return;
    }
    const same = this.ofo[i];
    if (same && same.seq === segment.seq && seqLe(segment.end, same.end)) {
      this.setDsack(segment.seq, segment.end);
      return;
    }
    this.ofo.splice(i, 0, segment);
    this.rmemAlloc += skbTruesize(segment.data.length);
  }

  /** tcp_dsack_set() / tcp_dsack_extend(). */
  private setDsack(left: number, right: number): void {
    if (this.dsack) this.dsack = { left: seqMin(this.dsack.left, left), right: seqMax(this.dsack.right, right) };
    else this.dsack = { left, right };
  }

  /** tcp_sack_new_ofo_skb(): extend a block the segment touches, else start a new one; the changed block first. */
  private sackNewOfo(seq: number, end: number): void {
    let block: SackBlock = { left: seq, right: end };
    const rest: SackBlock[] = [];
    for (const b of this.sacks) {
      if (!seqGt(b.left, block.right) && !seqGt(block.left, b.right)) block = { left: seqMin(b.left, block.left), right: seqMax(b.right, block.right) };
      else rest.push(b);
    }
    this.sacks = [block, ...rest].slice(0, TCP_NUM_SACKS);
  }

  /** tcp_sack_remove(): blocks that rcv_nxt has reached are done. */
  private sackRemove(): void {
    this.sacks = this.sacks.filter((b) => seqLt(this.rcvNxt, b.left));
  }
}
