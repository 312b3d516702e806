import { ETHERNET_LINK, type FrameList } from './frame.ts';
import * as hashes from './hash.ts';
import * as walk from './normalise.ts';
import { type Family, type FieldSink, type NormaliseContext, type SameMacs, type TokenKind } from './normalise.ts';
import { TcpTracker } from './tcp-tracker.ts';

// Module-local bindings of helpers called for every frame (see core/diff/normalise.ts).
const { hashBytes, mixHash } = hashes;
const { normaliseFrame } = walk;

/**
 * A capture with each frame's alignment key: the hash of the frame with every masked field zeroed and what it
 * stands for mixed in (a token, or the family of a variable), so two frames get equal keys exactly when they agree
 * after normalisation but for the values of variable fields. Those values are kept per frame ("slots"), to be
 * checked one-to-one once the frames are paired.
 */
export interface KeyedCapture {
  readonly frames: FrameList;
  readonly keys: Float64Array;
  /** A frame's hash as captured, before normalisation (byte-identical frames have equal ones), computed on demand. */
  strictOf(i: number): number;
  /** Every frame's `strictOf`. */
  strictAll(): Float64Array;
  /** Frame i's slots are [slotStart[i], slotStart[i + 1]). */
  readonly slotStart: Uint32Array;
  readonly slotFamily: Uint8Array;
  readonly slotValue: Float64Array;
  /** The context after the walk (TCP bases), for walking frames again to name their fields. */
  readonly context: NormaliseContext;
}

/** The sink that builds keys: a scratch copy of the frame with masked fields zeroed, and the slots. */
class KeySink implements FieldSink {
  scratch = new Uint8Array(2048);
  /** Two 32-bit lanes of what the masked fields stand for. */
  extra1 = 0;
  extra2 = 0;
  families = new Uint8Array(1024);
  values = new Float64Array(1024);
  slots = 0;

  begin(data: Uint8Array): void {
    if (data.length > this.scratch.length) this.scratch = new Uint8Array(data.length * 2);
    this.scratch.set(data);
    this.extra1 = 0x3c6ef372;
    this.extra2 = 0x1b873593;
  }

  exact(): void {}

  private mask(offset: number, length: number, what: number): void {
    const s = this.scratch;
    for (let k = offset; k < offset + length; k++) s[k] = 0;
    this.extra1 = Math.imul(this.extra1 ^ what, 0xcc9e2d51) ^ (this.extra1 >>> 15);
    this.extra2 = Math.imul(this.extra2 + (what | 0) + ((what / 0x100000000) | 0), 0x85ebca6b) ^ (this.extra2 >>> 13);
  }

  token(_name: string, offset: number, length: number, kind: TokenKind, token: number): void {
    this.mask(offset, length, token * 4 + kind);
  }

  variable(_name: string, offset: number, length: number, family: Family, value: number): void {
    this.mask(offset, length, 0x40000000 + family);
    if (this.slots === this.families.length) {
      const f = new Uint8Array(this.slots * 2);
      f.set(this.families);
      this.families = f;
      const v = new Float64Array(this.slots * 2);
      v.set(this.values);
      this.values = v;
    }
    this.families[this.slots] = family;
    this.values[this.slots++] = value;
  }

  /** What the masked fields stand for, as one number to mix into the key. */
  get extra(): number {
    return (this.extra1 >>> 0) * 0x200000 + (this.extra2 >>> 11);
  }
}

/** Frame `i`'s hash as captured. */
function strictHash(frames: FrameList, i: number): number {
  const data = frames.data(i);
  return mixHash(hashBytes(data, 0, data.length), frames.linkType(i));
}

/** Keys every frame of a capture (DESIGN.md §5: normalisation, then matching). */
export function keyCapture(frames: FrameList, sameMacs: SameMacs): KeyedCapture {
  const n = frames.length;
  const keys = new Float64Array(n);
  const slotStart = new Uint32Array(n + 1);
  const context: NormaliseContext = { sameMacs, tcp: new TcpTracker() };
  const sink = new KeySink();
  for (let i = 0; i < n; i++) {
    const data = frames.data(i);
    slotStart[i] = sink.slots;
    if (frames.linkType(i) !== ETHERNET_LINK) {
      keys[i] = strictHash(frames, i);
      continue;
    }
    sink.begin(data);
    context.tcp.frame = i;
    normaliseFrame(data, context, sink);
    keys[i] = mixHash(hashBytes(sink.scratch, 0, data.length), sink.extra);
  }
  slotStart[n] = sink.slots;
  const strict = new Float64Array(n).fill(NaN);
  const strictOf = (i: number): number => {
    const h = strict[i]!;
    return h === h ? h : (strict[i] = strictHash(frames, i));
  };
  const strictAll = (): Float64Array => {
    for (let i = 0; i < n; i++) strictOf(i);
    return strict;
  };
  return { frames, keys, strictOf, strictAll, slotStart, slotFamily: sink.families.subarray(0, sink.slots), slotValue: sink.values.subarray(0, sink.slots), context };
}
