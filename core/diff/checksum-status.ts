import * as checksum from '../checksum.ts';
import * as bytes from '../wire/bytes.ts';

// Module-local bindings of helpers called for every frame (see core/diff/normalise.ts).
const { fold, partialChecksum, pseudoHeaderSum, sum16 } = checksum;
const { read16 } = bytes;

/**
 * A checksum field judged instead of compared (DESIGN.md §5): a checksum is accepted when it verifies, or when it
 * is the pseudo-header partial sum a checksum-offloading sender leaves (net/ipv4/udp.c: udp4_hwcsum()); any other
 * value is kept as its distance from the right one, which does not change when the fields it covers are
 * normalised, so two equally wrong checksums still compare equal and a wrong one never equals a right one.
 *
 * Statuses are small numbers, a bad checksum's carries its one's-complement distance from the right value.
 */
export const ChecksumStatus = {
  Valid: 1,
  /** The pseudo-header sum only (CHECKSUM_PARTIAL), as a capture on the sending side of a veth shows. */
  Partial: 2,
  /** UDP checksum 0: none computed [RFC 768]. */
  None: 3,
  /** The covered bytes are not all captured (snaplen, or quoted inside an ICMP error). */
  Unverifiable: 4,
  /** Bad checksums are `Bad + distance`. */
  Bad: 0x10000,
} as const;

/** The status of a checksum whose covered range [start, end), the field included, sums with `initial` (a pseudo-header sum). */
export function judgeRange(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  const total = fold(sum16(bytes, start, end, initial));
  if (total === 0xffff) return ChecksumStatus.Valid;
  // The value that would verify is field + ~total (one's complement): the field is off by ~total.
  return ChecksumStatus.Bad + (~total & 0xffff);
}

/**
 * The status of a UDP or TCP checksum at `at` of a segment [start, end) whose IPv4 pseudo-header is (source,
 * destination, protocol, length); `captured` says whether all `length` bytes are present.
 */
export function judgeTransport(bytes: Uint8Array, at: number, start: number, end: number, source: number, destination: number, protocol: number, length: number, captured: boolean): number {
  const field = read16(bytes, at);
  if (protocol === 17 && field === 0) return ChecksumStatus.None;
  // The partial sum first: it is what an offloading sender leaves, whether or not it happens to verify too.
  if (field === partialChecksum(source, destination, protocol, length)) return ChecksumStatus.Partial;
  return captured ? judgeRange(bytes, start, end, pseudoHeaderSum(source, destination, protocol, length)) : ChecksumStatus.Unverifiable;
}

/** How a status reads in a report: `valid`, `partial`, `none`, `unverifiable`, or `bad (off by 0x1234)`. */
export function describeStatus(status: number, field: number): string {
  const hex = `0x${field.toString(16).padStart(4, '0')}`;
  switch (status) {
    case ChecksumStatus.Valid:
      return `${hex} (valid)`;
    case ChecksumStatus.Partial:
      return `${hex} (partial)`;
    case ChecksumStatus.None:
      return `${hex} (none)`;
    case ChecksumStatus.Unverifiable:
      return `${hex} (unverifiable)`;
    default: {
      const distance = status - ChecksumStatus.Bad;
      const right = fold(field + distance);
      return `${hex} (bad, should be 0x${right.toString(16).padStart(4, '0')})`;
    }
  }
}
