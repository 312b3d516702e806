import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  broadcastOf,
  cidrContains,
  formatCidr,
  formatIpv4,
  isDocumentationIpv4,
  networkOf,
  parseCidr,
  parseIpv4,
  prefixMask,
  readIpv4,
  writeIpv4,
} from '../../core/ipv4.ts';
import { formatMac, isMulticastMac, MAC_BROADCAST, parseMac, randomLocalMac, readMac, writeMac } from '../../core/mac.ts';
import { Random } from '../../core/random.ts';

describe('MAC addresses', () => {
  it('parses and formats as iproute2 prints them', () => {
    const mac = parseMac('26:17:84:f3:08:23');
    expect(mac.ok && formatMac(mac.value)).toBe('26:17:84:f3:08:23');
    expect(parseMac('ff:ff:ff:ff:ff:ff')).toEqual({ ok: true, value: MAC_BROADCAST });
    expect(parseMac('1:2:3:4:5:6').ok && formatMac((parseMac('1:2:3:4:5:6') as { value: number }).value)).toBe('01:02:03:04:05:06');
    expect(parseMac('26:17:84:f3:08').ok).toBe(false);
    expect(parseMac('26:17:84:f3:08:zz').ok).toBe(false);
  });
  it('round-trips through text and bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (mac) => {
        const parsed = parseMac(formatMac(mac));
        expect(parsed).toEqual({ ok: true, value: mac });
        const bytes = new Uint8Array(8).fill(0xa5);
        writeMac(bytes, 1, mac);
        expect(readMac(bytes, 1)).toBe(mac);
        expect(bytes[0]).toBe(0xa5);
        expect(bytes[7]).toBe(0xa5);
      }),
    );
  });
  it('draws locally administered unicast MACs deterministically from the seed', () => {
    const a = randomLocalMac(new Random(1).stream('mac'));
    expect(a).toBe(randomLocalMac(new Random(1).stream('mac')));
    expect(a).not.toBe(randomLocalMac(new Random(2).stream('mac')));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const mac = randomLocalMac(new Random(seed));
        const first = Math.floor(mac / 2 ** 40);
        expect(first & 0x01).toBe(0);
        expect(first & 0x02).toBe(2);
        expect(isMulticastMac(mac)).toBe(false);
      }),
    );
  });
});

describe('IPv4 addresses and prefixes', () => {
  it('parses dotted quads and rejects everything else', () => {
    expect(parseIpv4('172.20.0.11')).toEqual({ ok: true, value: 0xac14000b });
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '1.2.3.4 ']) expect(parseIpv4(bad).ok).toBe(false);
  });
  it('does prefix math', () => {
    const c = parseCidr('172.20.0.11/16');
    if (!c.ok) throw new Error(c.error);
    expect(formatIpv4(networkOf(c.value))).toBe('172.20.0.0');
    expect(formatIpv4(broadcastOf(c.value))).toBe('172.20.255.255');
    expect(formatIpv4(prefixMask(24))).toBe('255.255.255.0');
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(cidrContains(c.value, 0xac140102)).toBe(true);
    expect(cidrContains(c.value, 0xac150102)).toBe(false);
    expect(formatCidr(c.value)).toBe('172.20.0.11/16');
    expect(parseCidr('10.0.0.1')).toEqual({ ok: true, value: { address: 0x0a000001, prefixLength: 32 } });
    expect(parseCidr('10.0.0.1/33').ok).toBe(false);
    expect(parseCidr('10.0.0.1/').ok).toBe(false);
  });
  it('round-trips and agrees with a bit-by-bit containment oracle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), (a, b, len) => {
        expect(parseIpv4(formatIpv4(a))).toEqual({ ok: true, value: a });
        const bytes = new Uint8Array(4);
        writeIpv4(bytes, 0, a);
        expect(readIpv4(bytes, 0)).toBe(a);
        let same = true;
        for (let bit = 31; bit >= 32 - len; bit--) if (((a >>> bit) & 1) !== ((b >>> bit) & 1)) same = false;
        expect(cidrContains({ address: a, prefixLength: len }, b)).toBe(same);
      }),
    );
  });
  it('knows the documentation ranges', () => {
    for (const a of ['192.0.2.1', '198.51.100.255', '203.0.113.8']) expect(isDocumentationIpv4((parseIpv4(a) as { value: number }).value)).toBe(true);
    for (const a of ['8.8.8.8', '192.0.3.1', '10.0.2.15']) expect(isDocumentationIpv4((parseIpv4(a) as { value: number }).value)).toBe(false);
  });
});
