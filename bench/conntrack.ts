/**
 * bench/conntrack.ts: conntrack lookups per second with 1,000 and with 1,000,000 connections in the table
 * (l3/netfilter/conntrack.ts, a hash on the tuple as nf_conntrack_hash is), their ratio, and the index slots a
 * lookup visits on average. The work per lookup is flat (the slots visited stay about 1); what wall-clock time
 * still loses at a million entries is memory: the index and the entries no longer fit the caches, as the kernel's
 * own table does not. Not part of the tests.
 *
 *   npx tsx bench/conntrack.ts [LOOKUPS]
 */
import { SECOND } from '../core/clock.ts';
import { ConntrackTable, NfConn } from '../l3/netfilter/conntrack.ts';
import { invertTuple, type ConntrackTuple } from '../l3/netfilter/tuple.ts';

/** The n-th distinct UDP flow: sources across 10.0.0.0/8, ports 1024 on, to one server port. */
function flow(n: number): ConntrackTuple {
  return { source: (0x0a000000 + (n >>> 6)) >>> 0, destination: 0xc6336402, protocol: 17, sourcePart: 1024 + (n & 63), destinationPart: 53 };
}

function measure(size: number, lookups: number): { rate: number; probes: number } {
  const table = new ConntrackTable();
  for (let n = 0; n < size; n++) {
    const original = flow(n);
    const conn = new NfConn(original, invertTuple(original)!, 0);
    conn.refresh(0, 3600 * SECOND);
    table.insert(conn);
  }
  // Half the lookups by the original tuple, half by the reply tuple, spread over the whole table.
  const tuples: ConntrackTuple[] = [];
  let x = 12345;
  for (let i = 0; i < 4096; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const t = flow(x % size);
    tuples.push(i & 1 ? invertTuple(t)! : t);
  }
  let found = 0;
  for (let i = 0; i < 10_000; i++) if (table.find(tuples[i & 4095]!, SECOND)) found++;
  const start = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) if (table.find(tuples[i & 4095]!, SECOND)) found++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (found !== lookups + 10_000) throw new Error(`lost entries: ${found} of ${lookups + 10_000} found`);
  return { rate: lookups / seconds, probes: probesOf(table, tuples) };
}

/** The average index slots a lookup of each tuple visits. */
function probesOf(table: ConntrackTable, tuples: readonly ConntrackTuple[]): number {
  return tuples.reduce((n, t) => n + table.probeLength(t), 0) / tuples.length;
}

const lookups = Number(process.argv[2] ?? 2_000_000);
const small = measure(1_000, lookups);
const large = measure(1_000_000, lookups);
const fmt = (m: { rate: number; probes: number }): string => `${Math.round(m.rate).toLocaleString('en-US').padStart(12)} lookups/s, ${m.probes.toFixed(3)} slots per lookup`;
process.stdout.write(`conntrack lookups, ${lookups.toLocaleString('en-US')} each:\n`);
process.stdout.write(`  1,000 entries:     ${fmt(small)}\n`);
process.stdout.write(`  1,000,000 entries: ${fmt(large)}\n`);
process.stdout.write(`  ratio (1,000 / 1,000,000): ${(small.rate / large.rate).toFixed(2)} in time, ${(small.probes / large.probes).toFixed(2)} in slots visited\n`);
