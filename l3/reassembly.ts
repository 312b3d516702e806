import type { Duration, Scheduler, Timer } from '../core/clock.ts';
import { emitIpv4, parseIpv4 } from '../core/wire/ipv4.ts';

interface Queue {
  readonly pieces: { offset: number; bytes: Uint8Array }[];
  first: Uint8Array | undefined;
  totalLength: number | undefined;
  timer: Timer;
}

/**
 * IPv4 fragment reassembly (net/ipv4/ip_fragment.c): fragments are queued per (source, destination, protocol,
 * id); the whole datagram comes out when every byte has arrived; a queue that is not complete after
 * ipfrag_time (30 s) is dropped, with an ICMP time exceeded (code 1) when its first fragment had arrived.
 */
export class Reassembly {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly timeout: Duration,
    private readonly onExpire: (first: Uint8Array) => void,
  ) {}

  /** Adds a fragment; returns the reassembled datagram when complete. */
  add(datagram: Uint8Array): Uint8Array | undefined {
    const parsed = parseIpv4(datagram);
    if (!parsed.ok) return undefined;
    const ip = parsed.value;
    const key = `${ip.source}:${ip.destination}:${ip.protocol}:${ip.identification}`;
    let queue = this.queues.get(key);
    if (!queue) {
      const created: Queue = {
        pieces: [],
        first: undefined,
        totalLength: undefined,
        timer: this.scheduler.after(this.timeout, () => {
          this.queues.delete(key);
          if (created.first) this.onExpire(created.first);
        }),
      };
      queue = created;
      this.queues.set(key, queue);
    }
    if (ip.fragmentOffset === 0) queue.first = datagram;
    if (!ip.moreFragments) queue.totalLength = ip.fragmentOffset + ip.payload.length;
    queue.pieces.push({ offset: ip.fragmentOffset, bytes: ip.payload });
    if (queue.totalLength === undefined || !queue.first) return undefined;
    const have = new Uint8Array(queue.totalLength);
    let covered = 0;
    const sorted = [...queue.pieces].sort((a, b) => a.offset - b.offset);
    for (const piece of sorted) {
      if (piece.offset > covered) return undefined;
      const end = Math.min(piece.offset + piece.bytes.length, queue.totalLength);
      if (end > covered) {
        have.set(piece.bytes.subarray(covered - piece.offset, end - piece.offset), covered);
        covered = end;
      }
    }
    if (covered < queue.totalLength) return undefined;
    queue.timer.cancel();
    this.queues.delete(key);
    const first = parseIpv4(queue.first);
    if (!first.ok) return undefined;
    const headerLength = 20 + first.value.options.length;
    const whole = new Uint8Array(headerLength + have.length);
    whole.set(have, headerLength);
    emitIpv4({ ...first.value, totalLength: whole.length, moreFragments: false, fragmentOffset: 0, payload: whole.subarray(headerLength) }, whole, 0, 'full');
    return whole;
  }
}
