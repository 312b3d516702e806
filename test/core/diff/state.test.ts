/**
 * State and transcript comparison rules (DESIGN.md §5 "State"): each lets its legitimate variation through and
 * still catches a real difference in the same field.
 */
import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND } from '../../../core/clock.ts';
import { explainedByTimers } from '../../../core/diff/nud-timer.ts';
import { conntrackEntries, diffStates, iptablesLines, type StateDump } from '../../../core/diff/state-diff.ts';
import { diffTranscripts } from '../../../core/diff/transcript-diff.ts';
import type { TranscriptEntry } from '../../../core/transcript.ts';

const route = (dst: string, extra: Record<string, unknown> = {}) => ({ dst, dev: 'veth1', protocol: 'kernel', scope: 'link', prefsrc: '172.20.0.1', flags: [], ...extra });
const neigh = (dst: string, state: string, lladdr = '02:00:00:00:00:02') => ({ dst, dev: 'eth0', ...(state === 'FAILED' || state === 'INCOMPLETE' ? {} : { lladdr }), state: [state] });

function dump(over: Partial<StateDump> = {}): StateDump {
  return { namespace: 'a', routes: [route('172.20.0.0/16'), route('default', { gateway: '172.20.0.10', protocol: undefined, scope: undefined })], neighbours: [neigh('10.0.0.2', 'REACHABLE'), neigh('10.0.0.3', 'STALE')], ...over };
}

/** `section item: field a ≠ b [class]` of each difference. */
function summary(a: readonly StateDump[], b: readonly StateDump[], options = {}): string[] {
  return diffStates(a, b, options).differences.map((d) => `${d.section} ${d.kind} ${d.item.split(':')[0]}${d.fields.map((f) => `: ${f.field} ${f.a} ≠ ${f.b}`).join('')} [${d.classification.kind === 'divergence' ? 'divergence' : d.classification.variation}]`);
}

describe('routes: per table, in order, fields named', () => {
  it('lets equal tables through, whatever order the tables come in', () => {
    const local = { type: 'local', dst: '172.20.0.1', dev: 'veth1', table: 'local', protocol: 'kernel', scope: 'host', prefsrc: '172.20.0.1' };
    const a = dump({ routes: [local, route('172.20.0.0/16')] });
    const b = dump({ routes: [route('172.20.0.0/16'), local] });
    expect(summary([a], [b])).toEqual([]);
  });
  it('catches a gateway, a missing route, and routes of one table in another order', () => {
    const b = dump({ routes: [route('default', { gateway: '172.20.0.1', protocol: undefined, scope: undefined })] });
    expect(summary([dump()], [b])).toEqual(['routes different default: gateway 172.20.0.10 ≠ 172.20.0.1 [divergence]', 'routes missing 172.20.0.0/16 [divergence]']);
    const swapped = dump({ routes: [route('default', { gateway: '172.20.0.10', protocol: undefined, scope: undefined }), route('172.20.0.0/16')] });
    expect(summary([dump()], [swapped])).toEqual(['routes reordered 172.20.0.0/16 [divergence]']);
  });
});

describe('hash-order: neighbours and FDB entries are listed in hash order', () => {
  it('lets the neighbour order differ', () => {
    const b = dump({ neighbours: [neigh('10.0.0.3', 'STALE'), neigh('10.0.0.2', 'REACHABLE')] });
    expect(summary([dump()], [b])).toEqual([]);
  });
  it('catches another link-layer address, and an entry missing', () => {
    const b = dump({ neighbours: [neigh('10.0.0.3', 'STALE', '02:00:00:00:00:09')] });
    expect(summary([dump()], [b], { sameMacs: true })).toEqual(['neighbours different 10.0.0.3 dev eth0: lladdr 02:00:00:00:00:02 ≠ 02:00:00:00:00:09 [divergence]', 'neighbours missing 10.0.0.2 dev eth0 [divergence]']);
  });
});

describe('nud-timer-jitter: a neighbour caught on the other side of a timer', () => {
  const timed = (state: string, timing: { updatedAt: number; nextTimerAt?: number }, at: number): StateDump => ({ namespace: 'a', at, neighbours: [neigh('10.0.0.2', state)], neighbourTimers: [{ dst: '10.0.0.2', dev: 'eth0', ...timing }] });
  const kernel = (state: string, at: number): StateDump => ({ namespace: 'a', at, neighbours: [neigh('10.0.0.2', state)] });
  it('lets REACHABLE against STALE through when the simulator\u2019s timer is due within the bound', () => {
    // The simulator dumped at 10 s with REACHABLE, its timer due at 10.1 s; the kernel dumped at 10.05 s: STALE.
    expect(summary([kernel('STALE', 10.05 * SECOND)], [timed('REACHABLE', { updatedAt: 6 * SECOND, nextTimerAt: 10.1 * SECOND }, 10 * SECOND)])).toEqual(['neighbours different 10.0.0.2 dev eth0: state [STALE] ≠ [REACHABLE] [nud-timer-jitter]']);
    // The kernel's timer was late: it still shows DELAY while the simulator went PROBE 0.1 s before its dump.
    expect(summary([kernel('DELAY', 10 * SECOND)], [timed('PROBE', { updatedAt: 9.9 * SECOND, nextTimerAt: 10.9 * SECOND }, 10 * SECOND)])[0]).toMatch(/\[nud-timer-jitter\]$/);
  });
  it('catches a state a timer cannot explain: too far from the timer, not one step apart, or without timing', () => {
    expect(summary([kernel('STALE', 10 * SECOND)], [timed('REACHABLE', { updatedAt: 6 * SECOND, nextTimerAt: 14 * SECOND }, 10 * SECOND)])[0]).toMatch(/\[divergence\]$/);
    expect(summary([kernel('FAILED', 10 * SECOND)], [timed('REACHABLE', { updatedAt: 6 * SECOND, nextTimerAt: 10.1 * SECOND }, 10 * SECOND)])[0]).toMatch(/\[divergence\]$/);
    expect(summary([kernel('STALE', 10 * SECOND)], [kernel('REACHABLE', 10 * SECOND)])[0]).toMatch(/\[divergence\]$/);
  });
  it('relates the two clocks by the aligned frames', () => {
    // Without frames the kernel's dump at 11.5 s seems later than the simulator's timer (10.8 s); but its run is
    // 1.5 s behind at the last aligned frame, so on the simulator's clock it dumped at 10.0 s, before that timer.
    const a = [kernel('STALE', 11.5 * SECOND)];
    const b = [timed('REACHABLE', { updatedAt: 6 * SECOND, nextTimerAt: 10.8 * SECOND }, 10 * SECOND)];
    expect(summary(a, b, { nudLateness: 100 * MILLISECOND })[0]).toMatch(/\[nud-timer-jitter\]$/);
    expect(summary(a, b, { nudLateness: 100 * MILLISECOND, anchors: [{ a: 9.5 * SECOND, b: 8 * SECOND }] })[0]).toMatch(/\[divergence\]$/);
  });
  it('explainedByTimers: both directions of one step', () => {
    expect(explainedByTimers({ timedState: 'DELAY', timedAt: 5 * SECOND, timing: { dst: '', dev: '', updatedAt: 4 * SECOND, nextTimerAt: 5.1 * SECOND }, otherState: 'REACHABLE', otherAt: 5 * SECOND })).toBe(true);
    expect(explainedByTimers({ timedState: 'DELAY', timedAt: 5 * SECOND, timing: { dst: '', dev: '', updatedAt: 1 * SECOND, nextTimerAt: 9 * SECOND }, otherState: 'REACHABLE', otherAt: 5 * SECOND })).toBe(false);
  });
});

describe('iptables-save: dated comments ignored, rules compared', () => {
  const save = (date: string, rule = '-A POSTROUTING -s 172.20.0.0/16 -j MASQUERADE') => `# Generated by iptables-save v1.8.9 (nf_tables) on ${date}\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${rule}\nCOMMIT\n# Completed on ${date}\n`;
  it('lets the dates differ, and an empty table equal none', () => {
    expect(summary([{ namespace: undefined, iptables: { filter: '', nat: save('Sun Nov 29 06:20:26 2026') } }], [{ namespace: undefined, iptables: { filter: '', nat: save('Thu Jan  1 00:00:05 1970') } }])).toEqual([]);
    expect(iptablesLines('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n')).toEqual([]);
  });
  it('catches a different rule, and a table with counters against none', () => {
    expect(summary([{ namespace: undefined, iptables: { filter: '', nat: save('x') } }], [{ namespace: undefined, iptables: { filter: '', nat: save('y', '-A POSTROUTING -s 172.20.0.0/24 -j MASQUERADE') } }])).toEqual([
      'iptables missing nat [divergence]',
      'iptables extra nat [divergence]',
    ]);
    expect(iptablesLines('*filter\n:INPUT ACCEPT [3:252]\nCOMMIT\n')).toEqual(['*filter', ':INPUT ACCEPT [3:252]', 'COMMIT']);
  });
});

describe('conntrack-timeout: entries compared as a set, timeouts within a few seconds', () => {
  const line = (timeout: number, id: number) => `icmp     1 ${timeout} src=172.20.0.11 dst=203.0.113.8 type=8 code=0 id=${id} src=203.0.113.8 dst=10.0.2.15 type=0 code=0 id=${id} mark=0 use=1\n`;
  it('lets timeouts and ping identifiers differ a little', () => {
    expect(summary([{ namespace: undefined, conntrack: line(29, 8754) }], [{ namespace: undefined, conntrack: line(27, 1234) }])).toEqual([]);
    expect(conntrackEntries(line(29, 5))[0]!.key).toBe('icmp 1 src=172.20.0.11 dst=203.0.113.8 type=8 code=0 id=* src=203.0.113.8 dst=10.0.2.15 type=0 code=0 id=* mark=0 use=1');
  });
  it('catches a timeout far off and an entry missing', () => {
    expect(summary([{ namespace: undefined, conntrack: line(29, 1) }], [{ namespace: undefined, conntrack: line(10, 1) }])).toEqual(['conntrack different icmp 1 src=172.20.0.11 dst=203.0.113.8 type=8 code=0 id=* src=203.0.113.8 dst=10.0.2.15 type=0 code=0 id=* mark=0 use=1: timeout 29 ≠ 10 [divergence]']);
    expect(summary([{ namespace: undefined, conntrack: line(29, 1) }], [{ namespace: undefined, conntrack: '' }])).toEqual(['conntrack missing icmp     1 29 src=172.20.0.11 dst=203.0.113.8 type=8 code=0 id=1 src=203.0.113.8 dst=10.0.2.15 type=0 code=0 id=1 mark=0 use=1 [divergence]']);
  });
  it('igmp-report-timing: an IGMP report\u2019s entry on one side only (found by twinnet fuzz: a bridge dumped just after coming up)', () => {
    const igmp = 'unknown  2 599 src=0.0.0.0 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=0.0.0.0 mark=0 use=1\n';
    expect(summary([{ namespace: undefined, conntrack: igmp }], [{ namespace: undefined, conntrack: '' }])).toEqual([`conntrack missing ${igmp.trim()} [igmp-report-timing]`]);
    expect(summary([{ namespace: undefined, conntrack: igmp + line(29, 1) }], [{ namespace: undefined, conntrack: igmp }])[0]).toMatch(/^conntrack missing icmp .* \[divergence\]$/);
  });
});

describe('links and addresses: JSON fields named; MACs one-to-one without --same-macs', () => {
  const link = (address: string, operstate = 'UP') => ({ ifindex: 3, ifname: 'veth1', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate, address });
  it('lets random MACs through', () => {
    expect(summary([{ namespace: undefined, links: [link('86:ff:6c:e4:65:8a')] }], [{ namespace: undefined, links: [link('62:ad:dd:a6:5d:98')] }])).toEqual([]);
  });
  it('catches an operstate and, under --same-macs, a MAC', () => {
    expect(summary([{ namespace: undefined, links: [link('86:ff:6c:e4:65:8a')] }], [{ namespace: undefined, links: [link('86:ff:6c:e4:65:8a', 'UNKNOWN')] }])).toEqual(['links different veth1: operstate UP ≠ UNKNOWN [divergence]']);
    expect(summary([{ namespace: undefined, links: [link('86:ff:6c:e4:65:8a')] }], [{ namespace: undefined, links: [link('62:ad:dd:a6:5d:98')] }], { sameMacs: true })).toEqual(['links different veth1: address 86:ff:6c:e4:65:8a ≠ 62:ad:dd:a6:5d:98 [divergence]']);
  });
  it('reports a namespace on one side only', () => {
    expect(summary([dump()], [])).toEqual(['namespaces missing a [divergence]']);
  });
});

/** A transcript entry printing `output`. */
function entry(command: string, output: string, status = 0, line = 1, startedAt = 0): TranscriptEntry {
  return { position: { file: 'x.sh', line, column: 1 }, prompt: '$ ', command, namespace: undefined, output: output ? [{ stream: 'stdout', text: output, at: startedAt }] : [], status, startedAt, endedAt: startedAt + MILLISECOND };
}

/** Transcript differences as `kind class: line lines`. */
function transcript(a: TranscriptEntry[], b: TranscriptEntry[]): string[] {
  return diffTranscripts(a, b).differences.flatMap((d) => [`${d.kind} ${d.classification.kind === 'divergence' ? 'divergence' : d.classification.variation} ${d.command}`, ...d.lines.map((l) => `  ${l.kind} ${l.classification.kind === 'divergence' ? 'divergence' : l.classification.variation}`)]);
}

describe('transcripts: outputs after the doctest normalisation', () => {
  const pingOut = (rtt: string, ttl = 64) => `PING 172.20.0.1 (172.20.0.1) 56(84) bytes of data.\n64 bytes from 172.20.0.1: icmp_seq=1 ttl=${ttl} time=${rtt} ms\n\n--- 172.20.0.1 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = ${rtt}/${rtt}/${rtt}/0.000 ms\n`;
  it('lets ping times, MACs and ifindexes vary (one-to-one)', () => {
    expect(transcript([entry('ping -c 1 172.20.0.1', pingOut('0.026'))], [entry('ping -c 1 172.20.0.1', pingOut('0.150'))])).toEqual([]);
    const link = (i: number, m: string) => `${i}: veth1@if${i + 1}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n    link/ether ${m} brd ff:ff:ff:ff:ff:ff\n`;
    expect(transcript([entry('ip link', link(5, '86:ff:6c:e4:65:8a'))], [entry('ip link', link(7, '62:ad:dd:a6:5d:98'))])).toEqual([]);
  });
  it('catches a TTL, a status, and an entry on one side only', () => {
    expect(transcript([entry('ping -c 1 172.20.0.1', pingOut('0.026'))], [entry('ping -c 1 172.20.0.1', pingOut('0.026', 63))])).toEqual(['different divergence $ ping -c 1 172.20.0.1', '  different divergence']);
    expect(transcript([entry('ip route add default via 172.20.0.1', '', 0)], [entry('ip route add default via 172.20.0.1', '', 2)])).toEqual(['different divergence $ ip route add default via 172.20.0.1']);
    expect(transcript([entry('ip link', ''), entry('ip addr', '')], [entry('ip link', '')])).toEqual(['missing divergence $ ip addr']);
  });
  it('hash-order: lets a neighbour listing come in another order, but not a route listing', () => {
    const a = '10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE \n10.0.0.3 dev eth0 lladdr 02:00:00:00:00:03 STALE \n';
    const b = '10.0.0.3 dev eth0 lladdr 02:00:00:00:00:03 STALE \n10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE \n';
    expect(transcript([entry('ip neigh', a)], [entry('ip neigh', b)])).toEqual(['different hash-order $ ip neigh', '  reordered hash-order']);
    // `ip -n NS neigh` too (found in CI: fixtures/regressions/redirect-accept), but not a route listing in a namespace named n.
    expect(transcript([entry('ip -n h neigh', a)], [entry('ip -n h neigh', b)])).toEqual(['different hash-order $ ip -n h neigh', '  reordered hash-order']);
    expect(transcript([entry('ip -n n route', a)], [entry('ip -n n route', b)])[0]).toMatch(/^different divergence/);
    expect(transcript([entry('ip -j neigh', `[${JSON.stringify({ dst: '10.0.0.2' })},${JSON.stringify({ dst: '10.0.0.3' })}]\n`)], [entry('ip -j neigh', `[${JSON.stringify({ dst: '10.0.0.3' })},${JSON.stringify({ dst: '10.0.0.2' })}]\n`)])).toEqual(['different hash-order $ ip -j neigh', '  reordered hash-order']);
    const ra = 'default via 172.20.0.1 dev ceth1 \n172.20.0.0/16 dev ceth1 proto kernel scope link src 172.20.0.11 \n';
    const rb = '172.20.0.0/16 dev ceth1 proto kernel scope link src 172.20.0.11 \ndefault via 172.20.0.1 dev ceth1 \n';
    expect(transcript([entry('ip route', ra)], [entry('ip route', rb)])).toEqual(['different divergence $ ip route', '  reordered divergence']);
  });
  it('iptables-save\u2019s dated comments are ignored in transcripts too, its rules are not', () => {
    const save = (date: string, rule: string) => `# Generated by iptables-save v1.8.9 (nf_tables) on ${date}\n*nat\n${rule}\nCOMMIT\n# Completed on ${date}\n`;
    expect(transcript([entry('iptables-save -t nat', save('Sun Nov 29 07:09:25 2026', '-A POSTROUTING -j MASQUERADE'))], [entry('iptables-save -t nat', save('Thu Jan  1 00:00:02 1970', '-A POSTROUTING -j MASQUERADE'))])).toEqual([]);
    expect(transcript([entry('iptables-save -t nat', save('x', '-A POSTROUTING -j MASQUERADE'))], [entry('iptables-save -t nat', save('x', '-A POSTROUTING -j SNAT --to-source 10.0.2.15'))])).toEqual(['different divergence $ iptables-save -t nat', '  different divergence']);
  });
  it('conntrack-timeout: `conntrack -L` lines compare as entries, timeouts within a few seconds', () => {
    const out = (timeout: number, id: number) => `icmp     1 ${timeout} src=172.20.0.11 dst=203.0.113.8 type=8 code=0 id=${id} src=203.0.113.8 dst=10.0.2.15 type=0 code=0 id=${id} mark=0 use=1\nconntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n`;
    expect(transcript([entry('conntrack -L', out(29, 8754))], [entry('conntrack -L', out(27, 9))])).toEqual([]);
    expect(transcript([entry('conntrack -L', out(29, 8754))], [entry('conntrack -L', out(3, 9))])).toEqual(['different divergence $ conntrack -L', '  different divergence']);
  });
  it('igmp-report-timing: `conntrack -L` with an IGMP report\u2019s entry on one side only, and its count one more', () => {
    const igmp = 'unknown  2 599 src=0.0.0.0 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=0.0.0.0 mark=0 use=1\n';
    const shown = (n: number) => `conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been shown.\n`;
    expect(transcript([entry('conntrack -L', igmp + shown(1))], [entry('conntrack -L', shown(0))])).toEqual(['different igmp-report-timing $ conntrack -L', '  missing igmp-report-timing', '  different igmp-report-timing']);
    expect(transcript([entry('conntrack -L', igmp + shown(1))], [entry('conntrack -L', shown(2))])[0]).toBe('different divergence $ conntrack -L');
  });
  it('icmp-error-race: lets ping\u2019s Destination Host Unreachable lines and error count differ, not its loss', () => {
    const out = (errors: boolean, loss = '100% packet loss') =>
      `PING 10.0.0.99 (10.0.0.99) 56(84) bytes of data.\n${errors ? 'From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n' : ''}\n--- 10.0.0.99 ping statistics ---\n1 packets transmitted, 0 received, ${errors ? '+1 errors, ' : ''}${loss}, time 0ms\n`;
    expect(transcript([entry('ping -c 1 10.0.0.99', out(true))], [entry('ping -c 1 10.0.0.99', out(false))])).toEqual(['different icmp-error-race $ ping -c 1 10.0.0.99', '  missing icmp-error-race', '  different icmp-error-race']);
    expect(transcript([entry('ping -c 1 10.0.0.99', out(true))], [entry('ping -c 1 10.0.0.99', out(false, '50% packet loss'))])[0]).toMatch(/^different divergence/);
  });
  it('nud-timer-jitter: pairs a neighbour listed in another state, a divergence without the simulator\u2019s timers', () => {
    expect(transcript([entry('ip neigh', '10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE \n')], [entry('ip neigh', '10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 DELAY \n')])).toEqual(['different divergence $ ip neigh', '  different divergence']);
    const timers = { timersB: new Map([[0, [{ dst: '10.0.0.2', dev: 'eth0', updatedAt: 9.95 * SECOND, nextTimerAt: 14 * SECOND }]]]), anchors: [] };
    const r = diffTranscripts([entry('ip neigh', '10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE \n', 0, 1, 10 * SECOND)], [entry('ip neigh', '10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 DELAY \n', 0, 1, 10 * SECOND)], timers);
    expect(r.divergences).toBe(0);
    expect(r.differences[0]!.lines[0]!.classification).toEqual({ kind: 'variation', variation: 'nud-timer-jitter' });
  });
});
