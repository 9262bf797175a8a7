// Test helpers for @sluice/results: the suite's Redis, a raw client for assertions, and
// Producer/Consumer/Results factories that are all closed after each test.
import {
  Consumer,
  type ConsumerOptions,
  openConnection,
  Producer,
  type ProducerOptions,
  type RedisClient,
  type StreamKeys,
  streamKeys,
} from '@sluice/core';
import { useRedis } from '@sluice/testing/vitest';
import { Results, type ResultsOptions } from '../results.js';

export { sleep, until } from '@sluice/testing';

type Closable = { close(): Promise<void> };

export interface Harness {
  url: string;
  prefix: string;
  /** A raw client for setting up and checking Redis state. */
  redis: RedisClient;
  keys: StreamKeys;
  producer(opts?: Partial<ProducerOptions>): Producer;
  consumer<T = unknown>(opts: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'handler'>): Consumer<T>;
  results(opts?: Partial<ResultsOptions>): Results;
  /** Entries of a stream-like key, fields as an object. */
  range(key: string): Promise<Array<{ id: string; f: Record<string, string> }>>;
  /** A raw client closed with the harness. */
  client(name?: string): Promise<RedisClient>;
  close(): Promise<void>;
}

export async function harness(label: string): Promise<Harness> {
  const { url, prefix } = useRedis(label);
  const { client: redis } = await openConnection({ url }, () => {});
  const keys = streamKeys('jobs', prefix);
  const open: Closable[] = [];
  const clients: RedisClient[] = [redis];
  return {
    url,
    prefix,
    redis,
    keys,
    producer(opts = {}) {
      const p = new Producer({ url, prefix, ...opts });
      open.push(p);
      return p;
    },
    consumer<T>(opts: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'handler'>) {
      const c = new Consumer<T>({ url, prefix, stream: 'jobs', group: 'g', startId: '0', blockMs: 100, ...opts });
      c.on('error', () => {});
      open.push(c);
      return c;
    },
    results(opts = {}) {
      const r = new Results({ url, prefix, stream: 'jobs', blockMs: 200, ...opts });
      open.push(r);
      return r;
    },
    async range(key) {
      const rows = await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', key, '-', '+']);
      return rows.map(([id, fields]) => {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
        return { id, f };
      });
    },
    async client() {
      const { client } = await openConnection({ url }, () => {});
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(open.splice(0).map((c) => c.close()));
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    },
  };
}

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** XINFO STREAM's entries-added: everything ever written to a stream, trimmed or not. */
export async function entriesAdded(redis: RedisClient, key: string): Promise<number> {
  const info = await redis.sendCommand<unknown[]>(['XINFO', 'STREAM', key]).catch(() => [] as unknown[]);
  const i = info.indexOf('entries-added');
  return i < 0 ? 0 : Number(info[i + 1]);
}
