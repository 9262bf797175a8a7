import { Consumer, PRODUCER_DEFAULTS, Producer, RETENTION_DEFAULTS } from '@sluice/core';
import { openConnection, streamKeys, trimStream } from '@sluice/core/plugin';
import { groupLag } from '@sluice/results';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

describe('sluice ls / inspect', { timeout: 150_000 }, () => {
  it('shows length, lag, pending and each consumer of a group that holds one of five entries', async () => {
    const { url, prefix } = useRedis('inspect');
    const p = new Producer({ url, prefix });
    await p.publishMany('orders', [1, 2, 3, 4, 5]);
    await p.publish('audit', { x: 1 });
    let handled = 0;
    const c = new Consumer({
      url,
      prefix,
      stream: 'orders',
      group: 'billing',
      consumer: 'worker-a',
      startId: '0',
      concurrency: 1,
      prefetch: 0,
      handler: () =>
        new Promise(() => {
          handled++;
        }),
    });
    await c.start();
    await until(() => handled === 1);

    const json = await sluice(['inspect', 'orders', '--json'], { url, prefix });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ stream: 'orders', length: 5, lag: 4, pending: 1, deadLetters: 0, delayed: 0 });
    expect(report.groups).toEqual([
      expect.objectContaining({
        name: 'billing',
        consumers: 1,
        pending: 1,
        lag: 4,
        consumerList: [expect.objectContaining({ name: 'worker-a', pending: 1 })],
      }),
    ]);
    // The lag is the metric's: groupLag on the same inputs gives the same number.
    const { client } = await openConnection({ url }, () => {});
    const key = `${prefix}:{orders}`;
    const [info] = (await client.sendCommand<unknown[]>(['XINFO', 'GROUPS', key])) as unknown[][];
    expect(info).toBeDefined();
    const lastDeliveredId = String((info as unknown[])[(info as unknown[]).indexOf('last-delivered-id') + 1]);
    const lag = await groupLag(
      client,
      key,
      { length: 5, firstId: report.firstId, lastId: report.lastId, lastDeliveredId, entriesAdded: 5, xinfoLag: null },
      100_000,
    );
    expect(report.groups[0].lag).toBe(lag);
    await client.close();

    const text = await sluice(['inspect', 'orders'], { url, prefix });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/billing\s+1\s+4\s+1\s+\d+-\d+/); // group, consumers, lag, pending, oldest pending
    expect(text.stdout).toMatch(/billing\s+worker-a\s+1\s/);

    const ls = await sluice(['ls'], { url, prefix });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^STREAM\s+LENGTH\s+GROUPS\s+LAG\s+PENDING/);
    expect(ls.stdout).toMatch(/\naudit\s+1\s+0\s+0\s+0\s/);
    expect(ls.stdout).toMatch(/\norders\s+5\s+1\s+4\s+1\s/);
    const lsJson = JSON.parse((await sluice(['ls', '--json'], { url, prefix })).stdout);
    expect(lsJson.map((r: { stream: string }) => r.stream)).toEqual(['audit', 'orders']); // no :dlq, :results keys

    await c.close({ timeoutMs: 50 });
    await p.close();
  });

  it('says so, exit 1, for a stream that does not exist', async () => {
    const { url, prefix } = useRedis('inspect');
    const r = await sluice(['inspect', 'nope'], { url, prefix });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`sluice: no stream "nope" under prefix "${prefix}" (key ${prefix}:{nope} does not exist)\n`);
    const ls = await sluice(['ls'], { url, prefix });
    expect(ls).toMatchObject({ code: 0, stdout: `no streams under prefix "${prefix}"\n` });
  });
});

describe('sluice inspect: what each part will keep', { timeout: 60_000 }, () => {
  it('shows the defaults until a trim or a scheduled publish records the bounds in use', async () => {
    const { url, prefix } = useRedis('limits');
    const p = new Producer({ url, prefix, maxDelayed: 5000 });
    await p.publish('orders', 1);
    const fresh = JSON.parse((await sluice(['inspect', 'orders', '--json'], { url, prefix })).stdout);
    expect(fresh.limits).toEqual({
      keepAcked: { value: RETENTION_DEFAULTS.keepAcked, source: 'default' },
      maxAgeMs: { value: 0, source: 'default' },
      hardCap: { value: 0, source: 'default' },
      dlqMaxLen: { value: RETENTION_DEFAULTS.dlqMaxLen, source: 'default' },
      dlqMaxAgeMs: { value: RETENTION_DEFAULTS.dlqMaxAgeMs, source: 'default' },
      delayedMax: { value: PRODUCER_DEFAULTS.maxDelayed, source: 'default' },
      trimmedAt: null,
    });

    // A consumer's trim records its retention; a scheduled publish records the producer's bound.
    const { client } = await openConnection({ url }, () => {});
    const retention = { ...RETENTION_DEFAULTS, keepAcked: 200, maxAgeMs: 3_600_000, dlqMaxLen: 50, dlqMaxAgeMs: 0 };
    await trimStream(client, streamKeys('orders', prefix), retention);
    await client.close();
    await p.publish('orders', 2, { delayMs: 60_000 });
    await p.close();
    const json = JSON.parse((await sluice(['inspect', 'orders', '--json'], { url, prefix })).stdout);
    expect(json.limits).toMatchObject({
      keepAcked: { value: 200, source: 'recorded' },
      maxAgeMs: { value: 3_600_000, source: 'recorded' },
      dlqMaxLen: { value: 50, source: 'recorded' },
      dlqMaxAgeMs: { value: 0, source: 'recorded' },
      delayedMax: { value: 5000, source: 'recorded' },
    });
    const text = (await sluice(['inspect', 'orders'], { url, prefix })).stdout;
    expect(text).toContain('keeps every unread or pending entry + the newest 200 acked, none older than 1h 0m');
    expect(text).toContain('keeps about 50\n');
    expect(text).toContain('scheduled publishes rejected past 5,000; retries always go in');
    expect(text).toMatch(/bounds: last trim \S+ ago/);
  });
});
