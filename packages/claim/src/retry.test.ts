import { type Entry, NonRetryableError, type Outcome, TimeoutError } from '@sluice/core';
import { decodeDelayed, MAX_ERROR_CHARS, retryFields } from '@sluice/core/plugin';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECOVERY_DEFAULTS, resolveRecoveryOptions } from './options.js';
import { backoffDelay, decideRetry, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { attempts: 3, backoffBaseMs: 100, backoffMaxMs: 1000, backoff: undefined };

function entry(over: Partial<Entry> = {}): Entry {
  const fields = ['v', '1', 'data', '{"n":1}', 'key', 'k1', 'h', '{"traceparent":"00-a-b-01"}', 'x-custom', 'kept'];
  return {
    id: '5-0',
    stream: 'jobs',
    payload: { n: 1 },
    key: 'k1',
    attempt: 1,
    origin: undefined,
    headers: {},
    err: undefined,
    deliveries: undefined,
    fields,
    ...over,
  };
}

function failed(e: Entry, error: Error): Outcome {
  return { entry: e, status: 'failed', error, durationMs: 1, consumer: 'c', ack: false, writes: [] };
}

describe('backoffDelay', () => {
  it('is full jitter: uniform in [0, min(max, base × 2^(attempt−1)))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
        const d = backoffDelay(policy, attempt, undefined, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
        expect(d).toBe(Math.floor(r * ceiling));
      }),
    );
  });

  it('uses the policy function when given, clamping bad values to 0', () => {
    const fn = { ...policy, backoff: (attempt: number) => attempt * 250 };
    expect(backoffDelay(fn, 3)).toBe(750);
    expect(backoffDelay({ ...policy, backoff: () => Number.NaN }, 1)).toBe(0);
    expect(backoffDelay({ ...policy, backoff: () => -5 }, 1)).toBe(0);
  });
});

describe('retryFields', () => {
  it('keeps data, key, headers and unknown fields; bumps attempt, keeps origin, sets err', () => {
    const f = retryFields(
      entry({ attempt: 2, origin: '1-0', fields: [...entry().fields, 'attempt', '2', 'origin', '1-0', 'err', 'old'] }),
      new Error('boom'),
    );
    expect(f).toEqual([
      'v',
      '1',
      'data',
      '{"n":1}',
      'key',
      'k1',
      'h',
      '{"traceparent":"00-a-b-01"}',
      'x-custom',
      'kept',
      'attempt',
      '3',
      'origin',
      '1-0',
      'err',
      'Error: boom',
    ]);
  });

  it('sets origin to the entry id on the first retry and caps long errors', () => {
    const f = retryFields(entry(), new Error('x'.repeat(10_000)));
    expect(f.slice(-6, -1)).toEqual(['attempt', '2', 'origin', '5-0', 'err']);
    expect((f.at(-1) as string).length).toBe(MAX_ERROR_CHARS);
  });
});

describe('decideRetry', () => {
  it('acks a failed attempt and writes its retry into the delayed set, due after the backoff', () => {
    const o = failed(entry(), new Error('boom'));
    decideRetry(o, { ...policy, backoff: () => 500 }, 1_000);
    expect(o.status).toBe('failed');
    expect(o.ack).toBe(true);
    expect(o.retryAt).toBe(1_500);
    expect(o.writes).toHaveLength(1);
    const w = o.writes[0] as { op: string; key: string; score: number; member: string };
    expect([w.op, w.key, w.score]).toEqual(['zadd', 'delayed', 1_500]);
    expect(decodeDelayed(w.member).fields).toContain('Error: boom');
  });

  it('treats a handler timeout like any failure', () => {
    const o = failed(entry(), new TimeoutError('slow'));
    decideRetry(o, policy);
    expect(o.ack).toBe(true);
    expect(o.retryAt).toBeDefined();
  });

  it('dead-letters a NonRetryableError at once', () => {
    const o = failed(entry(), new NonRetryableError('bad input'));
    decideRetry(o, policy);
    expect([o.status, o.reason, o.writes.length]).toEqual(['dead', 'non-retryable', 0]);
  });

  it('dead-letters the last attempt as attempts-exhausted', () => {
    const o = failed(entry({ attempt: 3 }), new Error('boom'));
    decideRetry(o, policy);
    expect([o.status, o.reason]).toEqual(['dead', 'attempts-exhausted']);
  });

  it('leaves ok outcomes and close-aborted handlers alone', () => {
    const ok: Outcome = { ...failed(entry(), new Error('x')), status: 'ok', error: undefined, ack: true };
    decideRetry(ok, policy);
    expect(ok.writes).toEqual([]);
    const closed = failed(entry(), Object.assign(new Error('closing'), { code: 'ERR_SLUICE_CLOSED' }));
    decideRetry(closed, policy);
    expect([closed.status, closed.ack, closed.writes.length]).toEqual(['failed', false, 0]);
  });
});

describe('recovery options', () => {
  it('derives claim and keepalive intervals from minIdleMs', () => {
    const d = resolveRecoveryOptions();
    expect(d).toMatchObject({
      minIdleMs: 30_000,
      claimIntervalMs: 5_000,
      keepaliveIntervalMs: 10_000,
      maxDeliveries: RECOVERY_DEFAULTS.maxDeliveries,
      attempts: 5,
    });
    expect(resolveRecoveryOptions({ minIdleMs: 1_000 })).toMatchObject({
      claimIntervalMs: 500,
      keepaliveIntervalMs: 333,
    });
  });

  it('rejects bad values naming the field and the value', () => {
    expect(() => resolveRecoveryOptions({ minIdleMs: -1 })).toThrow(/"minIdleMs".*-1/);
    expect(() => resolveRecoveryOptions({ minIdleMs: 1_000, keepaliveIntervalMs: 900 })).toThrow(
      /"keepaliveIntervalMs" must be an integer in \[1, 500\], got 900/,
    );
    expect(() => resolveRecoveryOptions({ attempts: 0 })).toThrow(/"attempts".*0/);
    expect(() => resolveRecoveryOptions({ backoffBaseMs: 10, backoffMaxMs: 5 })).toThrow(/"backoffMaxMs".*5/);
    expect(() => resolveRecoveryOptions({ backoff: 5 as never })).toThrow(/"backoff" must be a function/);
  });
});
