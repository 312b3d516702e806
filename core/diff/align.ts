/**
 * Aligns two sequences of frame keys as `diff` does: a longest common subsequence found with Myers' O(ND)
 * algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986) after the common prefix and suffix are
 * taken off, so that near-identical captures of a million frames align in linear time. When the two differ in more
 * than `maxEdits` places the exact search would cost too much, and the middle is aligned greedily instead: each key
 * of A takes the next equal key of B (an increasing matching, not always the longest).
 */

/** Which B index each A index is matched with (-1: none), and the reverse. */
export interface Alignment {
  readonly aMatch: Int32Array;
  readonly bMatch: Int32Array;
  /** Whether the greedy fallback aligned part of it. */
  readonly approximate: boolean;
}

/** The default bound on edits for the exact search (its memory grows with the square of this). */
export const MAX_EXACT_EDITS = 2000;

/** Aligns `a` and `b` (keys compared with ===). */
export function align(a: ArrayLike<number>, b: ArrayLike<number>, maxEdits = MAX_EXACT_EDITS): Alignment {
  const n = a.length;
  const m = b.length;
  const aMatch = new Int32Array(n).fill(-1);
  const bMatch = new Int32Array(m).fill(-1);
  let lo = 0;
  while (lo < n && lo < m && a[lo] === b[lo]) {
    aMatch[lo] = lo;
    bMatch[lo] = lo;
    lo++;
  }
  let aHi = n;
  let bHi = m;
  while (aHi > lo && bHi > lo && a[aHi - 1] === b[bHi - 1]) {
    aHi--;
    bHi--;
    aMatch[aHi] = bHi;
    bMatch[bHi] = aHi;
  }
  let approximate = false;
  if (aHi > lo && bHi > lo && !myers(a, lo, aHi, b, lo, bHi, maxEdits, aMatch, bMatch)) {
    greedy(a, lo, aHi, b, lo, bHi, aMatch, bMatch);
    approximate = true;
  }
  return { aMatch, bMatch, approximate };
}

/** Myers' greedy forward search with a saved frontier per edit count, then a walk back; false past `maxEdits`. */
function myers(a: ArrayLike<number>, a0: number, a1: number, b: ArrayLike<number>, b0: number, b1: number, maxEdits: number, aMatch: Int32Array, bMatch: Int32Array): boolean {
  const n = a1 - a0;
  const m = b1 - b0;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[a0 + x] === b[b0 + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return false;
  // Walk back from (n, m): at each d, the frontier saved before step d tells which neighbour diagonal led here.
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const saved = trace[d]!;
    const at = (k: number): number => saved[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const startX = down ? prevX : prevX + 1;
    let sx = x;
    let sy = y;
    while (sx > startX) {
      sx--;
      sy--;
      aMatch[a0 + sx] = b0 + sy;
      bMatch[b0 + sy] = a0 + sx;
    }
    x = prevX;
    y = prevY;
  }
  // d = 0: the leading snake.
  while (x > 0 && y > 0) {
    x--;
    y--;
    aMatch[a0 + x] = b0 + y;
    bMatch[b0 + y] = a0 + x;
  }
  return true;
}

/** Each A key in order takes the first unused equal B key after the last one taken. */
function greedy(a: ArrayLike<number>, a0: number, a1: number, b: ArrayLike<number>, b0: number, b1: number, aMatch: Int32Array, bMatch: Int32Array): void {
  const positions = new Map<number, number[]>();
  for (let j = b0; j < b1; j++) {
    const key = b[j]!;
    let list = positions.get(key);
    if (!list) positions.set(key, (list = []));
    list.push(j);
  }
  const cursor = new Map<number, number>();
  let last = b0 - 1;
  for (let i = a0; i < a1; i++) {
    const list = positions.get(a[i]!);
    if (!list) continue;
    let c = cursor.get(a[i]!) ?? 0;
    while (c < list.length && list[c]! <= last) c++;
    cursor.set(a[i]!, c);
    if (c === list.length) continue;
    const j = list[c]!;
    aMatch[i] = j;
    bMatch[j] = i;
    last = j;
    cursor.set(a[i]!, c + 1);
  }
}

/**
 * Aligns in two steps: byte-identical frames first (`strict` keys), then, between those, frames equal after
 * normalisation (`keys`). Where frames differ only in varying values (two pings between the same hosts), alignment
 * on normalised keys alone may pair a frame with its twin, and their values then fail to correspond; pairing
 * identical frames first avoids that.
 */
export function alignTwoLevel(strictA: Float64Array, strictB: Float64Array, keysA: Float64Array, keysB: Float64Array, maxEdits = MAX_EXACT_EDITS): Alignment {
  const strict = align(strictA, strictB, maxEdits);
  const aMatch = strict.aMatch;
  const bMatch = strict.bMatch;
  let approximate = strict.approximate;
  let i0 = 0;
  let j0 = 0;
  const fill = (i1: number, j1: number): void => {
    if (i1 > i0 && j1 > j0) {
      const gap = align(keysA.subarray(i0, i1), keysB.subarray(j0, j1), maxEdits);
      approximate ||= gap.approximate;
      for (let k = 0; k < gap.aMatch.length; k++) {
        const j = gap.aMatch[k]!;
        if (j < 0) continue;
        aMatch[i0 + k] = j0 + j;
        bMatch[j0 + j] = i0 + k;
      }
    }
  };
  for (let i = 0; i < aMatch.length; i++) {
    const j = aMatch[i]!;
    if (j < 0 || i < i0) continue;
    fill(i, j);
    i0 = i + 1;
    j0 = j + 1;
  }
  fill(aMatch.length, bMatch.length);
  return { aMatch, bMatch, approximate };
}
