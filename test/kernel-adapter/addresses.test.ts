import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, isDocumentationIpv4, isNonPublicIpv4 } from '../../core/ipv4.ts';
import { inetAton as parseInetAton } from '../../core/scenario/getopt.ts';
import { addressAllowed, checkCommandAddresses, refusedAddresses } from '../../kernel-adapter/addresses.ts';
import { commandFromArgv } from '../../kernel-adapter/command.ts';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const publicAddress = u32.filter((a) => !addressAllowed(a));
const allowedAddress = fc.oneof(
  u32.map((a) => ((10 << 24) | (a & 0xffffff)) >>> 0),
  u32.map((a) => ((0xc0a8 << 16) | (a & 0xffff)) >>> 0),
  u32.map((a) => ((0xc6336400 | (a & 0xff)) >>> 0)),
  u32.map((a) => ((0xcb007100 | (a & 0xff)) >>> 0)),
  u32.map((a) => ((0xc0000200 | (a & 0xff)) >>> 0)),
  u32.map((a) => ((127 << 24) | (a & 0xffffff)) >>> 0),
);

/** Commands that name one address in each of the places the policy must look. */
const placements: ((a: string) => string[])[] = [
  (a) => ['ping', '-c', '1', a],
  (a) => ['ping', a, '-I', 'veth1'],
  (a) => ['nc', '-u', '-w', '1', a, '53'],
  (a) => ['curl', `http://${a}:8080/x`],
  (a) => ['ip', 'addr', 'add', `${a}/24`, 'dev', 'veth1'],
  (a) => ['ip', 'route', 'add', 'default', 'via', a],
  (a) => ['ip', 'route', 'add', `${a}/32`, 'dev', 'veth1'],
  (a) => ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', `${a}/16`, '-j', 'MASQUERADE'],
  (a) => ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-j', 'SNAT', '--to-source', `${a}:1024-2000`],
  (a) => ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', 'DNAT', '--to-destination', `${a}:80`],
  (a) => ['send', 'udp', 'src', '10.0.0.1', 'dst', a, 'dport', '9'],
  (a) => ['sh', '-c', `ip route add 10.9.0.0/16 via ${a}; ping -c 1 10.9.0.1`],
];

describe('kernel-adapter address policy', () => {
  it('allows exactly the non-public and documentation ranges', () => {
    fc.assert(fc.property(u32, (a) => addressAllowed(a) === (isNonPublicIpv4(a) || isDocumentationIpv4(a))));
    expect(addressAllowed(0x08080808)).toBe(false);
    expect(addressAllowed(0xc0000201)).toBe(true);
  });

  it('refuses a public address wherever a command names it, and says where', () => {
    fc.assert(
      fc.property(publicAddress, fc.constantFrom(...placements), (a, place) => {
        const argv = place(formatIpv4(a));
        expect(refusedAddresses(argv).map((r) => r.address)).toContain(a);
      }),
    );
    const r = checkCommandAddresses(commandFromArgv(['ping', '8.8.8.8'], 'fixtures/x.sh', 3));
    expect(r).toEqual({
      ok: false,
      error:
        'twinnet replay: refusing the public address 8.8.8.8 (fixtures/x.sh:3:1: ping 8.8.8.8): kernel replays use only private, loopback, link-local and documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)',
    });
  });

  it('lets private, loopback and documentation addresses through in every place', () => {
    fc.assert(
      fc.property(allowedAddress, fc.constantFrom(...placements), (a, place) => {
        expect(refusedAddresses(place(formatIpv4(a)))).toEqual([]);
      }),
    );
  });

  it('does not read option values as hosts (ping -c 4, -s 1000, -i 1.5; nc -w 134744072 is a timeout)', () => {
    expect(refusedAddresses(['ping', '-c', '4', '-s', '1000', '-i', '1.5', '-W', '3', '-t', '64', '10.0.0.2'])).toEqual([]);
    expect(refusedAddresses(['ping', '-c4', '-i1.5', '10.0.0.2'])).toEqual([]);
    expect(refusedAddresses(['nc', '-w', '134744072', '10.0.0.2', '80'])).toEqual([]);
    expect(refusedAddresses(['sleep', '1.5'])).toEqual([]);
    expect(refusedAddresses(['ip', 'link', 'set', 'veth1', 'mtu', '134744072'])).toEqual([]);
  });

  it('reads the other inet_aton forms of a host operand, as ping and nc would (8.8.8.8 in disguise)', () => {
    for (const form of ['134744072', '0x8080808', '8.8.2056', '8.0x80808', '0x8.0x8.0x8.0x8', '010.0.0.1']) {
      expect(refusedAddresses(['ping', '-c', '1', form]).length, form).toBe(1);
    }
    expect(refusedAddresses(['curl', 'http://0x8080808/'])).toHaveLength(1);
    expect(refusedAddresses(['curl', '-s', '134744072:8080/x'])).toHaveLength(1);
    expect(refusedAddresses(['send', 'udp', 'dst', '134744072', 'dport', '9'])).toHaveLength(1);
    expect(refusedAddresses(['send', 'udp', 'src', '0x8080808', 'dst', '10.0.0.1', 'dport', '9'])).toHaveLength(1);
    expect(refusedAddresses(['send', 'tcp', 'dst', '10.0.0.1', 'dport', '80', 'id', '134744072'])).toEqual([]);
    expect(refusedAddresses(['ping', '-I', '134744072', '10.0.0.1'])).toHaveLength(1);
    expect(refusedAddresses(['ping', '-I134744072', '10.0.0.1'])).toHaveLength(1);
    expect(refusedAddresses(['ping', '-I', 'veth1', '10.0.0.1'])).toEqual([]);
    expect(refusedAddresses(['nc', '-s', '134744072', '10.0.0.1', '80'])).toHaveLength(1);
    // iproute2 reads each part with strtoul(…, 0): 010.0.0.0/8 is 8.0.0.0/8.
    expect(refusedAddresses(['ip', 'route', 'add', '010.0.0.0/8', 'dev', 'veth1']).map((r) => formatIpv4(r.address))).toEqual(['8.0.0.0']);
  });

  it('parses inet_aton forms as glibc does (getent ahostsv4 as the oracle, numeric forms only: no lookup leaves the machine)', () => {
    const forms = ['134744072', '0x8080808', '8.8.2056', '8.0x80808', '010.0.0.1', '127.1', '10.1.2', '0', '0xffffffff', '192.0.2.010'];
    for (const form of forms) {
      const mine = parseInetAton(form);
      expect(mine, form).toBeDefined();
      const r = spawnSync('getent', ['ahostsv4', form], { encoding: 'utf8' });
      if (r.status !== 0 && r.error !== undefined) return; // no getent here: the table below still holds
      expect(formatIpv4(mine!), form).toBe(r.stdout.split(/\s+/)[0]);
    }
    expect(parseInetAton('256.1.1.1')).toBeUndefined();
    expect(parseInetAton('1.2.3.4.5')).toBeUndefined();
    expect(parseInetAton('09')).toBeUndefined();
    expect(parseInetAton('1.16777216')).toBeUndefined();
  });
});
