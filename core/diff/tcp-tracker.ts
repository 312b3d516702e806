/** One direction of a connection: its first sequence number and first TSval, once seen. */
export interface TcpDirection {
  seq: number | undefined;
  tsval: number | undefined;
}

/** One connection on a pair of endpoints, from the frame that began it (a SYN; -1: seen in mid-flight). */
interface Epoch {
  readonly from: number;
  /** The lower endpoint (address · 65536 + port) first, then the higher one. */
  readonly low: number;
  readonly high: number;
  /** The lower endpoint's direction, then the higher one's. */
  readonly lowDirection: TcpDirection;
  readonly highDirection: TcpDirection;
}

/** A segment's view of its connection: its own direction and the other one. */
export interface TcpView {
  readonly forward: TcpDirection;
  readonly reverse: TcpDirection;
}

/**
 * TCP connections seen at one capture point, so that sequence numbers and timestamps can be made relative per
 * connection (DESIGN.md §5), as tcpdump prints relative sequence numbers (print-tcp.c: tcp_seq_hash): each
 * direction takes the first sequence number and the first TSval it shows as its bases; an acknowledgment is
 * relative to the other direction's base, a TSecr to the other direction's first TSval; a value seen before its
 * base (an ACK before the other side's first segment) sets it. A SYN without ACK begins a new connection on the
 * same endpoints.
 *
 * The caller sets `frame` to the index of the frame being walked; connections are kept with the frame that began
 * them, so walking a frame again later gives the same values.
 */
export class TcpTracker {
  /** The index of the frame being walked. */
  frame = 0;
  /** The view `view` and `lookup` return, reused: valid until the next call. */
  private readonly shared: { forward: TcpDirection; reverse: TcpDirection } = { forward: { seq: undefined, tsval: undefined }, reverse: { seq: undefined, tsval: undefined } };
  /** Connections by a 30-bit hash of their endpoints, each bucket in order of `from`. */
  private readonly buckets = new Map<number, Epoch[]>();

  /** The connection of a segment from (source, sourcePort) to (destination, destinationPort); `syn` begins one. The view is valid until the next call. */
  view(source: number, sourcePort: number, destination: number, destinationPort: number, syn: boolean): TcpView {
    return this.find(source, sourcePort, destination, destinationPort, true, syn)!;
  }

  /** The connection of a quoted segment, if it has been seen. */
  lookup(source: number, sourcePort: number, destination: number, destinationPort: number): TcpView | undefined {
    return this.find(source, sourcePort, destination, destinationPort, false, false);
  }

  private find(source: number, sourcePort: number, destination: number, destinationPort: number, create: boolean, syn: boolean): TcpView | undefined {
    const from = source * 0x10000 + sourcePort;
    const to = destination * 0x10000 + destinationPort;
    const lowFirst = from <= to;
    const low = lowFirst ? from : to;
    const high = lowFirst ? to : from;
    const hash = (Math.imul((low >>> 0) ^ Math.imul(high >>> 0, 0x9e3779b1), 0x85ebca6b) ^ (low / 0x100000000) ^ ((high / 0x100000000) << 16)) & 0x3fffffff;
    let bucket = this.buckets.get(hash);
    if (!bucket) {
      if (!create) return undefined;
      this.buckets.set(hash, (bucket = []));
    }
    let k = bucket.length - 1;
    while (k >= 0 && (bucket[k]!.low !== low || bucket[k]!.high !== high || bucket[k]!.from > this.frame)) k--;
    let epoch = bucket[k];
    if (syn && epoch?.from !== this.frame) {
      epoch = { from: this.frame, low, high, lowDirection: { seq: undefined, tsval: undefined }, highDirection: { seq: undefined, tsval: undefined } };
      // Keep the bucket ordered by `from` (a frame walked again may begin an epoch before later ones).
      let at = bucket.length;
      while (at > 0 && bucket[at - 1]!.from > this.frame) at--;
      bucket.splice(at, 0, epoch);
    } else if (!epoch) {
      if (!create) return undefined;
      epoch = { from: -1, low, high, lowDirection: { seq: undefined, tsval: undefined }, highDirection: { seq: undefined, tsval: undefined } };
      bucket.unshift(epoch);
    }
    const view = this.shared;
    view.forward = lowFirst ? epoch.lowDirection : epoch.highDirection;
    view.reverse = lowFirst ? epoch.highDirection : epoch.lowDirection;
    return view;
  }
}

/** `value` relative to `base` modulo 2^32. */
export function relative32(value: number, base: number): number {
  return (value - base) >>> 0;
}
