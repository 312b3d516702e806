/** A JSON value as iproute2 prints it (`ip -j`, `bridge -j`): both engines' state dumps are made of these. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** Whether a value is a JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a report prints it: scalars as themselves, arrays of scalars as `[A,B]`, anything else as JSON. */
export function showJson(value: JsonValue | undefined): string {
  if (value === undefined) return '(absent)';
  if (value === null) return 'null';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return `[${value.join(',')}]`;
  return JSON.stringify(value);
}

/**
 * The leaves of a JSON object as `path → value`: nested objects by dotted keys, arrays of scalars kept whole (a
 * device's flags compare as one value), arrays of objects by the key `keyOf` gives each element (else its index).
 */
export function flattenJson(value: JsonValue, keyOf: (path: string, element: JsonObject, index: number) => string = (_p, _e, i) => String(i), prefix = ''): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  const walk = (v: JsonValue, path: string): void => {
    if (isJsonObject(v)) {
      for (const [k, child] of Object.entries(v)) if (child !== undefined) walk(child, path === '' ? k : `${path}.${k}`);
    } else if (Array.isArray(v) && v.some((e) => typeof e === 'object' && e !== null)) {
      v.forEach((e, i) => walk(e, `${path}[${isJsonObject(e) ? keyOf(path, e, i) : i}]`));
    } else {
      out.set(path, v);
    }
  };
  walk(value, prefix);
  return out;
}
