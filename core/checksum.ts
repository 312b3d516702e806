/**
 * The internet checksum [RFC 1071], its pieces, the IPv4 pseudo-header [RFC 768, RFC 793] and the incremental
 * update of [RFC 1624] that NAT uses (as the kernel's inet_proto_csum_replace4()).
 *
 * A "sum" is an unfolded 32-bit-ish accumulator of 16-bit big-endian words; `fold` turns it into 16 bits.
 */

/** Adds the bytes [start, end) to `initial` as big-endian 16-bit words (an odd tail byte is padded with zero). */
export function sum16(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  // Keep the accumulator small enough to stay exact for any length.
  return (sum & 0xffff) + Math.floor(sum / 0x10000);
}

/** Folds carries back in until 16 bits remain (one's-complement addition). */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value: the complement of the folded sum. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** The internet checksum of a byte range. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return finish(sum16(bytes, start, end));
}

/** Whether a range that includes its checksum field sums to 0xffff, i.e. verifies. */
export function verifiesChecksum(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  return fold(sum16(bytes, start, end)) === 0xffff;
}

/** The unfolded sum of the IPv4 pseudo-header: source, destination, zero + protocol, upper-layer length. */
export function pseudoHeaderSum(source: number, destination: number, protocol: number, length: number): number {
  return (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff) + protocol + length;
}

/**
 * The partial checksum a sender leaves for hardware to finish (CHECKSUM_PARTIAL): the folded pseudo-header sum,
 * not complemented. A veth capture on the sending side shows this value (net/ipv4/udp.c: udp4_hwcsum()).
 */
export function partialChecksum(source: number, destination: number, protocol: number, length: number): number {
  return fold(pseudoHeaderSum(source, destination, protocol, length));
}

/** [RFC 1624] eqn. 3: the new checksum after a 16-bit field changes from `oldWord` to `newWord`. */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  return ~fold((~checksum & 0xffff) + (~oldWord & 0xffff) + newWord) & 0xffff;
}

/** [RFC 1624] for a 32-bit field (an address): two 16-bit updates. */
export function updateChecksum32(checksum: number, oldValue: number, newValue: number): number {
  const c = updateChecksum16(checksum, oldValue >>> 16, newValue >>> 16);
  return updateChecksum16(c, oldValue & 0xffff, newValue & 0xffff);
}

/**
 * Updates a partial (pseudo-header-only, uncomplemented) checksum when an address in the pseudo-header changes,
 * as inet_proto_csum_replace4() does with pseudohdr set on a CHECKSUM_PARTIAL skb.
 */
export function updatePartial32(partial: number, oldValue: number, newValue: number): number {
  return ~updateChecksum32(~partial & 0xffff, oldValue, newValue) & 0xffff;
}
