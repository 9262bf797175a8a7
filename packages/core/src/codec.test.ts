import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeFields, jsonCodec } from './codec.js';
import { MalformedEntryError } from './errors.js';

const headers = fc.dictionary(
  fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'),
  fc.string(),
);

describe('wire codec', () => {
  it('round-trips any JSON payload, key, attempt, origin and headers', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
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
