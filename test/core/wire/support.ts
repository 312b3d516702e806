import fc from 'fast-check';
import { expect } from 'vitest';
import { parseIpv4 as parseIpv4Text, type Ipv4Address } from '../../../core/ipv4.ts';
import { parseMac, type MacAddress } from '../../../core/mac.ts';
import type { Result } from '../../../core/result.ts';
import { describeWireError, type WireError } from '../../../core/wire/error.ts';

/** A dotted quad as an address (throws on a typo in a test). */
export function ip(text: string): Ipv4Address {
  const r = parseIpv4Text(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** `aa:bb:…` as a MAC address. */
export function mac(text: string): MacAddress {
  const r = parseMac(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** A buffer pre-filled with 0xa5, so that a byte emit forgets to write shows (smoltcp's construct tests). */
export function prefilled(length: number): Uint8Array {
  return new Uint8Array(length).fill(0xa5);
}

/** The value of a successful parse, or a failed test naming the wire error. */
export function unwrap<T>(result: Result<T, WireError>): T {
  if (!result.ok) throw new Error(`unexpected wire error: ${describeWireError(result.error)}`);
  return result.value;
}

/** Asserts that a parse result is a typed wire error of this kind. */
export function expectWireError(result: Result<unknown, WireError>, kind: WireError['kind'], protocol: string): WireError {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error.kind).toBe(kind);
  expect(result.error.protocol).toBe(protocol);
  return result.error;
}

/** Asserts that `result` is either a value or a well-formed typed `WireError` (never something else). */
export function expectValueOrWireError(result: Result<unknown, WireError>): void {
  if (result.ok) return;
  const e = result.error;
  if (e.kind === 'truncated') {
    expect(e.needed).toBeGreaterThan(e.available);
  } else {
    expect(e.kind).toBe('malformed');
    expect(typeof e.field).toBe('string');
  }
}

/**
 * The robustness properties every parser has: on random bytes, and on every truncation of each valid input, it
 * never throws and returns a value or a typed error; on a truncation it never claims more bytes than exist.
 */
export function checkRobustness(parse: (bytes: Uint8Array) => Result<unknown, WireError>, valid: readonly Uint8Array[]): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
      expectValueOrWireError(parse(bytes));
    }),
    { numRuns: 2000 },
  );
  for (const bytes of valid) {
    for (let length = 0; length <= bytes.length; length++) expectValueOrWireError(parse(bytes.slice(0, length)));
  }
  // Random corruption of a valid input: one byte changed anywhere.
  fc.assert(
    fc.property(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
      const copy = bytes.slice();
      copy[at % copy.length] = value;
      expectValueOrWireError(parse(copy));
    }),
    { numRuns: 2000 },
  );
}

/** Arbitrary 16-bit and 32-bit unsigned values and addresses. */
export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const ipv4Address = u32;
export const macAddress = fc.integer({ min: 0, max: 0xffff_ffff_ffff });

/** Arbitrary bytes as a fresh Uint8Array (not a view into a bigger buffer). */
export function bytesOf(maxLength: number, minLength = 0): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength, maxLength });
}

/** Bytes as lowercase hex, for readable failure messages. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
