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

/**
 * Frames by index, as the diff walks them: a `DiffFrame[]` (the simulator's captures) or a compact table of a
 * file's frames (`core/diff/capture-file.ts`: readFrameTable), which keeps no object per frame.
 */
export interface FrameList {
  readonly length: number;
  at(i: number): number;
  data(i: number): Uint8Array;
  linkType(i: number): number;
  originalLength(i: number): number;
}

/** A `DiffFrame[]` as a FrameList. */
export function arrayFrames(frames: readonly DiffFrame[]): FrameList {
  return {
    length: frames.length,
    at: (i) => frames[i]!.at,
    data: (i) => frames[i]!.data,
    linkType: (i) => frames[i]!.linkType ?? ETHERNET_LINK,
    originalLength: (i) => frames[i]!.originalLength ?? frames[i]!.data.length,
  };
}

/** Frames given either way, as a FrameList. */
export function toFrameList(frames: readonly DiffFrame[] | FrameList): FrameList {
  return Array.isArray(frames) ? arrayFrames(frames as readonly DiffFrame[]) : (frames as FrameList);
}

/** Frame `i` of a list as one object (for the few frames a report shows). */
export function frameOf(frames: FrameList, i: number): DiffFrame {
  return { at: frames.at(i), data: frames.data(i), linkType: frames.linkType(i), originalLength: frames.originalLength(i) };
}
