import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatScenarioError, parseScenario } from '../../../core/scenario/index.ts';

/**
 * Malformed lines and what the real tools print for them, measured by fixtures/scenarios/measure-errors.sh
 * (iproute2 6.1, iptables 1.8.9, procps-ng 4.0.2, iputils 20221126, tcpdump 4.99.3, netcat-openbsd 1.219,
 * coreutils 9.1, in a throwaway namespace). The parser must refuse each with the same words, at the column
 * of the word the error is about.
 */
const measured: { line: string; column: number; measured: string }[] = JSON.parse(
  readFileSync(new URL('../../../fixtures/scenarios/measured-errors.json', import.meta.url), 'utf8'),
);

describe('parse errors use the real tools’ own words', () => {
  it('has the whole measured table', () => {
    expect(measured.length).toBeGreaterThanOrEqual(160);
  });
  it.each(measured)('$line', ({ line, column, measured: words }) => {
    const r = parseScenario(line, { file: 'bad.sh' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe(words);
    expect(r.error.position).toEqual({ file: 'bad.sh', line: 1, column });
    expect(r.error.kind).toBe('command');
  });
});

describe('errors name file:line:column', () => {
  it('formats as compilers do', () => {
    const r = parseScenario('ip link add veth1 type veth peer name ceth1\n\n  ip addr add foo dev veth1\n', { file: 'scenarios/x.sh' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatScenarioError(r.error)).toBe('scenarios/x.sh:3:15: Error: any valid prefix is expected rather than "foo".');
  });
  it('points into an sh -c body', () => {
    const text = "ip netns exec ns1 sh -c 'ip link set lo up; ip addr add 10.0.0.300/24 dev lo'";
    const r = parseScenario(text, { file: 'f.sh' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.position.column).toBe(text.indexOf('10.0.0.300') + 1);
      expect(r.error.message).toBe('Error: any valid prefix is expected rather than "10.0.0.300/24".');
    }
  });
});

describe('lines no engine supports are refused at parse time', () => {
  it.each([
    ['ip rule add from 10.0.0.1 table 5', 4, '"ip rule" is not modelled by twinnet'],
    ['ip -6 addr', 4, 'ip option "-6" (only IPv4 is modelled)'],
    ['ip link add v0 type vxlan id 5', 21, 'link type "vxlan" is not modelled by twinnet (veth, bridge and dummy are)'],
    ['iptables -t mangle -L', 13, 'iptables table "mangle" is not modelled by twinnet'],
    ['iptables -A INPUT -j REDIRECT', 22, 'iptables target "REDIRECT" is not modelled by twinnet'],
    ['sysctl -w net.ipv4.tcp_syncookies=1', 11, 'sysctl key "net.ipv4.tcp_syncookies" is not modelled by twinnet'],
    ['ping -c 1 ::1', 11, 'IPv6 ping is not modelled by twinnet'],
    ['traceroute 10.0.0.1', 1, 'command "traceroute" is not supported by twinnet'],
    ['ip link set va d on', 16, '"ip link … dynamic" is not modelled by twinnet'],
  ])('%s', (line, column, message) => {
    const r = parseScenario(line, { file: 'u.sh' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('unsupported');
    expect(r.error.message).toBe(message);
    expect(r.error.position.column).toBe(column);
  });
});
