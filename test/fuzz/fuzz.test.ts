// 10,000 fast-check entries written raw with XADD among 50,000 plain valid ones: every bad
// one lands in the DLQ with its reason, every valid one is processed once, nothing crashes,
// Object.prototype is untouched, and the valid ones flow at least half as fast as alone.
import { Consumer } from '@sluice/core';
import { fieldsToObject, openConnection, type RedisClient, streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FuzzEntry, fuzzEntries } from './entries.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const FUZZED = 10_000;
const PLAIN = 50_000;
const schema = z.looseObject({ n: z.number().int() });
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

let redis: RedisClient;
let url: string;
let prefix: string;
beforeAll(async () => {
  ({ url, prefix } = useRedis('fuzz'));
  redis = (await openConnection({ url }, () => {})).client;
});
afterAll(() => redis.close());

async function write(stream: string, entries: FuzzEntry[]): Promise<void> {
  const key = streamKeys(stream, prefix).stream;
  for (let i = 0; i < entries.length; i += 500) {
    await Promise.all(entries.slice(i, i + 500).map((e) => redis.sendCommand(['XADD', key, '*', ...e.fields])));
  }
}

/** Consume `stream` from the start until `valid` handler calls; returns the ms it took and the payloads' n. */
async function consume(stream: string, valid: number, errors: unknown[]): Promise<{ ms: number; seen: number[] }> {
  const seen: number[] = [];
  const consumer = new Consumer({
    url,
    prefix,
    stream,
    group: 'g',
    startId: '0',
    concurrency: 64,
    blockMs: 100,
    maxEntryBytes: 64 * 1024,
    schema,
    log: quiet,
    handler: (p) => {
      seen.push(p.n);
    },
  });
  consumer.on('error', (err) => errors.push(err));
  const t0 = performance.now();
  await consumer.start();
  await until(() => seen.length >= valid, 120_000, `${valid} valid entries of ${stream}`);
  const ms = performance.now() - t0;
  await consumer.close();
  return { ms, seen };
}

describe('fuzzed entries written raw among valid ones', () => {
  it('dead-letters each bad one with its reason, processes each valid one once, pollutes nothing', async () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const fuzzed = fuzzEntries(FUZZED, SEED);
    const plain: FuzzEntry[] = Array.from({ length: PLAIN }, (_, j) => ({
      kind: 'plain',
      expect: 'ok',
      fields: ['v', '1', 'data', JSON.stringify({ n: FUZZED + j }), '_fz', String(FUZZED + j)],
    }));
    // Interleaved: a fuzzed entry after every fifth plain one (a dead letter costs several acks: see the log line).
    const mixed = plain.flatMap((p, j) =>
      j % 5 === 4 && fuzzed[(j - 4) / 5] ? [p, fuzzed[(j - 4) / 5] as FuzzEntry] : [p],
    );
    const valid = mixed.filter((e) => e.expect === 'ok');
    const bad = mixed.filter((e) => e.expect !== 'ok');
    const errors: unknown[] = [];

    // Best of two runs each, alternating: the ratio, not one noisy run, is what is compared.
    await write('clean', valid);
    await write('clean2', valid);
    await write('fuzz', mixed);
    await write('fuzz2', mixed);
    const clean = await consume('clean', valid.length, errors);
    const fuzz = await consume('fuzz', valid.length, errors);
    const clean2 = await consume('clean2', valid.length, errors);
    const fuzz2 = await consume('fuzz2', valid.length, errors);
    const cleanMs = Math.min(clean.ms, clean2.ms);
    const fuzzMs = Math.min(fuzz.ms, fuzz2.ms);

    // Each valid entry processed exactly once, with its own payload.
    expect(fuzz.seen.length).toBe(valid.length);
    expect(new Set(fuzz.seen)).toEqual(new Set(valid.map((e) => Number(e.fields[e.fields.length - 1]))));

    // Each bad one dead-lettered once, with the reason its kind calls for and an error text.
    const dlq = streamKeys('fuzz', prefix).dlq;
    await until(
      async () => Number(await redis.sendCommand(['XLEN', dlq])) >= bad.length,
      60_000,
      'every bad entry dead',
    );
    const dead = new Map<number, Record<string, string>>();
    for (const [, f] of await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', dlq, '-', '+'])) {
      const d = fieldsToObject(f);
      expect(dead.has(Number(d._fz)), `dead-lettered twice: ${d._fz}`).toBe(false);
      dead.set(Number(d._fz), d);
    }
    expect(dead.size).toBe(bad.length);
    const wrong: string[] = [];
    for (const e of bad) {
      const i = Number(e.fields[e.fields.length - 1]);
      const d = dead.get(i);
      if (d?.reason !== e.expect || !d.err) wrong.push(`#${i} ${e.kind}: ${d?.reason} ${d?.err}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    const pending = await redis.sendCommand<[number]>(['XPENDING', streamKeys('fuzz', prefix).stream, 'g']);
    expect(Number(pending[0])).toBe(0);

    // Nothing polluted, no error events, and the bad ones did not slow the good ones down much.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(errors).toEqual([]);
    const ratio = fuzzMs / cleanMs;
    const kinds = new Map<string, number>();
    for (const e of fuzzed) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    console.log(
      `[fuzz] seed ${SEED}: ${valid.length} valid, ${bad.length} bad (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}); ` +
        `valid alone ${Math.round(cleanMs)} ms, among bad ${Math.round(fuzzMs)} ms (best of 2), ratio ${ratio.toFixed(2)}; per entry: valid ${((cleanMs / valid.length) * 1000).toFixed(0)} µs, bad ${(((fuzzMs - cleanMs) / bad.length) * 1000).toFixed(0)} µs`,
    );
    expect(ratio).toBeLessThan(2);
  }, 300_000);
});
