import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../../core/checksum.ts';
import { MILLISECOND } from '../../../core/clock.ts';
import { parseIpv4, readIpv4 } from '../../../core/ipv4.ts';
import { emitTcp } from '../../../core/wire/tcp.ts';
import { emitUdp } from '../../../core/wire/udp.ts';
import { buildDatagram, ipRouteAndSend } from '../../../l3/ipv4.ts';
import { existingNetfilter } from '../../../l3/netfilter/netfilter.ts';
import { invertTuple, tupleEqual } from '../../../l3/netfilter/tuple.ts';
import { Network } from '../../../sim/network.ts';

/**
 * NAT properties over random flows and random source-NAT rules (issue 4): hosts h1–h3 (10.0.N.2) behind this
 * namespace, which translates towards server s (198.51.100.2) with MASQUERADE or SNAT, possibly over a handful of
 * ports so that flows must be moved. Each flow (ICMP echo, UDP or TCP SYN; identifiers picked from a few values, so
 * that hosts collide) sends one to three packets carrying its number (a TCP flow one SYN: the RST that answers it
 * ends the connection, so a second SYN is a new connection, free to be mapped anew); s answers every one (echo
 * reply, ICMP port unreachable, RST; TCP to port 80 it drops, so those connections live on). Checked: a flow's
 * packets all leave translated the same way; no two live flows share an outside tuple; every answer reaches the flow's own host with the flow's own addresses and ports (the quoted packet of an
 * ICMP error too); the live mappings in the conntrack table are one to one.
 */

const ip = (text: string): number => {
  const r = parseIpv4(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const SERVER = ip('198.51.100.2');

const TOPOLOGY = [
  'ip link set lo up',
  'sysctl -qw net.ipv4.ip_forward=1',
  'ip netns add s',
  'ip link add s0 type veth peer name s1 netns s',
  'ip addr add 198.51.100.1/24 dev s0',
  'ip addr add 198.51.100.11/24 dev s0',
  'ip addr add 198.51.100.12/24 dev s0',
  'ip link set s0 up',
  'ip netns exec s ip addr add 198.51.100.2/24 dev s1',
  'ip netns exec s ip link set s1 up',
  // TCP to port 80 is dropped there: those connections stay (SYN_SENT); port 53 answers with a reset, which ends them.
  'ip netns exec s iptables -A INPUT -p tcp --dport 80 -j DROP',
  ...[1, 2, 3].flatMap((n) => [
    `ip netns add h${n}`,
    `ip link add i${n} type veth peer name e${n} netns h${n}`,
    `ip addr add 10.0.${n}.1/24 dev i${n}`,
    `ip link set i${n} up`,
    `ip netns exec h${n} ip addr add 10.0.${n}.2/24 dev e${n}`,
    `ip netns exec h${n} ip link set e${n} up`,
    `ip netns exec h${n} ip route add default via 10.0.${n}.1`,
  ]),
].join('\n');

/** Source-NAT rule sets, each as iptables lines. */
const RULES: readonly string[][] = [
  ['iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE'],
  ['iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE --random'],
  ['iptables -t nat -A POSTROUTING -o s0 -p udp -j MASQUERADE --to-ports 2000-2003', 'iptables -t nat -A POSTROUTING -o s0 -p tcp -j MASQUERADE --to-ports 2000-2001', 'iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE'],
  ['iptables -t nat -A POSTROUTING -o s0 -j SNAT --to-source 198.51.100.11-198.51.100.12'],
  ['iptables -t nat -A POSTROUTING -o s0 -p udp -j SNAT --to-source 198.51.100.11:1024-1026', 'iptables -t nat -A POSTROUTING -o s0 -j SNAT --to-source 198.51.100.12 --random'],
  ['iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o s0 -j SNAT --to-source 198.51.100.11', 'iptables -t nat -A POSTROUTING -o s0 -j MASQUERADE'],
];

type Protocol = 'icmp' | 'udp' | 'tcp';
interface Flow {
  readonly host: number;
  readonly protocol: Protocol;
  /** Source port or ICMP id. */
  readonly id: number;
  readonly port: number;
  readonly packets: number;
}

const flowArb: fc.Arbitrary<Flow> = fc.record({
  host: fc.integer({ min: 1, max: 3 }),
  protocol: fc.constantFrom<Protocol>('icmp', 'udp', 'tcp'),
  id: fc.constantFrom(7, 300, 700, 2000, 40000),
  port: fc.constantFrom(53, 80),
  packets: fc.integer({ min: 1, max: 3 }),
});

/** A packet of flow `n` from its host: the flow's number in the payload (ICMP, UDP) or sequence number (TCP). */
function packetOf(flow: Flow, n: number, source: number): Uint8Array {
  const marker = new Uint8Array([0x74, 0x77, n >> 8, n & 0xff]);
  const fields = { source, destination: SERVER, ttl: 64, tos: 0, identification: 1000 + n, dontFragment: true };
  switch (flow.protocol) {
    case 'icmp':
      return buildDatagram({ ...fields, protocol: 1 }, 12, (b, at) => {
        b[at] = 8;
        b[at + 4] = flow.id >> 8;
        b[at + 5] = flow.id & 0xff;
        b[at + 7] = 1;
        b.set(marker, at + 8);
        const c = internetChecksum(b, at, at + 12);
        b[at + 2] = c >> 8;
        b[at + 3] = c & 0xff;
      });
    case 'udp':
      return buildDatagram({ ...fields, protocol: 17 }, 12, (b, at) => {
        emitUdp({ sourcePort: flow.id, destinationPort: flow.port, length: 12, checksum: 0, payload: marker }, b, at, 'full', source, SERVER);
      });
    case 'tcp':
      return buildDatagram({ ...fields, protocol: 6 }, 20, (b, at) => {
        emitTcp({ sourcePort: flow.id, destinationPort: flow.port, sequenceNumber: 0x7477_0000 + n, acknowledgmentNumber: 0, reserved: 0, flags: 0x02, window: 64240, checksum: 0, urgentPointer: 0, options: new Uint8Array(0), payload: new Uint8Array(0) }, b, at, 'full', source, SERVER);
      });
  }
}

/** The flow number a datagram (at `at`) carries, or undefined. */
function markerOf(d: Uint8Array, at: number): number | undefined {
  const l4 = at + (d[at]! & 0x0f) * 4;
  const protocol = d[at + 9];
  const m = protocol === 1 ? l4 + 8 : protocol === 17 ? l4 + 8 : -1;
  if (m >= 0 && d[m] === 0x74 && d[m + 1] === 0x77) return (d[m + 2]! << 8) | d[m + 3]!;
  if (protocol === 6 && d[l4 + 4] === 0x74 && d[l4 + 5] === 0x77) return (d[l4 + 6]! << 8) | d[l4 + 7]!;
  return undefined;
}

const u16 = (d: Uint8Array, at: number): number => (d[at]! << 8) | d[at + 1]!;

describe('NAT over random flows and source-NAT rules', () => {
  it('translates each flow one way, uniquely, answers go back to their flow, mappings are one to one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RULES), fc.uniqueArray(flowArb, { minLength: 1, maxLength: 10, selector: (f) => `${f.host}/${f.protocol}/${f.id}/${f.port}` }), fc.integer({ min: 1, max: 1 << 30 }), (rules, flows, seed) => {
        const net = new Network({ seed });
        net.exec(TOPOLOGY);
        for (const r of rules) expect(net.exec(r).status).toBe(0);
        net.namespace('s')!.icmp.ratelimitMs = 0;
        // Outside frames by flow; answers each host receives.
        const outside = new Map<number, string[]>();
        net.global.device('s0')!.taps.add({
          frame: (_dev, frame, direction) => {
            if (direction !== 'out' || frame[12] !== 8 || frame[13] !== 0) return;
            const d = frame.subarray(14);
            const n = markerOf(d, 0);
            if (n === undefined) return;
            const l4 = (d[0]! & 0x0f) * 4;
            const part = d[9] === 1 ? u16(d, l4 + 4) : u16(d, l4);
            outside.set(n, [...(outside.get(n) ?? []), `${d[9]}:${readIpv4(d, 12)}:${part}`]);
          },
        });
        const answers = new Map<number, { host: number; dst: number; part: number; inner: string | undefined }[]>();
        for (const n of [1, 2, 3]) {
          net.namespace(`h${n}`)!.device(`e${n}`)!.taps.add({
            frame: (_dev, frame, direction) => {
              if (direction !== 'in' || frame[12] !== 8 || frame[13] !== 0) return;
              const d = frame.subarray(14);
              const l4 = (d[0]! & 0x0f) * 4;
              let flow: number | undefined;
              let part: number;
              let inner: string | undefined;
              if (d[9] === 1 && d[l4] === 3) {
                const q = l4 + 8;
                flow = markerOf(d, q);
                part = u16(d, q + (d[q]! & 0x0f) * 4 + 2);
                inner = `${readIpv4(d, q + 12)}:${u16(d, q + (d[q]! & 0x0f) * 4)}`;
              } else if (d[9] === 1) {
                flow = markerOf(d, 0);
                part = u16(d, l4 + 4);
              } else {
                const ack = ((d[l4 + 8]! << 24) | (d[l4 + 9]! << 16) | (d[l4 + 10]! << 8) | d[l4 + 11]!) >>> 0;
                flow = (ack - 1) >>> 16 === 0x7477 ? (ack - 1) & 0xffff : undefined;
                part = u16(d, l4 + 2);
              }
              if (flow === undefined) return;
              answers.set(flow, [...(answers.get(flow) ?? []), { host: n, dst: readIpv4(d, 16), part, inner }]);
            },
          });
        }
        const rounds = Math.max(...flows.map((f) => f.packets));
        for (let r = 0; r < rounds; r++) {
          flows.forEach((f, n) => {
            if (r >= (f.protocol === 'tcp' ? 1 : f.packets)) return;
            const h = net.namespace(`h${f.host}`)!;
            ipRouteAndSend(h, packetOf(f, n, ip(`10.0.${f.host}.2`)), SERVER);
            net.advanceBy(10 * MILLISECOND);
          });
          net.advanceBy(100 * MILLISECOND);
        }
        net.advanceBy(1000 * MILLISECOND);

        // Something got through: a flow is lost only when its rule's ports ran out.
        expect(outside.size).toBeGreaterThan(0);
        if (!rules.some((r) => r.includes(':1024-1026') || r.includes('--to-ports'))) expect(outside.size).toBe(flows.length);
        // One way per flow.
        for (const [n, seen] of outside) expect(new Set(seen).size, `flow ${n}: ${seen.join(' ')}`).toBe(1);
        // No two live flows to the same server port share the outside tuple (a reset TCP flow is over: its tuple is free).
        const byTuple = new Map<string, number>();
        for (const [n, seen] of outside) {
          if (flows[n]!.protocol === 'tcp' && flows[n]!.port === 53) continue;
          const key = `${seen[0]}>${flows[n]!.port}`;
          expect(byTuple.has(key), `flows ${byTuple.get(key)} and ${n} both leave as ${key}`).toBe(false);
          byTuple.set(key, n);
        }
        // Every flow that left was answered, at its own host, to its own address and port or id.
        for (const n of outside.keys()) {
          const f = flows[n]!;
          if (f.protocol === 'tcp' && f.port === 80) continue;
          const got = answers.get(n) ?? [];
          expect(got.length, `flow ${n} (${JSON.stringify(f)}) got no answer`).toBeGreaterThan(0);
          for (const a of got) {
            expect(a.host).toBe(f.host);
            expect(a.dst).toBe(ip(`10.0.${f.host}.2`));
            if (a.inner !== undefined) expect(a.inner).toBe(`${ip(`10.0.${f.host}.2`)}:${f.id}`);
            else expect(a.part).toBe(f.id);
          }
        }
        // The live mappings: no reply tuple twice, each the answer to a translated original.
        const conns = existingNetfilter(net.global)!.conntrack.entries(net.now);
        const replies = conns.map((c) => c.tuples[1]);
        for (let i = 0; i < replies.length; i++) for (let j = i + 1; j < replies.length; j++) expect(tupleEqual(replies[i]!, replies[j]!)).toBe(false);
        for (const c of conns) expect(invertTuple(c.tuples[1])?.destination).toBe(c.tuples[0].destination);
      }),
      { numRuns: 100 },
    );
  });
});
