import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum, partialChecksum, pseudoHeaderSum, sum16, finish, updateChecksum16, updateChecksum32, verifiesChecksum } from '../../core/checksum.ts';

describe('internet checksum', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // RFC 1071: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (folded), so the checksum is ~0xddf2.
    const bytes = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    expect(internetChecksum(bytes)).toBe(~0xddf2 & 0xffff);
  });
  it('computes and verifies an IPv4 header checksum', () => {
    // 172.20.0.11 > 172.20.0.1, id 61922, DF, ttl 64, ICMP: the checksum field holds the right value.
    const header = Uint8Array.from([0x45, 0x00, 0x00, 0x54, 0xf1, 0xe2, 0x40, 0x00, 0x40, 0x01, 0, 0, 172, 20, 0, 11, 172, 20, 0, 1]);
    const c = internetChecksum(header);
    header[10] = c >>> 8;
    header[11] = c & 0xff;
    expect(verifiesChecksum(header)).toBe(true);
    expect(c).toBe(0xf091); // computed independently with Python's sum-and-fold
  });
  it('updates incrementally as a full recomputation would (RFC 1624)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (bytes, replacement) => {
        bytes[10] = 0;
        bytes[11] = 0;
        const before = internetChecksum(bytes);
        const old = ((bytes[12]! << 24) | (bytes[13]! << 16) | (bytes[14]! << 8) | bytes[15]!) >>> 0;
        bytes[12] = replacement >>> 24;
        bytes[13] = (replacement >>> 16) & 0xff;
        bytes[14] = (replacement >>> 8) & 0xff;
        bytes[15] = replacement & 0xff;
        const expected = internetChecksum(bytes);
        const updated = updateChecksum32(before, old, replacement);
        // 0x0000 and 0xffff are the same one's-complement value; RFC 1624 never yields -0 from +0 inputs here.
        expect(updated === expected || (updated ^ expected) === 0xffff && (updated === 0 || updated === 0xffff)).toBe(true);
        expect(updateChecksum16(before, 0x1234, 0x1234) === before || before === 0xffff).toBe(true);
      }),
    );
  });
  it('computes the partial sum a checksum-offloading sender leaves', () => {
    // UDP 10.0.0.1 > 10.0.0.2, length 13: the kernel leaves ~csum_tcpudp_magic(...) un-complemented.
    const partial = partialChecksum(0x0a000001, 0x0a000002, 17, 13);
    expect(partial).toBe((0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 13) & 0xffff);
    // Finishing the partial sum with the transport bytes gives the real checksum.
    const udp = Uint8Array.of(0x30, 0x39, 0x00, 0x35, 0x00, 0x0d, partial >>> 8, partial & 0xff, 0x68, 0x65, 0x6c, 0x6c, 0x6f);
    const full = finish(sum16(udp));
    udp[6] = 0;
    udp[7] = 0;
    expect(full).toBe(finish(sum16(udp, 0, udp.length, pseudoHeaderSum(0x0a000001, 0x0a000002, 17, 13))));
  });
});
