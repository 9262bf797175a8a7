// Many entries through one group leave the stream at <= keepAcked (+ the entries of one trim
// interval). 200,000 in the normal suite; `npm run test:retention-big` runs 1,000,000.
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { streamKeys } from '../keys.js';
import { Producer } from '../producer/producer.js';
import { RETENTION_DEFAULTS } from './options.js';
import { trimStream } from './trimmer.js';

const TOTAL = Number(process.env.SLUICE_RETENTION_ENTRIES ?? 200_000);
const CHUNK = 10_000;

let h: Harness;
beforeEach(async () => {
  h = await harness('retention-big');
});
afterEach(async () => {
  await h.close();
});

it(`${TOTAL.toLocaleString('en')} entries through one group leave at most keepAcked + one trim step`, async () => {
  const keys = streamKeys('big', h.prefix);
  const p = new Producer({ url: h.url, prefix: h.prefix, maxBatch: 2000 });
  const cmd = <T = unknown>(...args: string[]) => h.redis.sendCommand<T>(args);
  await cmd('XGROUP', 'CREATE', keys.stream, 'g', '0', 'MKSTREAM');
  const payloads = Array.from({ length: CHUNK }, (_, i) => ({ i }));
  let processed = 0;
  let maxLen = 0;
  for (let published = 0; published < TOTAL; published += CHUNK) {
    await p.publishMany('big', payloads);
    // The group reads and acks what is there, then a trim runs (as each consumer's timer would).
    for (;;) {
      const reply = await cmd<[string, [string, string[]][]][] | null>(
        'XREADGROUP',
        'GROUP',
        'g',
        'c',
        'COUNT',
        '5000',
        'STREAMS',
        keys.stream,
        '>',
      );
      const ids = (reply?.[0]?.[1] ?? []).map((e) => e[0]);
      if (ids.length === 0) break;
      await cmd('XACK', keys.stream, 'g', ...ids);
      processed += ids.length;
    }
    maxLen = Math.max(maxLen, await cmd<number>('XLEN', keys.stream));
    await trimStream(h.redis, keys, RETENTION_DEFAULTS);
  }
  await p.close();
  expect(processed).toBe(TOTAL);
  // Between trims the stream holds keepAcked plus one interval's entries (one chunk here).
  expect(maxLen).toBeLessThanOrEqual(RETENTION_DEFAULTS.keepAcked + CHUNK);
  expect(await cmd<number>('XLEN', keys.stream)).toBe(RETENTION_DEFAULTS.keepAcked);
}, 600_000);
