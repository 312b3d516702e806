/*
 * The on-disk layouts of the two capture formats twinnet reads, and the one it writes.
 *
 * Classic libpcap [pcap-savefile(5)], every field in the byte order the magic number shows:
 *
 *   file header (24)                          record header (16), then caplen bytes of packet data
 *   +---------------------------------+       +---------------------------------+
 *   | magic (4)                       |       | ts seconds (4)                  |
 *   | version major (2) | minor (2)   |       | ts microseconds/nanoseconds (4) |
 *   | thiszone (4, 0)                 |       | captured length, caplen (4)     |
 *   | sigfigs (4, 0)                  |       | original length, len (4)        |
 *   | snaplen (4)                     |       +---------------------------------+
 *   | link type (4; FCS bits on top)  |
 *   +---------------------------------+
 *
 * pcapng [draft-ietf-opsawg-pcapng-02 §3.1]: a sequence of blocks, each
 *
 *   +---------------------------------+
 *   | block type (4)                  |
 *   | block total length (4)          |   a multiple of 4, counting all of the block
 *   / block body (padded to 32 bits)  /
 *   | block total length (4)          |   repeated
 *   +---------------------------------+
 *
 * in the byte order its section's Section Header Block declares with the byte-order magic.
 */

/** Classic file magic numbers as read big-endian from the first four bytes [pcap-savefile(5)]. */
export const PcapMagic = {
  /** Microsecond timestamps, big-endian file; `0xd4c3b2a1` when read from a little-endian file. */
  Microsecond: 0xa1b2c3d4,
  /** Nanosecond timestamps (libpcap 1.5+, `tcpdump --time-stamp-precision=nano`). */
  Nanosecond: 0xa1b23c4d,
} as const;

/** Classic header field offsets. */
export const PcapHeaderField = { magic: 0, versionMajor: 4, versionMinor: 6, thiszone: 8, sigfigs: 12, snaplen: 16, linkType: 20 } as const;
/** Classic record header field offsets. */
export const PcapRecordField = { seconds: 0, fraction: 4, capturedLength: 8, originalLength: 12 } as const;

/** Length of the classic file header. */
export const PCAP_HEADER_LEN = 24;
/** Length of a classic record header. */
export const PCAP_RECORD_HEADER_LEN = 16;
/** The version twinnet writes, as libpcap does (2.4). */
export const PCAP_VERSION_MAJOR = 2;
/** The minor version twinnet writes. */
export const PCAP_VERSION_MINOR = 4;

/**
 * The largest captured length libpcap accepts for Ethernet, and tcpdump's default snaplen
 * (libpcap pcap-int.h: MAXIMUM_SNAPLEN).
 */
export const MAX_SNAPLEN = 262_144;

/** Link-layer header types twinnet names [draft-ietf-opsawg-pcaplinktype]; any other is kept as its number. */
export const LinkType = { Null: 0, En10mb: 1, Raw: 101, LinuxSll: 113, LinuxSll2: 276 } as const;

/** The link type proper, without the FCS bits pcap-savefile(5) allows above it (libpcap pcap-common.h: LT_LINKTYPE). */
export function linkTypeOf(field: number): number {
  return field & 0xffff;
}

/** pcapng block types [draft-ietf-opsawg-pcapng-02 §10.1]. */
export const BlockType = {
  InterfaceDescription: 0x0000_0001,
  Packet: 0x0000_0002,
  SimplePacket: 0x0000_0003,
  NameResolution: 0x0000_0004,
  InterfaceStatistics: 0x0000_0005,
  EnhancedPacket: 0x0000_0006,
  DecryptionSecrets: 0x0000_000a,
  CustomCopyable: 0x0000_0bad,
  CustomNonCopyable: 0x4000_0bad,
  SectionHeader: 0x0a0d_0d0a,
} as const;

/**
 * Whether a block type is one the spec defines but twinnet does not read, so that it is skipped by its length
 * [draft-ietf-opsawg-pcapng-02 §10.1]: NRB, ISB, IRIG, ARINC 429, systemd journal, DSB, Hone and Sysdig blocks,
 * custom blocks, and the local-use range (most significant bit set).
 */
export function isSkippedBlockType(type: number): boolean {
  if (type >= 0x8000_0000) return true;
  if (type >= 0x04 && type <= 0x0a && type !== BlockType.EnhancedPacket) return true;
  if (type === 0x101 || type === 0x102) return true;
  if ((type >= 0x201 && type <= 0x209) || (type >= 0x210 && type <= 0x213)) return true;
  return type === BlockType.CustomCopyable || type === BlockType.CustomNonCopyable;
}

/** The byte-order magic of a Section Header Block, as read in the section's own byte order. */
export const BYTE_ORDER_MAGIC = 0x1a2b_3c4d;

/** Smallest block total length: type, length and trailing length with an empty body. */
export const MIN_BLOCK_LEN = 12;
/** Smallest Section Header Block: byte-order magic, version and a 64-bit section length. */
export const MIN_SECTION_HEADER_LEN = 28;
/** Smallest Interface Description Block: link type, reserved and snaplen. */
export const MIN_INTERFACE_DESCRIPTION_LEN = 20;
/** Smallest Enhanced Packet Block: interface id, two timestamp words, two lengths. */
export const MIN_ENHANCED_PACKET_LEN = 32;
/** Smallest Simple Packet Block: original length. */
export const MIN_SIMPLE_PACKET_LEN = 16;
/** Smallest (obsolete) Packet Block: interface id and drops, two timestamp words, two lengths. */
export const MIN_PACKET_LEN = 32;

/**
 * Largest block twinnet loads to parse (SHB, IDB and packet blocks): a full-size packet plus 128 KiB of
 * options, as libpcap allows (sf-pcapng.c: MAX_BLOCKSIZE_FOR_SNAPLEN). Skipped blocks may be of any length.
 */
export const MAX_PARSED_BLOCK_LEN = MIN_ENHANCED_PACKET_LEN + MAX_SNAPLEN + 131_072;

/** pcapng option codes twinnet reads from an Interface Description Block [draft-ietf-opsawg-pcapng-02 §4.2]. */
export const InterfaceOption = { EndOfOptions: 0, Name: 2, TsResol: 9, TsOffset: 14 } as const;

/** The default if_tsresol: microseconds [draft-ietf-opsawg-pcapng-02 §4.2]. */
export const DEFAULT_TSRESOL = 6;

/** Rounds a length up to the 32-bit boundary pcapng pads to. */
export function pad4(length: number): number {
  return length + ((4 - (length % 4)) % 4);
}
