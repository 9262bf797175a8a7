import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayloadError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { Producer } from './producer.js';

let h: Harness;
let p: Producer;
beforeEach(async () => {
  h = await harness('idmp');
  p = new Producer({ url: h.url, prefix: h.prefix });
});
afterEach(async () => {
  await p.close();
  await h.close();
});

const xlen = (stream: string) => h.redis.sendCommand<number>(['XLEN', streamKeys(stream, h.prefix).stream]);
const fixture = fileURLToPath(new URL('./idempotency.fixture.mjs', import.meta.url));

/** Run one producer process; resolves with its [key, id] pairs. */
function producerProcess(cfg: object): Promise<[string, string][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe('idempotent publish', () => {
  it('returns the first id for a repeated key and writes nothing new, within one batch and across batches', async () => {
    const [a, b, c] = await Promise.all([
      p.publish('s', 1, { idempotencyKey: 'x' }),
      p.publish('s', 2, { idempotencyKey: 'x' }),
      p.publish('s', 3, { idempotencyKey: 'y' }),
    ]);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(await p.publish('s', 4, { idempotencyKey: 'x' })).toBe(a);
    expect(await xlen('s')).toBe(2);
  });

  it('publishes again once the window has passed', async () => {
    const short = new Producer({ url: h.url, prefix: h.prefix, idempotencyWindowMs: 50 });
    const first = await short.publish('w', 1, { idempotencyKey: 'k' });
    await new Promise((r) => setTimeout(r, 120));
    const second = await short.publish('w', 2, { idempotencyKey: 'k' });
    await short.close();
    expect(second).not.toBe(first);
    expect(await xlen('w')).toBe(2);
  });

  it('keeps at most idempotencyMaxKeys markers per stream, forgetting the oldest', async () => {
    const small = new Producer({ url: h.url, prefix: h.prefix, idempotencyMaxKeys: 10 });
    for (let i = 0; i < 25; i++) await small.publish('m', i, { idempotencyKey: `k${i}` });
    const keys = streamKeys('m', h.prefix);
    expect(await h.redis.sendCommand(['HLEN', keys.idmp])).toBe(10);
    expect(await h.redis.sendCommand(['ZCARD', keys.idmpExpiry])).toBe(10);
    expect(Number(await h.redis.sendCommand(['PTTL', keys.idmp]))).toBeGreaterThan(0);
    await small.publish('m', 0, { idempotencyKey: 'k0' }); // forgotten: written again
    await small.publish('m', 24, { idempotencyKey: 'k24' }); // remembered
    await small.close();
    expect(await xlen('m')).toBe(26);
  });

  it('dedupes scheduled publishes by their schedule id', async () => {
    const a = await p.publish('d', 1, { idempotencyKey: 'z', delayMs: 60_000 });
    const b = await p.publish('d', 2, { idempotencyKey: 'z', delayMs: 60_000 });
    expect(a).toMatch(/^d1:/);
    expect(b).toBe(a);
    expect(await h.redis.sendCommand(['ZCARD', streamKeys('d', h.prefix).delayed])).toBe(1);
  });

  it('separates producer ids, rejects a bad key and keeps plain publishes on their own path', async () => {
    const other = new Producer({ url: h.url, prefix: h.prefix, producerId: 'billing' });
    const a = await p.publish('n', 1, { idempotencyKey: 'same' });
    const b = await other.publish('n', 2, { idempotencyKey: 'same' });
    await other.close();
    expect(b).not.toBe(a);
    await expect(p.publish('n', 3, { idempotencyKey: '' })).rejects.toBeInstanceOf(PayloadError);
    await expect(p.publishMany('n', [1], { idempotencyKey: 'x' })).rejects.toBeInstanceOf(PayloadError);
    await p.publish('n', 4);
    expect(await xlen('n')).toBe(3);
  });

  it('1,000 publishes with 100 keys from 4 producer processes write exactly 100 entries', async () => {
    const cfg = { url: h.url, prefix: h.prefix, stream: 'procs', count: 250, keys: 100 };
    const results = await Promise.all([0, 1, 2, 3].map((n) => producerProcess({ ...cfg, offset: n * 37 })));
    const idsByKey = new Map<string, Set<string>>();
    for (const [key, id] of results.flat()) {
      if (!idsByKey.has(key)) idsByKey.set(key, new Set());
      idsByKey.get(key)?.add(id);
    }
    expect(results.flat()).toHaveLength(1000);
    expect(idsByKey.size).toBe(100);
    for (const ids of idsByKey.values()) expect(ids.size).toBe(1);
    expect(await xlen('procs')).toBe(100);
  }, 60_000);
});
