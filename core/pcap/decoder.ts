import type { PcapError } from './error.ts';
import type { PcapRecord } from './record.ts';
import type { ByteWindow } from './window.ts';

/** A decoder's answer when it returns no record: the file has ended cleanly. */
export const END = 0;
/** A decoder's answer when it needs `window.needed` bytes from `window.pos` before it can go on. */
export const NEED_MORE = 1;
/** A decoder's answer when its header has been read. */
export const READY = 2;
/** What a decoder returns instead of a record. */
export type Signal = typeof END | typeof NEED_MORE | typeof READY;

/** A capture interface: for classic files the file itself, for pcapng an Interface Description Block. */
export interface CaptureInterface {
  /** Link-layer header type [draft-ietf-opsawg-pcaplinktype]. */
  readonly linkType: number;
  /** Snapshot length as the file states it (pcapng: 0 means no limit). */
  readonly snaplen: number;
  /** if_name, when the IDB has one. */
  readonly name: string | undefined;
  /** Timestamp resolution as the if_tsresol byte: 6 for microseconds, 9 for nanoseconds. */
  readonly tsresol: number;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly tsoffset: number;
}

/** Reads one capture format from a ByteWindow, one record a call; shared by the sync and async readers. */
export interface Decoder {
  readonly format: 'pcap' | 'pcapng';
  /** The interfaces of the current section (classic files have one). */
  readonly interfaces: readonly CaptureInterface[];
  /** Whether the current section (or classic file) is little-endian. */
  readonly littleEndian: boolean;
  /** Reads the file header; for pcapng also the blocks up to the first interface, so `interfaces` is known. */
  header(window: ByteWindow): typeof READY | typeof NEED_MORE | PcapError;
  /** Reads the next record. */
  next(window: ByteWindow): PcapRecord | typeof END | typeof NEED_MORE | PcapError;
}
