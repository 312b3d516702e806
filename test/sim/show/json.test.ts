import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJson, JsonNumberText, type JsonValue } from '../../../sim/show/json.ts';

/** Keys that JS keeps in insertion order (not array-index-like), as iproute2's keys are. */
const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((k) => k !== '__proto__');
const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('formatJson (lib/json_writer.c)', () => {
  it('compact output is JSON.stringify plus the closing newline', () => {
    fc.assert(fc.property(value, (v) => {
        expect(formatJson(v, false)).toBe(`${JSON.stringify(v)}\n`);
      }));
  });

  it('pretty output parses back to the same value', () => {
    fc.assert(fc.property(value, (v) => {
        expect(JSON.parse(formatJson(v, true))).toEqual(v);
      }));
  });

  it('writes fixed-format numbers as given (the bridge timers, "%.2f")', () => {
    expect(formatJson({ hello_timer: new JsonNumberText('0.00') }, false)).toBe('{"hello_timer":0.00}\n');
  });

  it('pretty-prints as iproute2 does: four-space indent, "[ "a","b" ]", "[ ]", "},{"', () => {
    // The shape of `bridge -p -j fdb show` and `ip -p -j route` recorded in fixtures/show (ip 6.1.0).
    expect(formatJson([{ mac: 'a', flags: ['self'] }, { flags: [] }], true)).toBe(
      '[ {\n        "mac": "a",\n        "flags": [ "self" ]\n    },{\n        "flags": [ ]\n    } ]\n',
    );
  });
});
