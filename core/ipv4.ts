import { err, ok, type Result } from './result.ts';

/** An IPv4 address as an unsigned 32-bit integer in network order (192.0.2.1 = 0xc0000201). */
export type Ipv4Address = number;

/** An address with a prefix length, as `ip addr add 172.20.0.11/16` writes it. */
export interface Ipv4Cidr {
  readonly address: Ipv4Address;
  readonly prefixLength: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad; every part 0–255, no other forms. */
export function parseIpv4(text: string): Result<Ipv4Address> {
  const m = DOTTED.exec(text);
  if (!m) return err(`invalid IPv4 address "${text}"`);
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255) return err(`invalid IPv4 address "${text}"`);
    value = value * 256 + part;
  }
  return ok(value);
}

/** Formats as a dotted quad. */
export function formatIpv4(address: Ipv4Address): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

/** Parses `A/len`, or a bare address as `/32`, as iproute2's get_prefix() does. */
export function parseCidr(text: string): Result<Ipv4Cidr> {
  const slash = text.indexOf('/');
  const address = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (!address.ok) return err(`invalid prefix "${text}"`);
  if (slash < 0) return ok({ address: address.value, prefixLength: 32 });
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lengthText) || Number(lengthText) > 32) return err(`invalid prefix "${text}"`);
  return ok({ address: address.value, prefixLength: Number(lengthText) });
}

/** Formats `A/len`. */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.address)}/${cidr.prefixLength}`;
}

/** The netmask of a prefix length (24 → 255.255.255.0). */
export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** The network address: the address with its host bits cleared. */
export function networkOf(cidr: Ipv4Cidr): Ipv4Address {
  return (cidr.address & prefixMask(cidr.prefixLength)) >>> 0;
}

/** The directed broadcast address: host bits set. */
export function broadcastOf(cidr: Ipv4Cidr): Ipv4Address {
  return (cidr.address | ~prefixMask(cidr.prefixLength)) >>> 0;
}

/** Whether `address` lies inside the prefix. */
export function cidrContains(cidr: Ipv4Cidr, address: Ipv4Address): boolean {
  const mask = prefixMask(cidr.prefixLength);
  return ((cidr.address & mask) >>> 0) === ((address & mask) >>> 0);
}

/** Orders addresses numerically, for sorting. */
export function compareIpv4(a: Ipv4Address, b: Ipv4Address): number {
  return a - b;
}

/** 224.0.0.0/4. */
export function isMulticastIpv4(address: Ipv4Address): boolean {
  return address >>> 28 === 0xe;
}

/** 127.0.0.0/8. */
export function isLoopbackIpv4(address: Ipv4Address): boolean {
  return address >>> 24 === 127;
}

/** The documentation ranges of RFC 5737 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24). */
export function isDocumentationIpv4(address: Ipv4Address): boolean {
  const net = address >>> 8;
  return net === 0xc00002 || net === 0xc63364 || net === 0xcb0071;
}

/** RFC 1918 private, loopback, link-local, shared (RFC 6598), multicast, broadcast and unspecified ranges. */
export function isNonPublicIpv4(address: Ipv4Address): boolean {
  const a = address >>> 24;
  const b = (address >>> 16) & 0xff;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b < 128) ||
    a >= 224
  );
}

/** Reads four bytes at `offset` as an address. */
export function readIpv4(bytes: Uint8Array, offset: number): Ipv4Address {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Writes an address as four bytes at `offset`. */
export function writeIpv4(bytes: Uint8Array, offset: number, address: Ipv4Address): void {
  bytes[offset] = address >>> 24;
  bytes[offset + 1] = (address >>> 16) & 0xff;
  bytes[offset + 2] = (address >>> 8) & 0xff;
  bytes[offset + 3] = address & 0xff;
}
