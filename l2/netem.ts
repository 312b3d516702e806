import type { Duration, Instant, Scheduler, Timer } from '../core/clock.ts';
import type { Random } from '../core/random.ts';

/**
 * A root queueing discipline on a device (struct Qdisc): it takes each frame the stack transmits and hands it to
 * the driver when, and if, it decides. Captures on the device see frames as they leave the qdisc
 * (dev_hard_start_xmit() → dev_queue_xmit_nit()), so a frame it drops never shows in tcpdump.
 */
export interface Qdisc {
  /** The name `ip link` and `tc qdisc show` print (`qdisc netem`). */
  readonly kind: string;
  /** qdisc->enqueue(): `send` puts a frame on the wire; `drop` records a frame the qdisc discards. */
  enqueue(frame: Uint8Array, send: (frame: Uint8Array) => void, drop: (frame: Uint8Array, reason: 'netem loss' | 'queue full') => void): void;
  /** qdisc_destroy(): frames still queued are dropped silently. */
  destroy(): void;
}

/** The parameters of `tc qdisc add dev DEV root netem …` that twinnet models, probabilities as percentages. */
export interface NetemParameters {
  readonly loss?: number;
  /** Nanoseconds. */
  readonly delay?: Duration;
  readonly duplicate?: number;
  readonly reorder?: number;
  /** The queue limit in packets (netem's default 1000). */
  readonly limit?: number;
}

interface Queued {
  readonly at: Instant;
  readonly frame: Uint8Array;
  readonly send: (frame: Uint8Array) => void;
}

/** A percentage as netem keeps it: a fraction of 2^32 (tc's get_percent() → percent_to_u32-style scaling). */
function probability(percent: number | undefined): number {
  if (!percent) return 0;
  return Math.min(0xffffffff, Math.round((percent / 100) * 0xffffffff));
}

/**
 * The network emulator (net/sched/sch_netem.c) with uncorrelated random loss, duplication, a fixed delay and
 * reordering, drawing from a seeded stream so that a run repeats exactly (DESIGN.md §3):
 * - loss: a frame is dropped when a draw is below the loss probability (loss_event());
 * - duplicate: a copy goes through the queue again, itself never duplicated (netem_enqueue(): rootq->enqueue());
 * - delay: each frame waits `delay` in a time-ordered queue (tfifo_enqueue());
 * - reorder: with `reorder` (which tc only allows with a delay, gap 1), a frame skips the delay and leaves at once,
 *   ahead of the delayed ones.
 */
export class Netem implements Qdisc {
  readonly kind = 'netem';
  private readonly loss: number;
  private readonly duplicate: number;
  private readonly reorder: number;
  private readonly delay: Duration;
  private readonly limit: number;
  private readonly queue: Queued[] = [];
  private timer: Timer | undefined;

  constructor(
    readonly parameters: NetemParameters,
    private readonly scheduler: Scheduler,
    private readonly random: Random,
  ) {
    this.loss = probability(parameters.loss);
    this.duplicate = probability(parameters.duplicate);
    this.reorder = probability(parameters.reorder);
    this.delay = parameters.delay ?? 0;
    this.limit = parameters.limit ?? 1000;
  }

  /** get_crandom() without correlation: a uniform 32-bit draw. */
  private draw(): number {
    return this.random.nextU32();
  }

  enqueue(frame: Uint8Array, send: (frame: Uint8Array) => void, drop: (frame: Uint8Array, reason: 'netem loss' | 'queue full') => void): void {
    this.enqueueOne(frame, send, drop, true);
  }

  private enqueueOne(frame: Uint8Array, send: (frame: Uint8Array) => void, drop: (frame: Uint8Array, reason: 'netem loss' | 'queue full') => void, mayDuplicate: boolean): void {
    let count = 1;
    if (mayDuplicate && this.duplicate && this.duplicate >= this.draw()) count++;
    if (this.loss && this.loss >= this.draw()) count--;
    if (count === 0) {
      drop(frame, 'netem loss');
      return;
    }
    if (count > 1) this.enqueueOne(frame.slice(), send, drop, false);
    if (this.queue.length >= this.limit) {
      drop(frame, 'queue full');
      return;
    }
    const now = this.scheduler.now;
    if (this.delay === 0) {
      send(frame);
      return;
    }
    if (this.reorder && this.reorder >= this.draw()) {
      // "Do re-ordering by putting one out of N packets at the front of the queue."
      this.queue.unshift({ at: now, frame, send });
    } else {
      const at = now + this.delay;
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1]!.at > at) i--;
      this.queue.splice(i, 0, { at, frame, send });
    }
    this.arm();
  }

  /** netem_dequeue() at the head's time_to_send. */
  private arm(): void {
    const head = this.queue[0];
    if (!head) return;
    if (this.timer && !this.timer.cancelled && this.timer.at <= head.at) return;
    this.timer?.cancel();
    this.timer = this.scheduler.at(head.at, () => this.dequeue());
  }

  private dequeue(): void {
    this.timer = undefined;
    const now = this.scheduler.now;
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const q = this.queue.shift()!;
      q.send(q.frame);
    }
    this.arm();
  }

  destroy(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.queue.length = 0;
  }
}
