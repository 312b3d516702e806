import type { Instant } from '../core/clock.ts';
import { seqGe, seqGt, seqLe, seqLt } from './tcp-seq.ts';

/** A FIFO of bytes addressed by position: append at the end, copy any range, discard from the front. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Offset of the first live byte inside chunks[0]. */
  private head = 0;
  /** Bytes held. */
  length = 0;

  /** Appends a copy of `bytes`. */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.length += bytes.length;
  }

  /** A copy of the bytes [from, to) counted from the front. */
  copy(from: number, to: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, to - from));
    let skip = from + this.head;
    let written = 0;
    for (const chunk of this.chunks) {
      if (written === out.length) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const take = Math.min(chunk.length - skip, out.length - written);
      out.set(chunk.subarray(skip, skip + take), written);
      written += take;
      skip = 0;
    }
    return out;
  }

  /** Drops `n` bytes from the front. */
  discard(n: number): void {
    let left = Math.min(n, this.length);
    this.length -= left;
    while (left > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.head;
      if (left < available) {
        this.head += left;
        return;
      }
      left -= available;
      this.chunks.shift();
      this.head = 0;
    }
    if (this.length === 0) {
      this.chunks = [];
      this.head = 0;
    }
  }

  /** Takes up to `n` bytes from the front. */
  take(n: number): Uint8Array {
    const out = this.copy(0, Math.min(n, this.length));
    this.discard(out.length);
    return out;
  }
}

/** One segment sent and not yet acknowledged (an skb in the retransmit queue, with its TCP_SKB_CB sacked bits). */
export interface SentSegment {
  readonly seq: number;
  /** seq + data + SYN + FIN. */
  readonly end: number;
  /** Data bytes. */
  readonly length: number;
  /** The flags it went out with (SYN, FIN, PSH, …). */
  readonly flags: number;
  /** When it was last (re)transmitted. */
  sentAt: Instant;
  /** How many times it was retransmitted (TCPCB_EVER_RETRANS when above 0). */
  retransmits: number;
  /** TCPCB_SACKED_ACKED. */
  sacked: boolean;
  /** TCPCB_LOST: deemed lost, to be retransmitted. */
  lost: boolean;
  /** TCPCB_SACKED_RETRANS: retransmitted and still in flight. */
  retransInFlight: boolean;
}

/**
 * The retransmit queue of one connection (tcp_rtx_queue) with its scoreboard (packets_out, sacked_out, lost_out,
 * retrans_out), in sequence order.
 */
export class RetransmitQueue {
  readonly segments: SentSegment[] = [];

  get empty(): boolean {
    return this.segments.length === 0;
  }

  /** The first unacknowledged segment. */
  get head(): SentSegment | undefined {
    return this.segments[0];
  }

  /** Adds a segment just sent for the first time. */
  push(segment: SentSegment): void {
    this.segments.push(segment);
  }

  /** packets_out. */
  get packetsOut(): number {
    return this.segments.length;
  }

  /** sacked_out. */
  get sackedOut(): number {
    let n = 0;
    for (const s of this.segments) if (s.sacked) n++;
    return n;
  }

  /**
   * tcp_packets_in_flight() [RFC 6675 "pipe"]: segments out, less those SACKed or deemed lost, plus retransmissions
   * still in flight.
   */
  inFlight(): number {
    let n = 0;
    for (const s of this.segments) {
      if (!s.sacked && !s.lost) n++;
      if (s.retransInFlight) n++;
    }
    return n;
  }

  /**
   * tcp_clean_rtx_queue(): drops the segments `ack` covers; returns them (a segment partly covered is kept whole,
   * as the kernel trims it: here it stays until fully acknowledged).
   */
  acknowledge(ack: number): SentSegment[] {
    let n = 0;
    while (n < this.segments.length && seqLe(this.segments[n]!.end, ack)) n++;
    return this.segments.splice(0, n);
  }

  /** tcp_sacktag_write_queue(): marks the segments inside SACK blocks; returns how many were newly SACKed. */
  markSacked(blocks: readonly { readonly left: number; readonly right: number }[], sndUna: number): number {
    let newly = 0;
    for (const block of blocks) {
      // A D-SACK block (below snd_una) or a block reaching past what was sent says nothing about the queue.
      if (seqLe(block.right, sndUna) || seqGe(block.left, block.right)) continue;
      for (const s of this.segments) {
        if (s.sacked) continue;
        if (seqGe(s.seq, block.left) && seqLe(s.end, block.right)) {
          s.sacked = true;
          s.lost = false;
          s.retransInFlight = false;
          newly++;
        }
      }
    }
    return newly;
  }

  /**
   * The loss marking of SACK recovery ([RFC 6675] IsLost, with DupThresh 3): an unSACKed segment below at least
   * three SACKed ones is lost. Returns how many were newly marked.
   */
  markLostBySack(dupThresh: number): number {
    let sackedAbove = 0;
    let newly = 0;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (s.sacked) {
        sackedAbove++;
        continue;
      }
      if (sackedAbove >= dupThresh && !s.lost && !s.retransInFlight) {
        s.lost = true;
        newly++;
      }
    }
    return newly;
  }

  /** tcp_enter_loss(): every segment not SACKed is lost; retransmissions in flight are forgotten. */
  markAllLost(): void {
    for (const s of this.segments) {
      s.retransInFlight = false;
      if (!s.sacked) s.lost = true;
    }
  }

  /** The first segment marked lost and not yet retransmitted since (tcp_xmit_retransmit_queue()'s next pick). */
  nextLost(): SentSegment | undefined {
    for (const s of this.segments) if (s.lost && !s.sacked && !s.retransInFlight) return s;
    return undefined;
  }

  /**
   * tcp_fragment(): splits a segment after its first `length` data bytes (the MSS shrank); FIN and PSH stay with the
   * second part, the scoreboard bits with both. Returns the first part.
   */
  split(segment: SentSegment, length: number): SentSegment {
    const i = this.segments.indexOf(segment);
    const cut = (segment.seq + length) >>> 0;
    const first: SentSegment = { ...segment, end: cut, length, flags: segment.flags & ~(0x01 | 0x08) };
    const second: SentSegment = { ...segment, seq: cut, length: segment.length - length };
    this.segments.splice(i, 1, first, second);
    return first;
  }

  /** The segment holding sequence number `seq`. */
  find(seq: number): SentSegment | undefined {
    for (const s of this.segments) if (seqGe(seq, s.seq) && seqLt(seq, s.end)) return s;
    return undefined;
  }

  /** Whether the highest SACKed sequence lies above `seq`. */
  sackedBeyond(seq: number): boolean {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (s.sacked) return seqGt(s.end, seq);
    }
    return false;
  }
}
