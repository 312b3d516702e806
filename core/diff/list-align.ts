import { align } from './align.ts';

/** How the items of two ordered lists pair: aligned in order, the same item elsewhere, or on one side only. */
export interface ListPairing {
  /** Pairs [i, j] with equal keys, aligned in order. */
  readonly aligned: readonly (readonly [number, number])[];
  /** Pairs [i, j] with equal keys found out of order. */
  readonly reordered: readonly (readonly [number, number])[];
  readonly onlyA: readonly number[];
  readonly onlyB: readonly number[];
}

/**
 * Pairs two ordered lists by key (state tables, transcript lines): a longest common subsequence of the keys
 * (core/diff/align.ts), then equal keys left over on both sides as reordered items.
 */
export function pairLists(a: readonly string[], b: readonly string[]): ListPairing {
  const ids = new Map<string, number>();
  const id = (k: string): number => {
    let n = ids.get(k);
    if (n === undefined) ids.set(k, (n = ids.size));
    return n;
  };
  const { aMatch, bMatch } = align(a.map(id), b.map(id));
  const aligned: [number, number][] = [];
  for (let i = 0; i < a.length; i++) if (aMatch[i]! >= 0) aligned.push([i, aMatch[i]!]);
  const waiting = new Map<string, number[]>();
  for (let j = 0; j < b.length; j++) {
    if (bMatch[j]! >= 0) continue;
    let list = waiting.get(b[j]!);
    if (!list) waiting.set(b[j]!, (list = []));
    list.push(j);
  }
  const reordered: [number, number][] = [];
  const onlyA: number[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < a.length; i++) {
    if (aMatch[i]! >= 0) continue;
    const j = waiting.get(a[i]!)?.shift();
    if (j === undefined) onlyA.push(i);
    else {
      reordered.push([i, j]);
      taken.add(j);
    }
  }
  const onlyB: number[] = [];
  for (let j = 0; j < b.length; j++) if (bMatch[j]! < 0 && !taken.has(j)) onlyB.push(j);
  return { aligned, reordered, onlyA, onlyB };
}
