import { finish, fold, partialChecksum } from '../checksum.ts';

/**
 * How an emit fills a checksum field: `'full'` computes the real checksum, `'partial'` leaves the pseudo-header sum
 * a checksum-offloading sender leaves (CHECKSUM_PARTIAL, UDP and TCP only), `'keep'` writes the repr's `checksum`
 * as given (an explicit value).
 */
export type ChecksumMode = 'full' | 'partial' | 'keep';

/** Checksum modes of headers without a pseudo-header (IPv4, ICMP, IGMP): never partial. */
export type HeaderChecksumMode = 'full' | 'keep';

/**
 * A received checksum judged: whether it verifies, and the value that would have verified, computed as tcpdump's
 * in_cksum_shouldbe() does (so `expected === checksum` when `valid`).
 */
export interface ChecksumCheck {
  readonly valid: boolean;
  readonly expected: number;
}

/** A UDP or TCP checksum judged; `partial` says it equals the sum an offloading sender leaves (RFC 768 pseudo-header). */
export interface TransportChecksumCheck extends ChecksumCheck {
  readonly partial: boolean;
}

/**
 * Judges a checksum field from `sum`, the unfolded sum of everything it covers including the field itself
 * (tcpdump: in_cksum() then in_cksum_shouldbe()).
 */
export function judgeChecksum(field: number, sum: number): ChecksumCheck {
  return { valid: fold(sum) === 0xffff, expected: fold(field + finish(sum)) };
}

/** Judges a UDP or TCP checksum, also comparing it with the offloading sender's partial sum (net/ipv4/udp.c: udp4_hwcsum()). */
export function judgeTransportChecksum(
  field: number,
  sum: number,
  source: number,
  destination: number,
  protocol: number,
  length: number,
): TransportChecksumCheck {
  const { valid, expected } = judgeChecksum(field, sum);
  return { valid, expected, partial: field === partialChecksum(source, destination, protocol, length) };
}
