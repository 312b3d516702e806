/* Big-endian field access for the wire formats; indexes are relative to the Uint8Array view (its byteOffset applies). */

/** Reads the big-endian 16-bit word at `offset`. */
export function read16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

/** Writes a big-endian 16-bit word at `offset`. */
export function write16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

/** Reads the big-endian unsigned 32-bit word at `offset`. */
export function read32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Writes a big-endian 32-bit word at `offset`. */
export function write32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/** Copies `payload` to `buffer` at `offset` unless it already lies there (a frame built in place). */
export function placePayload(payload: Uint8Array, buffer: Uint8Array, offset: number): void {
  if (payload.buffer === buffer.buffer && payload.byteOffset === buffer.byteOffset + offset) return;
  buffer.set(payload, offset);
}
