// close() racing a connection that is still being made: every connection the library opened is
// gone from Redis afterwards, and nothing rejects unhandled later. A leak here kept CommonJS
// apps from exiting (a Results closed right after waitFor; node-redis 5.x loses a destroy()
// that lands mid-connect), so each object is closed at several points of its first connect.
import { recovery } from '@sluice/claim';
import { Consumer, Producer } from '@sluice/core';
import { Results, results } from '@sluice/results';
import { sleep, startRedis, type TestRedis, until } from '@sluice/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: TestRedis;
let admin: ReturnType<typeof createClient>;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  // Its own server: the count of connections must not see other test files' clients.
  redis = await startRedis({ fresh: true });
  admin = createClient({ url: redis.url });
  await admin.connect();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await admin?.close();
  await redis?.stop();
});

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const connections = async () => (await admin.clientList()).length;

describe('close() during the first connect', () => {
  it('leaves no connection open and nothing unhandled (Producer, Consumer with plugins, Results.waitFor)', async () => {
    const url = redis.url;
    const prefix = redis.prefix;
    for (let i = 0; i < 40; i++) {
      const p = new Producer({ url, prefix, log: quiet });
      const published = p.publish('race', { i }).catch(() => {});
      await sleep(i % 3);
      await p.close();
      await published;

      const c = new Consumer({
        url,
        prefix,
        stream: 'race',
        group: 'g',
        handler: () => {},
        use: [recovery(), results()],
        log: quiet,
      });
      const started = c.start().catch(() => {});
      await sleep(i % 5);
      await c.close();
      await started;

      const r = new Results({ url, prefix, stream: 'race', log: quiet });
      const waited = r.waitFor('1-1', { timeoutMs: 1000 }).catch(() => {});
      await sleep(i % 4);
      await r.close();
      await waited;
    }
    // A straggler finishes connecting within milliseconds; give it time to show up.
    await sleep(300);
    await until(async () => (await connections()) === 1, 3000).catch(() => {});
    expect(await connections()).toBe(1); // the admin client only
    expect(unhandled).toEqual([]);
  });
});
