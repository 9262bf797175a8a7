import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedEntryError } from '../errors.js';
import { decodeEntry, encodeFields, jsonCodec } from './task.js';

const headers = fc.dictionary(
  fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'),
  fc.string(),
);

// Any JSON but the keys secure-json-parse rejects by design (prototype pollution; tested below).
const payloads = fc.jsonValue().filter((v) => !/"(__proto__|constructor)":/.test(JSON.stringify(v)));

describe('wire codec', () => {
  it('round-trips any JSON payload, key, attempt, origin and headers', () => {
    fc.assert(
      fc.property(
        payloads,
        fc.option(fc.string(), { nil: undefined }),
        fc.integer({ min: 1, max: 1000 }),
        fc.option(fc.constantFrom('1-0', '1700000000000-5'), { nil: undefined }),
        headers,
        (payload, key, attempt, origin, h) => {
          const fields = encodeFields({ data: jsonCodec.encode(payload), key, attempt, origin, headers: h });
          const entry = decodeEntry('s', { id: '1-1', fields }, jsonCodec);
          expect(entry.payload).toEqual(JSON.parse(JSON.stringify(payload)));
          expect(entry.key).toBe(key);
          expect(entry.attempt).toBe(attempt);
          expect(entry.origin).toBe(origin);
          expect(entry.headers).toEqual(h);
        },
      ),
    );
  });

  it('rejects a payload that would pollute a prototype as malformed', () => {
    for (const data of ['{"__proto__":0}', '{"a":{"constructor":{"prototype":{"x":1}}}}']) {
      const fields = encodeFields({ data, attempt: 1 });
      expect(() => decodeEntry('s', { id: '1-1', fields }, jsonCodec)).toThrow(MalformedEntryError);
    }
  });

  it('either decodes arbitrary field lists or throws MalformedEntryError — never anything else', () => {
    const name = fc.constantFrom('v', 'data', 'key', 'attempt', 'origin', 'h', 'err', 'other');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.oneof(fc.string(), fc.constant('1'), fc.json()))), (pairs) => {
        try {
          decodeEntry('s', { id: '1-1', fields: pairs.flat() }, jsonCodec);
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedEntryError);
        }
      }),
    );
  });

  it('keeps unknown fields and lets the last duplicate win', () => {
    const e = decodeEntry('s', { id: '1-1', fields: ['v', '1', 'data', '1', 'extra', 'x', 'data', '2'] }, jsonCodec);
    expect(e.payload).toBe(2);
    expect(e.fields).toContain('extra');
  });
});
