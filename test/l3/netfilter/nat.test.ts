import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECOND } from '../../../core/clock.ts';
import { Random } from '../../../core/random.ts';
import { ConntrackTable, IPS, NfConn } from '../../../l3/netfilter/conntrack.ts';
import { natNullBinding, natSetup, type NatContext, type NatRangeSpec } from '../../../l3/netfilter/nat.ts';
import { invertTuple, type ConntrackTuple } from '../../../l3/netfilter/tuple.ts';

/**
 * get_unique_tuple() and nf_nat_l4proto_unique_tuple() (net/netfilter/nf_nat_core.c, KERNEL-NOTES "MASQUERADE"):
 * the original port or ICMP id is kept while free; a taken one moves within the kernel's ranges — below 512 to
 * 1–511, below 1024 to 600–1023, else 1024–65535, ICMP ids anywhere — or within the rule's ports; a destination
 * mapping without ports never moves the port.
 */

const OUTSIDE = 0xc6336401; // 198.51.100.1
const SERVER = 0xc6336402; // 198.51.100.2

function tuple(protocol: number, source: number, sport: number, dport: number): ConntrackTuple {
  return protocol === 1 ? { source, destination: SERVER, protocol, sourcePart: sport, destinationPart: 8 << 8 } : { source, destination: SERVER, protocol, sourcePart: sport, destinationPart: dport };
}

/** A confirmed, live connection in the table with the given original and reply tuples. */
function occupy(table: ConntrackTable, original: ConntrackTuple, reply: ConntrackTuple): void {
  const c = new NfConn(original, reply, 0);
  c.status |= IPS.CONFIRMED;
  c.expires = 100 * SECOND;
  table.insert(c);
}

/** A new connection mapped with `range` while `taken` outside ports (or ids) are in use by other flows. */
function mapped(protocol: number, sport: number, taken: readonly number[], range: Partial<NatRangeSpec>, seed: number): ConntrackTuple {
  const table = new ConntrackTable();
  taken.forEach((p, i) => {
    const other = tuple(protocol, 0x0a000100 + i, p, 53);
    const out = { ...other, source: OUTSIDE };
    occupy(table, other, invertTuple(out)!);
  });
  const ctx: NatContext = { table, random: new Random(seed), now: 1 * SECOND };
  const original = tuple(protocol, 0x0a000002, sport, 53);
  const conn = new NfConn(original, invertTuple(original)!, ctx.now);
  natSetup(ctx, conn, { minAddress: OUTSIDE, maxAddress: OUTSIDE, minPart: undefined, maxPart: undefined, random: false, ...range }, 'src');
  return invertTuple(conn.tuples[1])!;
}

describe('source NAT ports and ids', () => {
  it('keeps a free port or id', () => {
    for (const protocol of [1, 6, 17]) for (const p of [7, 300, 700, 40000]) expect(mapped(protocol, p, [], {}, 1).sourcePart).toBe(p);
  });

  it('moves a taken port into its class: 1–511, 600–1023, 1024–65535; a taken ICMP id anywhere', () => {
    fc.assert(
      fc.property(fc.constantFrom(6, 17), fc.integer({ min: 1, max: 65535 }), fc.integer(), (protocol, p, seed) => {
        const got = mapped(protocol, p, [p], {}, seed).sourcePart;
        expect(got).not.toBe(p);
        const [lo, hi] = p < 512 ? [1, 511] : p < 1024 ? [600, 1023] : [1024, 65535];
        expect(got).toBeGreaterThanOrEqual(lo);
        expect(got).toBeLessThanOrEqual(hi);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer(), (id, seed) => {
        expect(mapped(1, id, [id], {}, seed).sourcePart).not.toBe(id);
      }),
    );
  });

  it('stays within the rule’s ports, and moves even a free port outside them', () => {
    fc.assert(
      fc.property(fc.constantFrom(6, 17), fc.integer({ min: 1, max: 65535 }), fc.subarray([2000, 2001, 2002]), fc.integer(), (protocol, p, taken, seed) => {
        const got = mapped(protocol, p, taken, { minPart: 2000, maxPart: 2003 }, seed).sourcePart;
        expect(got).toBeGreaterThanOrEqual(2000);
        expect(got).toBeLessThanOrEqual(2003);
        expect(taken).not.toContain(got);
      }),
    );
  });

  it('--random draws a port even when the original is free, from the seeded stream', () => {
    const a = mapped(17, 40000, [], { random: true }, 5).sourcePart;
    expect(a).toBeGreaterThanOrEqual(1024);
    expect(mapped(17, 40000, [], { random: true }, 5).sourcePart).toBe(a);
  });

  it('a destination mapping without ports keeps the port; the null binding keeps a free tuple', () => {
    const table = new ConntrackTable();
    const ctx: NatContext = { table, random: new Random(1), now: 0 };
    const original = tuple(6, 0x0a000002, 40000, 8080);
    const conn = new NfConn(original, invertTuple(original)!, 0);
    natSetup(ctx, conn, { minAddress: 0x0a090002, maxAddress: 0x0a090002, minPart: undefined, maxPart: undefined, random: false }, 'dst');
    expect(invertTuple(conn.tuples[1])).toEqual({ ...original, destination: 0x0a090002 });
    expect(conn.status & IPS.DST_NAT).toBeTruthy();
    natNullBinding(ctx, conn, 'src');
    expect(conn.status & IPS.SRC_NAT).toBe(0);
    expect(conn.status & IPS.SRC_NAT_DONE).toBeTruthy();
  });
});
