import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from './outcome.js';
import { parseResultEntry, resultFields } from './result.js';
import { type Entry, jsonCodec } from './task.js';

const entry = (over: Partial<Entry>): Entry => ({
  id: '10-1',
  stream: 'jobs',
  payload: null,
  key: undefined,
  attempt: 1,
  origin: undefined,
  headers: {},
  err: undefined,
  deliveries: undefined,
  fields: [],
  ...over,
});

describe('result entry', () => {
  it('round-trips every outcome through its fields', () => {
    // Normalised through JSON once (-0 becomes 0), as any stored result is; without the keys
    // secure-json-parse rejects by design (prototype pollution; wire/json.test.ts), which a
    // random draw hits now and then.
    const json = fc
      .jsonValue()
      .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
      .filter((v) => v !== null && !/"(__proto__|constructor)":/.test(JSON.stringify(v)));
    fc.assert(
      fc.property(
        fc.record({
          status: fc.constantFrom('ok', 'failed', 'dead') as fc.Arbitrary<Outcome['status']>,
          result: json,
          attempt: fc.integer({ min: 1, max: 1000 }),
          origin: fc.option(fc.constant('3-0'), { nil: undefined }),
          ack: fc.boolean(),
          retryAt: fc.option(fc.integer({ min: 1 }), { nil: undefined }),
          durationMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
          message: fc.string(),
        }),
        (x) => {
          const o: Outcome = {
            entry: entry({ attempt: x.attempt, origin: x.origin }),
            status: x.status,
            result: x.status === 'ok' ? x.result : undefined,
            error: x.status === 'ok' ? undefined : new Error(x.message),
            reason: x.status === 'dead' ? 'non-retryable' : undefined,
            durationMs: x.durationMs,
            consumer: 'c1',
            ack: x.status === 'dead' || x.ack,
            retryAt: x.status === 'failed' ? x.retryAt : undefined,
            writes: [],
          };
          const r = parseResultEntry({ id: '99-0', fields: resultFields(o, 'g', jsonCodec, 1 << 20) }, jsonCodec);
          expect(r).toMatchObject({ resultId: '99-0', id: '10-1', origin: x.origin ?? '10-1', status: x.status });
          expect(r?.attempt).toBe(x.attempt);
          expect(r?.final).toBe(o.ack && o.retryAt === undefined);
          expect(r?.ms).toBeCloseTo(x.durationMs, 2);
          if (x.status === 'ok') expect(r?.result).toEqual(x.result);
          else expect(r?.error).toBe(`Error: ${x.message}`);
          expect(r?.retryAt).toBe(o.retryAt);
        },
      ),
    );
  });

  it('leaves out a result the codec cannot encode, and says why', () => {
    const o: Outcome = {
      entry: entry({}),
      status: 'ok',
      result: 1n,
      durationMs: 1,
      consumer: 'c',
      ack: true,
      writes: [],
    };
    const r = parseResultEntry({ id: '1-0', fields: resultFields(o, 'g', jsonCodec, 100) }, jsonCodec);
    expect(r?.result).toBeUndefined();
    expect(r?.error).toMatch(/result not stored: PayloadError/);
  });

  it('is not fooled by entries that are not results', () => {
    expect(parseResultEntry({ id: '1-0', fields: ['v', '1', 'data', '{}'] }, jsonCodec)).toBeUndefined();
    expect(parseResultEntry({ id: '1-0', fields: null }, jsonCodec)).toBeUndefined();
    expect(parseResultEntry({ id: '1-0', fields: ['id', '1-0', 'status', 'maybe'] }, jsonCodec)).toBeUndefined();
  });
});
