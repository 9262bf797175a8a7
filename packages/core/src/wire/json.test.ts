import fc from 'fast-check';
import sjson from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { parseJson } from './json.js';

/** What secure-json-parse alone answers: the value, or the error's message. */
function reference(text: string): { value?: unknown; error?: string } {
  try {
    return { value: sjson.parse(text, null, { protoAction: 'error', constructorAction: 'error' }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
function ours(text: string): { value?: unknown; error?: string } {
  try {
    return { value: parseJson(text) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('parseJson', () => {
  it('rejects every spelling of a forbidden key, escaped letters included', () => {
    for (const text of [
      '{"__proto__":{"x":1}}',
      '{"a":{"__proto__":1}}',
      '{"\\u005f_proto__":1}',
      '{"__pro\\u0074o__":1}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"constructor":{"pro\\u0074otype":{"x":1}}}',
      '\ufeff{"__proto__":1}',
    ]) {
      expect(() => parseJson(text), text).toThrow(/forbidden prototype property/i);
    }
    expect(parseJson('\ufeff{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('{"constructor":"x","proto":1}')).toEqual({ constructor: 'x', proto: 1 });
  });

  it('answers exactly as secure-json-parse on any JSON text, hostile keys mixed in', () => {
    const hostile = fc.constantFrom(
      '__proto__',
      '\\u005f_proto__',
      'constructor',
      'prototype',
      'proto',
      'a\\u0062',
      'x',
    );
    const text = fc.oneof(
      fc.json(),
      fc.tuple(hostile, fc.json(), hostile, fc.json()).map(([k1, v1, k2, v2]) => `{"${k1}":{"${k2}":${v2}},"k":${v1}}`),
      fc.string(),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(ours(t)).toEqual(reference(t));
      }),
      { numRuns: 3000 },
    );
  });
});
