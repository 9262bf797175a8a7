// A per-test harness for code that uses Sluice: the suite's Redis, a fresh key prefix, a raw
// client for assertions, and Producer/Consumer factories closed together with `close()`.
import { Consumer, type ConsumerOptions, Producer, type ProducerOptions, type RedisClient } from '@sluice/core';
import {
  fieldsToObject,
  openConnection,
  parseRangeReply,
  parseReadReply,
  readGroupCommand,
  type StreamKeys,
  streamKeys,
} from '@sluice/core/plugin';
import { useRedis } from './use-redis.js';

export interface Closable {
  close(): Promise<void>;
}

export interface Harness {
  url: string;
  prefix: string;
  /** A raw client for setting up and checking Redis state. */
  redis: RedisClient;
  /** Keys of the harness stream (`jobs` unless told otherwise). */
  keys: StreamKeys;
  producer(opts?: Partial<ProducerOptions>): Producer;
  /** A consumer of the harness stream, group `g`, from the start of the stream, errors swallowed. */
  consumer<T = unknown>(opts: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'handler'>): Consumer<T>;
  /** Entries of a stream-like key, fields as an object. */
  range(key: string): Promise<Array<{ id: string; f: Record<string, string> }>>;
  /**
   * `count` task entries added to the harness stream, group `g` created at '0', and all of them
   * read by `consumer` (pending on it): their ids.
   */
  deliver(count: number, consumer?: string): Promise<string[]>;
  /** XPENDING summary count of a group of the harness stream. */
  pending(group?: string): Promise<number>;
  /** Another raw client, closed with the harness. */
  client(): Promise<RedisClient>;
  /** Close this with the harness. */
  track<T extends Closable>(closable: T): T;
  close(): Promise<void>;
}

export async function harness(label?: string, stream = 'jobs'): Promise<Harness> {
  const { url, prefix } = useRedis(label);
  const { client: redis } = await openConnection({ url }, () => {});
  const keys = streamKeys(stream, prefix);
  const open: Closable[] = [];
  const clients: RedisClient[] = [redis];
  const track = <T extends Closable>(c: T): T => {
    open.push(c);
    return c;
  };
  return {
    url,
    prefix,
    redis,
    keys,
    track,
    producer: (opts = {}) => track(new Producer({ url, prefix, ...opts })),
    consumer<T>(opts: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'handler'>) {
      const c = new Consumer<T>({ url, prefix, stream, group: 'g', startId: '0', blockMs: 100, ...opts });
      c.on('error', () => {});
      return track(c);
    },
    async range(key) {
      const rows = parseRangeReply(await redis.sendCommand(['XRANGE', key, '-', '+']));
      return rows.map(({ id, fields }) => ({ id, f: fieldsToObject(fields ?? []) }));
    },
    async deliver(count, consumer = 'me') {
      for (let i = 0; i < count; i++) await redis.sendCommand(['XADD', keys.stream, '*', 'v', '1', 'data', String(i)]);
      await redis.sendCommand(['XGROUP', 'CREATE', keys.stream, 'g', '0']);
      const reply = await redis.sendCommand(readGroupCommand('g', consumer, keys.stream, count));
      return parseReadReply(reply as never).map((e) => e.id);
    },
    async pending(group = 'g') {
      const reply = await redis.sendCommand<[number]>(['XPENDING', keys.stream, group]);
      return Number(reply[0]);
    },
    async client() {
      const { client } = await openConnection({ url }, () => {});
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(
        open.splice(0).map((c) => (c as { close(o?: unknown): Promise<void> }).close({ timeoutMs: 2000 })),
      );
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    },
  };
}
