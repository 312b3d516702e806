/**
 * Why a capture file cannot be read further: typed, with the byte offset of the bad part, never thrown
 * (STYLE.md §8). Records read before the error stay valid.
 */
export type PcapErrorKind =
  /** The file could not be opened or read (the message is the system's). */
  | 'io'
  /** The first four bytes are neither a classic pcap magic nor a pcapng Section Header Block. */
  | 'bad-magic'
  /** A classic major version other than 2, or a pcapng section major version other than 1. */
  | 'unsupported-version'
  /** The file ends inside the 24-byte classic file header. */
  | 'truncated-file-header'
  /** The file ends inside a 16-byte classic record header. */
  | 'truncated-record-header'
  /** A record's captured bytes run past the end of the file. */
  | 'truncated-record-data'
  /** A captured length over 262,144 bytes, or over the snaplen of a file (or interface) whose snaplen is sane. */
  | 'record-too-long'
  /** A captured length greater than the original length. */
  | 'caplen-over-origlen'
  /** pcapng: the file ends inside a block (its header, or before the length the block claims). */
  | 'truncated-block'
  /** pcapng: a block total length that is not a multiple of 4, is under the block type's minimum, does not hold
   * the block's fields, is over the limit for a block that is parsed, or differs from the trailing copy. */
  | 'bad-block-length'
  /** pcapng: a block type the spec does not define. */
  | 'unknown-block-type'
  /** pcapng: a packet block naming an interface not yet described in its section. */
  | 'unknown-interface'
  /** pcapng: a Section Header Block whose byte-order magic is neither 0x1a2b3c4d nor 0x4d3c2b1a. */
  | 'bad-byte-order-magic'
  /** pcapng: an option that runs past the end of its block, or has the wrong length for its code. */
  | 'bad-option';

/** A capture file error: what is wrong and at which byte offset of the file; `message` names both. */
export interface PcapError {
  readonly kind: PcapErrorKind;
  /** Offset in the file of the structure (header, record, block, option) that is wrong. */
  readonly offset: number;
  /** `offset N: <what is wrong>`, for printing after the file name. */
  readonly message: string;
}

/** Builds a PcapError whose message starts with its offset. */
export function pcapError(kind: PcapErrorKind, offset: number, what: string): PcapError {
  return { kind, offset, message: `offset ${offset}: ${what}` };
}
