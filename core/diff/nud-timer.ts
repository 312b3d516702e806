import { MILLISECOND } from '../clock.ts';

/**
 * When a neighbour state difference is timer variation (DESIGN.md §5 "State"). The kernel's neighbour timers fire
 * late: the timer wheel rounds each expiry up to the granularity of the wheel level its delay falls in
 * (kernel/time/timer.c: calc_index()), at HZ=250 up to 32 ms for delays under 2 s, up to 256 ms for 2-16 s, up to
 * 2.048 s beyond; the lateness depends on the jiffies counter's phase, which the simulator cannot know. Measured
 * here (fixtures/kernel/nud-idle-reprobe): probes 200-290 ms after the simulator's. So an entry may be caught on
 * either side of one of its transitions when the two engines dump their tables.
 *
 * The rule: the two states must be one timer-driven step apart (net/core/neighbour.c: neigh_timer_handler(), and a
 * probe answered at once), the link-layer address must agree where both show one, and the side whose timers are
 * known (the simulator: each entry's last change and next timer) must place that step within the lateness bound of
 * the other side's dump, once the other side's dump time is brought onto the timed side's clock (by the last
 * aligned frame pair, which absorbs the lateness accumulated before it):
 * - the timed side shows the earlier state and the other the later one: the timed side's next timer is due no
 *   later than the later of the two dump times plus the bound;
 * - the timed side shows the later state and the other the earlier one: the timed side changed no earlier than
 *   the earlier of the two dump times minus the bound (the other side's timer was late, or it dumped first).
 * Anything else, and any entry without timing, is a divergence.
 */

/** The timer-driven steps of the NUD state machine, earlier state first. */
export const NUD_TIMER_STEPS: readonly (readonly [string, string])[] = [
  ['REACHABLE', 'STALE'],
  ['REACHABLE', 'DELAY'],
  ['DELAY', 'REACHABLE'],
  ['DELAY', 'PROBE'],
  ['PROBE', 'REACHABLE'],
  ['PROBE', 'FAILED'],
  ['INCOMPLETE', 'REACHABLE'],
  ['INCOMPLETE', 'FAILED'],
];

/**
 * The default lateness bound: the timer wheel's granularity for the 2-16 s delays of shortened neighbour timers at
 * HZ=250 (256 ms), plus scheduling on a loaded machine and the time a dump takes.
 */
export const DEFAULT_NUD_LATENESS = 300 * MILLISECOND;

/** An entry's timing on the side that knows it (the simulator), in ns since the run began. */
export interface NeighbourTiming {
  readonly dst: string;
  readonly dev: string;
  /** When the entry last changed state (struct neighbour: updated). */
  readonly updatedAt: number;
  /** When its timer fires next, if it has one. */
  readonly nextTimerAt?: number;
}

/** The facts the rule weighs for one entry. */
export interface NudTimerCase {
  /** The timed side's state and dump time, and the entry's timing there. */
  readonly timedState: string;
  readonly timedAt: number;
  readonly timing: NeighbourTiming;
  /** The other side's state and dump time, on the timed side's clock. */
  readonly otherState: string;
  readonly otherAt: number;
  /** The lateness bound (default `DEFAULT_NUD_LATENESS`). */
  readonly lateness?: number;
}

/** Whether the state difference of one entry is explained by timer jitter, under the rule above. */
export function explainedByTimers(c: NudTimerCase): boolean {
  const lateness = c.lateness ?? DEFAULT_NUD_LATENESS;
  const ahead = c.otherAt - c.timedAt;
  // A pair of states may be one step apart either way (DELAY → REACHABLE and REACHABLE → DELAY): any step that
  // explains it will do.
  return NUD_TIMER_STEPS.some(([earlier, later]) => {
    if (c.timedState === earlier && c.otherState === later) {
      return c.timing.nextTimerAt !== undefined && c.timing.nextTimerAt <= c.timedAt + Math.max(ahead, 0) + lateness;
    }
    if (c.timedState === later && c.otherState === earlier) return c.timing.updatedAt >= c.timedAt - Math.max(-ahead, 0) - lateness;
    return false;
  });
}
