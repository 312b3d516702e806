/**
 * Virtual time and the event scheduler (DESIGN.md §3): integer nanoseconds, events ordered by time and then by
 * the order they were scheduled. Nothing in the simulator reads the wall clock; `sleep` and timers advance this.
 *
 * Times are JS numbers holding whole nanoseconds: exact up to 2^53 ns (about 104 days of virtual time).
 */

/** A point in virtual time, in nanoseconds since the start of the run. */
export type Instant = number;
/** A span of virtual time in nanoseconds. */
export type Duration = number;

export const NANOSECOND: Duration = 1;
export const MICROSECOND: Duration = 1_000;
export const MILLISECOND: Duration = 1_000_000;
export const SECOND: Duration = 1_000_000_000;

/** A scheduled callback; `cancel()` makes it a no-op (it is dropped lazily when its time comes). */
export interface Timer {
  readonly at: Instant;
  cancel(): void;
  readonly cancelled: boolean;
}

class Event implements Timer {
  cancelled = false;
  constructor(
    readonly at: Instant,
    readonly sequence: number,
    readonly run: () => void,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.sequence < b.sequence);
}

/** A binary min-heap of events: the clock of one simulated world. */
export class Scheduler {
  private heap: Event[] = [];
  private sequence = 0;
  private current: Instant = 0;

  /** The current virtual time. */
  get now(): Instant {
    return this.current;
  }

  /** Runs `run` at `at` (not before now). */
  at(at: Instant, run: () => void): Timer {
    if (!Number.isSafeInteger(at)) throw new Error(`scheduler: time ${at} is not a whole number of nanoseconds`);
    const event = new Event(Math.max(at, this.current), this.sequence++, run);
    this.push(event);
    return event;
  }

  /** Runs `run` after `delay` nanoseconds. */
  after(delay: Duration, run: () => void): Timer {
    return this.at(this.current + delay, run);
  }

  /** The time of the next live event, or undefined when none is pending. */
  nextAt(): Instant | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Whether any live event is pending. */
  get idle(): boolean {
    return this.nextAt() === undefined;
  }

  /** Runs every event due up to and including `until`, then sets the clock to `until`. */
  runUntil(until: Instant): void {
    for (;;) {
      this.dropCancelled();
      const head = this.heap[0];
      if (!head || head.at > until) break;
      this.pop();
      this.current = head.at;
      head.run();
    }
    if (until > this.current) this.current = until;
  }

  /** Advances the clock by `delay`, running what falls due. */
  advanceBy(delay: Duration): void {
    this.runUntil(this.current + delay);
  }

  /**
   * Runs events until none is pending or `limit` is reached, and leaves the clock at the last event run.
   * Returns false when it stopped at the limit with events still pending.
   */
  runUntilIdle(limit: Instant = Number.MAX_SAFE_INTEGER): boolean {
    for (;;) {
      this.dropCancelled();
      const head = this.heap[0];
      if (!head) return true;
      if (head.at > limit) return false;
      this.pop();
      this.current = head.at;
      head.run();
    }
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private push(event: Event): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
