/** Why bytes could not be read as a protocol's header: typed, never thrown (STYLE.md §8). */
export type WireError =
  | { readonly kind: 'truncated'; readonly protocol: string; readonly needed: number; readonly available: number }
  | { readonly kind: 'malformed'; readonly protocol: string; readonly field: string; readonly reason: string };

/** A one-line description of a wire error, for messages. */
export function describeWireError(error: WireError): string {
  return error.kind === 'truncated'
    ? `${error.protocol}: truncated (${error.available} of ${error.needed} bytes)`
    : `${error.protocol}: bad ${error.field}: ${error.reason}`;
}
