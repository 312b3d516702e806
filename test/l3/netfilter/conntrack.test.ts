import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import { ConntrackTable, NfConn } from '../../../l3/netfilter/conntrack.ts';
import { invertTuple, tupleOf, type ConntrackTuple } from '../../../l3/netfilter/tuple.ts';

/**
 * The conntrack hash (nf_conntrack_core.c): both tuples of a connection find it, each with its direction; an entry
 * is gone once its time is up (nf_ct_is_expired(): timeout <= now); against a plain list model under random
 * inserts, removals and clock moves.
 */

const tupleArb: fc.Arbitrary<ConntrackTuple> = fc.record({
  source: fc.integer({ min: 0, max: 7 }),
  destination: fc.integer({ min: 100, max: 103 }),
  protocol: fc.constantFrom(6, 17),
  sourcePart: fc.integer({ min: 1000, max: 1003 }),
  destinationPart: fc.constantFrom(53, 80),
});

describe('ConntrackTable', () => {
  it('finds a connection by either tuple, with the direction', () => {
    const t = new ConntrackTable();
    const original = { source: 1, destination: 2, protocol: 17, sourcePart: 1000, destinationPart: 53 };
    const reply = { source: 2, destination: 3, protocol: 17, sourcePart: 53, destinationPart: 2000 };
    const c = new NfConn(original, reply, 0);
    c.refresh(0, 30 * SECOND);
    t.insert(c);
    expect(t.find(original, 0)).toEqual({ conn: c, dir: 0 });
    expect(t.find(reply, 0)).toEqual({ conn: c, dir: 1 });
    expect(t.find(invertTuple(original)!, 0)).toBeUndefined();
    expect(t.find(original, 30 * SECOND - 1)?.conn).toBe(c);
    expect(t.find(original, 30 * SECOND)).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('reads tuples as the kernel does: ports, or the ICMP id, type and code', () => {
    const udp = Uint8Array.from([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x9c, 0x40, 0, 53, 0, 8, 0, 0]);
    expect(tupleOf(udp)).toEqual({ source: 0x0a000001, destination: 0x0a000002, protocol: 17, sourcePart: 40000, destinationPart: 53 });
    const echo = Uint8Array.from([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0x17, 0x71, 0, 1]);
    const t = tupleOf(echo)!;
    expect(t).toEqual({ source: 0x0a000001, destination: 0x0a000002, protocol: 1, sourcePart: 6001, destinationPart: 8 << 8 });
    expect(invertTuple(t)).toEqual({ source: 0x0a000002, destination: 0x0a000001, protocol: 1, sourcePart: 6001, destinationPart: 0 });
    // A destination unreachable has no answer: no connection can be made for it.
    expect(invertTuple({ ...t, destinationPart: 3 << 8 })).toBeUndefined();
  });

  it('agrees with a list model under random inserts, removals and time', () => {
    type Op = { kind: 'insert'; original: ConntrackTuple; timeout: number } | { kind: 'remove'; index: number } | { kind: 'advance'; by: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), original: tupleArb, timeout: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat() }),
      fc.record({ kind: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(tupleArb, { minLength: 1, maxLength: 20 }), (ops, probes) => {
        const table = new ConntrackTable();
        const model: NfConn[] = [];
        let now = 0;
        const alive = (c: NfConn): boolean => c.expires > now;
        for (const o of ops) {
          if (o.kind === 'advance') now += o.by * SECOND;
          else if (o.kind === 'remove') {
            const live = model.filter(alive);
            const c = live[o.index % Math.max(1, live.length)];
            if (c) {
              table.remove(c);
              model.splice(model.indexOf(c), 1);
            }
          } else {
            const reply = invertTuple(o.original)!;
            // Only distinct flows enter the table, as confirmation refuses a clash.
            if (model.some((c) => alive(c) && c.tuples.some((t) => JSON.stringify(t) === JSON.stringify(o.original) || JSON.stringify(t) === JSON.stringify(reply)))) continue;
            const c = new NfConn(o.original, reply, now);
            c.refresh(now, o.timeout * SECOND);
            table.insert(c);
            model.push(c);
          }
        }
        for (const p of probes) {
          const expected = model.filter(alive).flatMap((c) => c.tuples.flatMap((t, dir) => (JSON.stringify(t) === JSON.stringify(p) ? [{ conn: c, dir }] : [])));
          expect(table.find(p, now)).toEqual(expected[0]);
        }
        expect(table.entries(now)).toEqual(model.filter(alive));
      }),
    );
  });
});
