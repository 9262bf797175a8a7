// The dead-letter stream is bounded (retention.dlqMaxLen / dlqMaxAgeMs, trimmed by each
// consumer's retention timer, approximately: whole radix-tree nodes) and every dead letter
// trimmed is counted. (`sluice inspect` showing the bounds: packages/cli inspect.test.ts.)
import { NonRetryableError, RETENTION_DEFAULTS, type TrimResult } from '@sluice/core';
import { trimStream } from '@sluice/core/plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recovery } from './recovery.js';
import { type Harness, harness, until } from './test-util/harness.js';

/** Entries per radix-tree node (redis.conf stream-node-max-entries): `~` trims whole nodes. */
const NODE = 100;

let h: Harness;
beforeEach(async () => {
  h = await harness('dlqb');
});
afterEach(() => h.close());

describe('dead-letter bounds', () => {
  it('documents defaults of 100,000 dead letters and 14 days', () => {
    expect(RETENTION_DEFAULTS.dlqMaxLen).toBe(100_000);
    expect(RETENTION_DEFAULTS.dlqMaxAgeMs).toBe(14 * 86_400_000);
  });

  it('keeps about dlqMaxLen dead letters while a consumer dead-letters, counting each one trimmed', async () => {
    const trims: TrimResult[] = [];
    const plugin = recovery({ attempts: 1 });
    const c = h.consumer({
      use: [plugin],
      retention: { dlqMaxLen: 50, intervalMs: 20 },
      handler: () => {
        throw new NonRetryableError('poison');
      },
    });
    c.on('trimmed', (r) => trims.push(r));
    await c.start();
    const total = 600;
    await h.producer().publishMany(
      'jobs',
      Array.from({ length: total }, (_, n) => n),
    );
    await until(() => (plugin.stats.deadLettered['non-retryable'] ?? 0) === total, 30_000, 'all dead-lettered');
    await until(async () => Number(await h.redis.sendCommand(['XLEN', h.keys.dlq])) <= 50 + NODE, 10_000, 'bounded');
    await c.close();
    const left = Number(await h.redis.sendCommand(['XLEN', h.keys.dlq]));
    const counted = trims.reduce((n, r) => n + r.dlqTrimmed, 0);
    expect(left).toBeGreaterThanOrEqual(50);
    expect(left).toBeLessThanOrEqual(50 + NODE);
    expect(counted).toBe(total - left);
    // The bounds the trimmer applied are recorded for `sluice inspect`.
    const limits = await h.redis.sendCommand<string[]>(['HGETALL', h.keys.limits]);
    expect(limits).toEqual(expect.arrayContaining(['dlqMaxLen', '50', 'dlqMaxAgeMs', String(14 * 86_400_000)]));
  });

  it('trims dead letters older than dlqMaxAgeMs, keeping at most one node of them', async () => {
    const old = 250;
    for (let i = 0; i < old; i++)
      await h.redis.sendCommand(['XADD', h.keys.dlq, `${1000 + i}-0`, 'reason', 'x', 'err', 'old']);
    for (let i = 0; i < 20; i++) await h.redis.sendCommand(['XADD', h.keys.dlq, '*', 'reason', 'x', 'err', 'new']);
    const r = await trimStream(h.redis, h.keys, { ...RETENTION_DEFAULTS, dlqMaxAgeMs: 60_000 });
    const rows = await h.range(h.keys.dlq);
    const oldLeft = rows.filter((row) => Number(row.id.split('-')[0]) < 100_000).length;
    expect(oldLeft).toBeLessThan(NODE);
    expect(rows.length - oldLeft).toBe(20); // every recent one kept
    expect(r.dlqTrimmed).toBe(old + 20 - rows.length);
  });
});
