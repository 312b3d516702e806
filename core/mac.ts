import type { Random } from './random.ts';
import { err, ok, type Result } from './result.ts';

/**
 * A 48-bit Ethernet address held as an unsigned integer (exact in a JS number), so that it compares with `===`
 * and keys a Map without allocation. Byte 0 is the most significant.
 */
export type MacAddress = number;

/** ff:ff:ff:ff:ff:ff. */
export const MAC_BROADCAST: MacAddress = 0xffff_ffff_ffff;
/** 00:00:00:00:00:00, as an unset address and ARP's unknown target. */
export const MAC_ZERO: MacAddress = 0;

const HEX = /^[0-9a-fA-F]{1,2}$/;

/** Parses `aa:bb:cc:dd:ee:ff` (colons; one or two hex digits a byte, as iproute2 accepts). */
export function parseMac(text: string): Result<MacAddress> {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => HEX.test(p))) return err(`invalid MAC address "${text}"`);
  let value = 0;
  for (const p of parts) value = value * 256 + parseInt(p, 16);
  return ok(value);
}

/** Formats as iproute2 and tcpdump do: lower-case, two digits a byte, colons. */
export function formatMac(mac: MacAddress): string {
  let s = '';
  for (let shift = 40; shift >= 0; shift -= 8) {
    const byte = Math.floor(mac / 2 ** shift) % 256;
    s += (shift === 40 ? '' : ':') + (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return s;
}

/** Reads six bytes at `offset` as a MAC address. */
export function readMac(bytes: Uint8Array, offset: number): MacAddress {
  return (
    (bytes[offset]! * 0x10000 + bytes[offset + 1]! * 0x100 + bytes[offset + 2]!) * 0x1000000 +
    ((bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!)
  );
}

/** Writes a MAC address as six bytes at `offset`. */
export function writeMac(bytes: Uint8Array, offset: number, mac: MacAddress): void {
  const high = Math.floor(mac / 0x1000000);
  const low = mac % 0x1000000;
  bytes[offset] = (high >>> 16) & 0xff;
  bytes[offset + 1] = (high >>> 8) & 0xff;
  bytes[offset + 2] = high & 0xff;
  bytes[offset + 3] = (low >>> 16) & 0xff;
  bytes[offset + 4] = (low >>> 8) & 0xff;
  bytes[offset + 5] = low & 0xff;
}

/** The group bit (I/G) of the first byte: multicast and broadcast addresses. */
export function isMulticastMac(mac: MacAddress): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

/** A random locally administered unicast address, as include/linux/etherdevice.h: eth_random_addr(). */
export function randomLocalMac(random: Random): MacAddress {
  const bytes = random.fill(new Uint8Array(6));
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return readMac(bytes, 0);
}
