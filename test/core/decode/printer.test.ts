import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPrinter, readingBanner } from '../../../core/decode/printer.ts';
import { buildFrame } from '../../../core/wire/frame.ts';
import { TcpFlag } from '../../../core/wire/tcp.ts';

const flagsArb = fc.record({
  e: fc.boolean(),
  n: fc.integer({ min: 0, max: 2 }),
  q: fc.boolean(),
  t: fc.integer({ min: 0, max: 5 }),
  v: fc.integer({ min: 0, max: 3 }),
  x: fc.integer({ min: 0, max: 2 }),
  X: fc.integer({ min: 0, max: 2 }),
  A: fc.boolean(),
  S: fc.boolean(),
  K: fc.boolean(),
});

describe('createPrinter', () => {
  it('never throws on random bytes, any link type and flags, and always prints a line', () => {
    fc.assert(
      fc.property(
        flagsArb,
        fc.array(fc.record({ data: fc.uint8Array({ maxLength: 200 }), extra: fc.nat(100), linkType: fc.constantFrom(1, 1, 1, 113, 276, 101, 0), seconds: fc.nat(), nanoseconds: fc.integer({ min: 0, max: 999_999_999 }) }), { minLength: 1, maxLength: 20 }),
        (flags, frames) => {
          const printer = createPrinter(flags, { timeZone: 'UTC' });
          for (const f of frames) {
            const text = printer.print({ ...f, originalLength: f.data.length + f.extra });
            expect(typeof text).toBe('string');
            expect(text.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps TCP sequence bases per printer: relative after the SYN-ACK, absolute with -S or in a fresh printer', () => {
    const ETH = { source: 0x020000000001, destination: 0x020000000002 };
    const synAck = buildFrame({ ethernet: ETH, ipv4: { source: 0x0a000002, destination: 0x0a000001 }, tcp: { sourcePort: 5000, destinationPort: 40001, sequenceNumber: 1000, acknowledgmentNumber: 5001, flags: TcpFlag.Syn | TcpFlag.Ack, window: 100 } });
    const ack = buildFrame({ ethernet: ETH, ipv4: { source: 0x0a000001, destination: 0x0a000002 }, tcp: { sourcePort: 40001, destinationPort: 5000, sequenceNumber: 5001, acknowledgmentNumber: 1001, flags: TcpFlag.Ack, window: 100 } });
    const frame = (data: Uint8Array) => ({ seconds: 0, nanoseconds: 0, data, originalLength: data.length, linkType: 1 });
    const p = createPrinter({ n: 2, t: 1 });
    expect(p.print(frame(synAck))).toContain('seq 1000, ack 5001');
    expect(p.print(frame(ack))).toContain('Flags [.], ack 1, win 100');
    expect(createPrinter({ n: 2, t: 1 }).print(frame(ack))).toContain('ack 1001');
    const absolute = createPrinter({ n: 2, t: 1, S: true });
    absolute.print(frame(synAck));
    expect(absolute.print(frame(ack))).toContain('ack 1001');
  });

  it("prints tcpdump's stderr banner", () => {
    expect(readingBanner('x.pcap', 1, 262144)).toBe('reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144');
    expect(readingBanner('y.pcap', 276, 96)).toBe('reading from file y.pcap, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 96');
  });
});
