import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, Scheduler, SECOND } from '../../core/clock.ts';
import type { NetDevice } from '../../l2/device.ts';
import { defaultNeighParms, NeighbourTable, type NeighbourEntry, type NudState } from '../../l2/neighbour.ts';

const REACHABLE_MS = 20_000;
const REACHABLE = REACHABLE_MS * MILLISECOND;
const DEVICE = { name: 'eth0' } as unknown as NetDevice;
const PEER = 0x0a000002;
const PEER_MAC = 0x020000000002;

/** What went on the wire and to the senders, for both the table and the model. */
interface Log {
  probes: { at: number; unicast: boolean }[];
  sent: number;
  failed: number;
}

function realTable(reachableMs = REACHABLE_MS, delayMs = 5000) {
  const scheduler = new Scheduler();
  const log: Log = { probes: [], sent: 0, failed: 0 };
  const parms = { ...defaultNeighParms(), reachableTime: reachableMs * MILLISECOND, delayProbeTime: delayMs * MILLISECOND };
  const table = new NeighbourTable<number>(
    scheduler,
    {
      solicit: (_e, unicast) => log.probes.push({ at: scheduler.now / MILLISECOND, unicast }),
      errorReport: () => log.failed++,
      output: () => log.sent++,
      discard: () => {},
    },
    () => parms,
  );
  return { scheduler, table, log };
}

/**
 * A reference model written from KERNEL-NOTES.md's prose, one entry, times in ms: resolution probes three times
 * a second apart and fails at 3 s; REACHABLE lasts reachable_time after the last confirmation, then DELAY if the
 * entry was used (outside REACHABLE) in the last 5 s, else STALE; STALE plus a send is DELAY; DELAY lasts 5 s,
 * then REACHABLE if confirmed meanwhile, else PROBE (three unicast probes, FAILED at 3 s). Arming a timer raises
 * `used` to `confirmed` (fixtures/nud/idle-reprobe).
 */
class Model {
  constructor(
    readonly reachable = REACHABLE_MS,
    readonly delay = 5000,
  ) {}

  state: NudState = 'NONE';
  hasEntry = false;
  now = 0;
  confirmed = -Infinity;
  used = 0;
  deadline = Infinity;
  probeTimes: number[] = [];
  queued = 0;
  readonly log: Log = { probes: [], sent: 0, failed: 0 };

  advance(ms: number): void {
    const end = this.now + ms;
    while (this.nextEvent() <= end) {
      this.now = this.nextEvent();
      this.fire();
    }
    this.now = end;
  }

  /** neigh_add_timer(). */
  private arm(at: number): void {
    this.deadline = at;
    if (this.used < this.confirmed) this.used = this.confirmed;
  }

  private nextEvent(): number {
    return Math.min(this.deadline, this.probeTimes[0] ?? Infinity);
  }

  private fire(): void {
    if (this.probeTimes[0] === this.now) {
      this.probeTimes.shift();
      this.log.probes.push({ at: this.now, unicast: this.state === 'PROBE' });
      return;
    }
    this.deadline = Infinity;
    switch (this.state) {
      case 'INCOMPLETE':
      case 'PROBE':
        this.state = 'FAILED';
        this.log.failed += this.queued;
        this.queued = 0;
        return;
      case 'REACHABLE':
        if (this.now <= this.confirmed + this.reachable) {
          // The kernel re-arms no sooner than HZ/100 ahead, so a just-expired entry lingers 10 ms.
          this.arm(Math.max(this.confirmed + this.reachable, this.now + 10));
        } else if (this.now <= this.used + this.delay) {
          this.state = 'DELAY';
          this.arm(this.now + this.delay);
        } else {
          this.state = 'STALE';
        }
        return;
      case 'DELAY':
        if (this.now <= this.confirmed + this.delay) {
          this.state = 'REACHABLE';
          this.arm(Math.max(this.confirmed + this.reachable, this.now + 10));
        } else {
          this.startProbing('PROBE');
        }
        return;
    }
  }

  private startProbing(state: 'INCOMPLETE' | 'PROBE'): void {
    this.state = state;
    this.probeTimes = [this.now, this.now + 1000, this.now + 2000];
    this.arm(this.now + 3000);
    // The first probe goes out at once.
    this.probeTimes.shift();
    this.log.probes.push({ at: this.now, unicast: state === 'PROBE' });
  }

  send(): void {
    this.hasEntry = true;
    if (this.state === 'REACHABLE') {
      this.log.sent++;
      return;
    }
    this.used = this.now;
    if (this.state === 'NONE' || this.state === 'FAILED') {
      this.queued++;
      this.startProbing('INCOMPLETE');
      return;
    }
    if (this.state === 'INCOMPLETE') {
      this.queued++;
      return;
    }
    if (this.state === 'STALE') {
      this.state = 'DELAY';
      this.arm(this.now + this.delay);
    }
    this.log.sent++;
  }

  /** A unicast ARP reply for us (only an existing entry is updated: arp_accept 0). */
  reply(): void {
    if (!this.hasEntry) return;
    const was = this.state;
    this.confirmed = this.now;
    this.state = 'REACHABLE';
    this.probeTimes = [];
    this.arm(this.now + this.reachable);
    if (was === 'INCOMPLETE') {
      this.log.sent += this.queued;
      this.queued = 0;
    }
  }

  /** An ARP request from the neighbour for our address: STALE, unless it already had this (valid) address. */
  request(): void {
    const was = this.state;
    this.hasEntry = true;
    if (was === 'REACHABLE' || was === 'STALE' || was === 'DELAY' || was === 'PROBE') return;
    this.state = 'STALE';
    this.probeTimes = [];
    this.deadline = Infinity;
    if (was === 'INCOMPLETE') {
      this.log.sent += this.queued;
      this.queued = 0;
    }
  }
}

type Real = ReturnType<typeof realTable>;
const entryOf = (r: Real): NeighbourEntry<number> | undefined => r.table.lookup(DEVICE, PEER);

class Send implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    m.send();
    const e = entryOf(r) ?? r.table.create(DEVICE, PEER);
    r.table.send(e, 1, 100);
  }
  toString = () => 'send';
}
class Reply implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    m.reply();
    const e = entryOf(r);
    if (e) r.table.update(e, PEER_MAC, 'REACHABLE', { override: true });
  }
  toString = () => 'reply';
}
class Request implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    m.request();
    r.table.eventNs(DEVICE, PEER, PEER_MAC);
  }
  toString = () => 'request';
}
class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    m.advance(this.ms);
    r.scheduler.advanceBy(this.ms * MILLISECOND);
    const e = entryOf(r);
    expect(e?.state ?? 'NONE').toBe(m.state);
    expect(r.log).toEqual(m.log);
  }
  toString = () => `advance ${this.ms}ms`;
}

describe('NeighbourTable', () => {
  it('follows the reference model under random sends, replies, requests and time', () => {
    const commands = [
      fc.constant(new Send()),
      fc.constant(new Reply()),
      fc.constant(new Request()),
      fc.integer({ min: 1, max: 30_000 }).map((ms) => new Advance(ms)),
      fc.constantFrom(1000, 5000, 3000).map((ms) => new Advance(ms)),
    ];
    // Timer settings of the kernel default kind, and of fixtures/nud (reachable_time below delay_first_probe_time).
    for (const [reachable, delay] of [[REACHABLE_MS, 5000], [4000, 5000], [3000, 1000]] as const) {
      fc.assert(
        fc.property(fc.commands(commands, { maxCommands: 40 }), (cmds) => {
          fc.modelRun(() => ({ model: new Model(reachable, delay), real: realTable(reachable, delay) }), cmds);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('resolves with three broadcast requests one second apart, then FAILED', () => {
    const r = realTable();
    const e = r.table.create(DEVICE, PEER);
    r.table.send(e, 1, 100);
    r.scheduler.advanceBy(10 * SECOND);
    expect(r.log.probes).toEqual([
      { at: 0, unicast: false },
      { at: 1000, unicast: false },
      { at: 2000, unicast: false },
    ]);
    expect(e.state).toBe('FAILED');
    expect(r.log.failed).toBe(1);
  });
});
