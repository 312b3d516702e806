/** One frame of a capture as the diff reads it: a simulator `CapturedFrame` and a pcap frame both fit. */
export interface DiffFrame {
  /** When it was captured, in nanoseconds (any origin; only differences are used). */
  readonly at: number;
  readonly data: Uint8Array;
  /** Link-layer type (default 1, Ethernet); frames of other types are compared byte for byte. */
  readonly linkType?: number;
  /** The frame's length on the wire, when the capture cut it (default: `data.length`). */
  readonly originalLength?: number;
}

/** The link type the normalisation understands (EN10MB). */
export const ETHERNET_LINK = 1;
