import type { Instant } from '../clock.ts';

/**
 * One captured frame as read from a pcap or pcapng file.
 *
 * The timestamp is held as two exact JS numbers, whole `seconds` and `nanoseconds` (0 to 999,999,999): a real
 * capture's epoch time in nanoseconds (about 1.8e18) is beyond 2^53, where a number is no longer exact, and a
 * BigInt allocated for every frame would slow the hot loop for the many callers that only compare order.
 * `timestamp` gives the exact BigInt on demand, and `instant` the plain number twinnet's virtual clock uses
 * (exact for twinnet's own captures, which start at time 0).
 */
export class PcapRecord {
  constructor(
    /** Whole seconds since the epoch (or since the start of a twinnet run), after any if_tsoffset. */
    readonly seconds: number,
    /** Nanoseconds within the second; finer pcapng resolutions are truncated to whole nanoseconds. */
    readonly nanoseconds: number,
    /**
     * The captured bytes: a view into the reader's buffer, not a copy (unless the reader was asked to copy). The
     * reader never reuses a buffer it has handed out, so the view stays valid after the next read.
     */
    readonly data: Uint8Array,
    /** The frame's length on the wire; at least `data.length`. */
    readonly originalLength: number,
    /** Interface index within the pcapng section (0 for classic files). */
    readonly interfaceId: number,
    /** The interface's link-layer type [draft-ietf-opsawg-pcaplinktype], e.g. 1 for Ethernet. */
    readonly linkType: number,
    /** Byte offset of the record header (classic) or block (pcapng) in the file. */
    readonly offset: number,
  ) {}

  /** The exact timestamp in nanoseconds. */
  get timestamp(): bigint {
    return BigInt(this.seconds) * 1_000_000_000n + BigInt(this.nanoseconds);
  }

  /** The timestamp in nanoseconds as a twinnet Instant; exact only below 2^53 ns (about 104 days). */
  get instant(): Instant {
    return this.seconds * 1_000_000_000 + this.nanoseconds;
  }
}
