/**
 * What the alignment leaves over, paired (DESIGN.md §5): a frame of A and a frame of B with equal keys are the
 * same frame at another place (reordered); within one gap between aligned frames, frames of the same shape are one
 * frame changed (different); the rest are missing from B or extra in B.
 */

/** Pair kinds of `Leftovers.aKind`. */
export const PairKind = { None: 0, Reordered: 1, Different: 2 } as const;

/** For each unaligned A frame, its partner in B (or -1) and how they pair; which B frames are paired. */
export interface Leftovers {
  readonly aPartner: Int32Array;
  readonly aKind: Uint8Array;
  readonly bPaired: Uint8Array;
}

/** Pairs the frames the alignment left over (keys as captured, and normalised); `shape(i, fine)` gives a frame's shape. */
export function pairLeftovers(
  aStrict: (i: number) => number,
  bStrict: (j: number) => number,
  aKeys: ArrayLike<number>,
  bKeys: ArrayLike<number>,
  aMatch: Int32Array,
  bMatch: Int32Array,
  aShape: (i: number, fine: boolean) => number,
  bShape: (j: number, fine: boolean) => number,
): Leftovers {
  const n = aMatch.length;
  const m = bMatch.length;
  const aPartner = new Int32Array(n).fill(-1);
  const aKind = new Uint8Array(n);
  const bPaired = new Uint8Array(m);
  // Reordered: the same frame left over on both sides, taken in order: byte-identical frames first, then frames
  // equal after normalisation.
  const keyA = (i: number): number => aKeys[i]!;
  const keyB = (j: number): number => bKeys[j]!;
  for (const [ka, kb] of [[aStrict, bStrict], [keyA, keyB]] as const) {
    const waiting = new Map<number, number[]>();
    for (let j = 0; j < m; j++) {
      if (bMatch[j]! >= 0 || bPaired[j]) continue;
      const key = kb(j);
      let list = waiting.get(key);
      if (!list) waiting.set(key, (list = []));
      list.push(j);
    }
    if (waiting.size === 0) continue;
    for (let i = 0; i < n; i++) {
      if (aMatch[i]! >= 0 || aKind[i] !== PairKind.None) continue;
      const j = waiting.get(ka(i))?.shift();
      if (j === undefined) continue;
      aPartner[i] = j;
      aKind[i] = PairKind.Reordered;
      bPaired[j] = 1;
    }
  }
  // Different: per gap between aligned frames, same shape, in order on both sides.
  let i = 0;
  let j = 0;
  while (i <= n || j <= m) {
    const gapA: number[] = [];
    const gapB: number[] = [];
    while (i < n && aMatch[i]! < 0) {
      if (aKind[i] === PairKind.None) gapA.push(i);
      i++;
    }
    const stop = i < n ? aMatch[i]! : m;
    while (j < stop) {
      if (bMatch[j]! < 0 && !bPaired[j]) gapB.push(j);
      j++;
    }
    pairGap(gapA, gapB, aShape, bShape, aPartner, aKind, bPaired);
    if (i >= n) break;
    i++;
    j = stop + 1;
  }
  return { aPartner, aKind, bPaired };
}

/**
 * Pairs one gap: a gap of exactly one frame a side pairs whatever the shapes; otherwise frames of the same fine
 * shape pair in order on both sides, then those left of the same coarse shape.
 */
function pairGap(gapA: number[], gapB: number[], aShape: (i: number, fine: boolean) => number, bShape: (j: number, fine: boolean) => number, aPartner: Int32Array, aKind: Uint8Array, bPaired: Uint8Array): void {
  if (gapA.length === 0 || gapB.length === 0) return;
  if (gapA.length === 1 && gapB.length === 1) {
    aPartner[gapA[0]!] = gapB[0]!;
    aKind[gapA[0]!] = PairKind.Different;
    bPaired[gapB[0]!] = 1;
    return;
  }
  for (const fine of [true, false]) {
    let from = 0;
    for (const a of gapA) {
      if (aKind[a] !== PairKind.None) continue;
      const shape = aShape(a, fine);
      for (let k = from; k < gapB.length; k++) {
        const b = gapB[k]!;
        if (bPaired[b] || bShape(b, fine) !== shape) continue;
        aPartner[a] = b;
        aKind[a] = PairKind.Different;
        bPaired[b] = 1;
        from = k + 1;
        break;
      }
    }
  }
}
