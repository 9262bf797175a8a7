import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Consumer } from '../consumer/consumer.js';
import { ConfigError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { Producer } from '../producer/producer.js';
import { RETENTION_DEFAULTS, resolveRetention } from './options.js';
import { trimStream } from './trimmer.js';

let h: Harness;
let p: Producer;
const closers: { close(): Promise<unknown> }[] = [];
beforeEach(async () => {
  h = await harness('retention');
  p = new Producer({ url: h.url, prefix: h.prefix });
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c.close();
  await p.close();
  await h.close();
});

const cmd = <T = unknown>(...args: string[]) => h.redis.sendCommand<T>(args);
const retention = (over: Partial<typeof RETENTION_DEFAULTS>) => ({ ...RETENTION_DEFAULTS, ...over });
const publishN = (stream: string, n: number) =>
  p.publishMany(
    stream,
    Array.from({ length: n }, (_, i) => i),
  );
/** Read `count` new entries as `consumer` of `group`; ack the first `ack` of them. */
async function readAck(stream: string, group: string, count: number, ack: number): Promise<string[]> {
  const reply = await cmd<[string, [string, string[]][]][]>(
    'XREADGROUP',
    'GROUP',
    group,
    'c',
    'COUNT',
    String(count),
    'STREAMS',
    stream,
    '>',
  );
  const ids = (reply?.[0]?.[1] ?? []).map((e) => e[0]);
  if (ack > 0) await cmd('XACK', stream, group, ...ids.slice(0, ack));
  return ids;
}

describe('retention', () => {
  it('keeps keepAcked acked entries and never an entry a group has not acked', async () => {
    const keys = streamKeys('s', h.prefix);
    const ids = await publishN('s', 100);
    await cmd('XGROUP', 'CREATE', keys.stream, 'fast', '0');
    await cmd('XGROUP', 'CREATE', keys.stream, 'slow', '0');
    await readAck(keys.stream, 'fast', 100, 100);
    await readAck(keys.stream, 'slow', 40, 30); // 30 acked, 10 pending, 60 unread
    const r = await trimStream(h.redis, keys, retention({ keepAcked: 10 }));
    expect(r).toEqual({ trimmed: 20, unprocessed: 0, dlqTrimmed: 0 });
    const left = (await cmd<[string][]>('XRANGE', keys.stream, '-', '+')).map((e) => e[0]);
    expect(left).toEqual(ids.slice(20)); // 10 acked by both + everything from slow's oldest pending on
    // Nothing acked beyond keepAcked: a second run trims nothing.
    expect((await trimStream(h.redis, keys, retention({ keepAcked: 10 }))).trimmed).toBe(0);
  });

  it('with a group far behind (a long unacked tail) still trims only acked entries', async () => {
    const keys = streamKeys('behind', h.prefix);
    const ids = await publishN('behind', 1500);
    await cmd('XGROUP', 'CREATE', keys.stream, 'slow', '0');
    await readAck(keys.stream, 'slow', 10, 5); // 5 acked, 5 pending, 1490 unread
    const r = await trimStream(h.redis, keys, retention({ keepAcked: 3 }));
    expect(r.trimmed).toBe(2);
    const left = (await cmd<[string][]>('XRANGE', keys.stream, '-', '+')).map((e) => e[0]);
    expect(left).toEqual(ids.slice(2));
  });

  it('hardCap trims unread and pending entries too and counts each exactly', async () => {
    const keys = streamKeys('cap', h.prefix);
    await publishN('cap', 100);
    await cmd('XGROUP', 'CREATE', keys.stream, 'g', '0');
    await readAck(keys.stream, 'g', 30, 20); // 20 acked, 10 pending, 70 unread
    const r = await trimStream(h.redis, keys, retention({ keepAcked: 5, hardCap: 40 }));
    // 15 acked go by keepAcked (85 left); hardCap then takes 45: 5 acked + 10 pending + 30 unread.
    expect(r).toEqual({ trimmed: 60, unprocessed: 40, dlqTrimmed: 0 });
    expect(await cmd('XLEN', keys.stream)).toBe(40);
  });

  it('a stream with no group keeps keepAcked entries; maxAgeMs trims acked entries by age', async () => {
    const keys = streamKeys('nogroup', h.prefix);
    const ids = await publishN('nogroup', 50);
    expect((await trimStream(h.redis, keys, retention({ keepAcked: 20 }))).trimmed).toBe(30);
    expect((await cmd<[string][]>('XRANGE', keys.stream, '-', '+')).map((e) => e[0])).toEqual(ids.slice(30));
    await cmd('XGROUP', 'CREATE', keys.stream, 'g', '0');
    await readAck(keys.stream, 'g', 10, 10);
    await new Promise((r) => setTimeout(r, 30));
    const r = await trimStream(h.redis, keys, retention({ keepAcked: 1000, maxAgeMs: 10 }));
    expect(r.trimmed).toBe(10); // only the acked ones, however old the rest is
    expect(await cmd('XLEN', keys.stream)).toBe(10);
  });

  it('bounds the dead-letter stream by count', async () => {
    const keys = streamKeys('dead', h.prefix);
    for (let i = 0; i < 300; i++) await cmd('XADD', keys.dlq, '*', 'reason', 'x');
    const r = await trimStream(h.redis, keys, retention({ dlqMaxLen: 10 }));
    const left = await cmd<number>('XLEN', keys.dlq);
    expect(left).toBeGreaterThanOrEqual(10);
    expect(left).toBeLessThan(300);
    expect(r.dlqTrimmed).toBe(300 - left);
  });

  it('consumers trim in the background without taking an entry from a slower group', async () => {
    const handled = { fast: 0, slow: new Set<number>() };
    const deleted: string[] = [];
    const trimmedEvents: number[] = [];
    const common = { url: h.url, prefix: h.prefix, stream: 'bg', startId: '0' } as const;
    const fast = new Consumer({
      ...common,
      group: 'fast',
      retention: { keepAcked: 5, intervalMs: 20 },
      handler: () => void handled.fast++,
    });
    const slow = new Consumer({
      ...common,
      group: 'slow',
      concurrency: 1,
      retention: { keepAcked: 5, intervalMs: 20 },
      handler: async (n: number) => {
        await new Promise((r) => setTimeout(r, 2));
        handled.slow.add(n);
      },
    });
    closers.push(fast, slow);
    fast.on('trimmed', (r) => trimmedEvents.push(r.unprocessed));
    slow.on('deleted', (ids) => deleted.push(...ids));
    await fast.start();
    await slow.start();
    await publishN('bg', 300);
    await until(() => handled.slow.size === 300, 60_000);
    expect(handled.fast).toBe(300);
    expect(deleted).toEqual([]);
    expect(trimmedEvents.length).toBeGreaterThan(0);
    expect(trimmedEvents.every((u) => u === 0)).toBe(true);
    await until(async () => Number(await cmd('XLEN', streamKeys('bg', h.prefix).stream)) <= 5);
  }, 90_000);

  it('rejects bad retention options', () => {
    expect(() => resolveRetention('Consumer', { keepAcked: -1 })).toThrow(ConfigError);
    expect(() => resolveRetention('Consumer', { keepacked: 1 })).toThrow(/did you mean "keepAcked"/);
    expect(() => resolveRetention('Consumer', { keepAcked: 10, hardCap: 5 })).toThrow(/hardCap/);
    expect(resolveRetention('Consumer', false)).toBeUndefined();
  });
});
