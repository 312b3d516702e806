/**
 * A 53-bit hash of bytes, the key a normalised frame is aligned by: two independent 32-bit lanes (multiply and
 * xor-shift, as MurmurHash3's fmix32) over 32-bit words, so that a million distinct frames collide with a chance
 * of about 1e-4 (the birthday bound at 2^53).
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number, seed = 0): number {
  let h1 = (0x9747b28c ^ seed) >>> 0;
  let h2 = (0x85ebca6b ^ Math.imul(seed, 0x27d4eb2f)) >>> 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const w = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h1 = Math.imul(h1 ^ w, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ w, 0x1b873593);
    h2 = (h2 << 13) | (h2 >>> 19);
  }
  let tail = 0;
  for (let shift = 0; i < end; i++, shift += 8) tail |= bytes[i]! << shift;
  h1 = Math.imul(h1 ^ tail ^ (end - start), 0xcc9e2d51);
  h2 = Math.imul(h2 ^ tail ^ (end - start), 0x1b873593);
  return combine(h1, h2);
}

/** Mixes a number (up to 53 bits) into a hash made by `hashBytes`. */
export function mixHash(hash: number, value: number): number {
  const low = value >>> 0;
  const high = Math.floor(value / 0x100000000) >>> 0;
  let h1 = Math.imul((hash >>> 0) ^ low, 0xcc9e2d51);
  let h2 = Math.imul((Math.floor(hash / 0x100000000) >>> 0) ^ high ^ low, 0x1b873593);
  h1 ^= h2 >>> 7;
  h2 ^= h1 >>> 11;
  return combine(h1, h2);
}

/** fmix32 of both lanes, joined into 53 bits. */
function combine(a: number, b: number): number {
  let h1 = a;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  let h2 = b ^ h1;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0x85ebca6b);
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h2 >>> 11) * 0x100000000 + (h1 >>> 0);
}
