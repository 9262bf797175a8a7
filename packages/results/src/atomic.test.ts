// The result entry and the XACK are one script call: kill the consumer's connections again and
// again (also right between a handler's end and its settle) and check, in atomic snapshots,
// that no entry is ever acked without its result.
import type { RedisClient } from '@sluice/core';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { results } from './plugin.js';
import { type Harness, harness, sleep, until } from './test-util/harness.js';

type Raw = ReturnType<typeof createClient>;

interface Snapshot {
  acked: string[];
  withoutResult: string[];
  results: Map<string, number>;
  pending: number;
}

/** One MULTI: the group's position, its PEL, the stream and the results, all at one instant. */
async function snapshot(checker: Raw, h: Harness): Promise<Snapshot> {
  const [groups, pel, stream, res] = (await checker
    .multi()
    .addCommand(['XINFO', 'GROUPS', h.keys.stream])
    .addCommand(['XPENDING', h.keys.stream, 'g', '-', '+', '100000'])
    .addCommand(['XRANGE', h.keys.stream, '-', '+'])
    .addCommand(['XRANGE', h.keys.results, '-', '+'])
    .exec()) as unknown as [unknown[][], Array<[string]>, Array<[string]>, Array<[string, string[]]>];
  const g = groups.map((x) => x.map(String)).find((x) => x[x.indexOf('name') + 1] === 'g') ?? [];
  const last = g[g.indexOf('last-delivered-id') + 1] ?? '0-0';
  const [lm, ls] = last.split('-').map(Number) as [number, number];
  const pendingIds = new Set(pel.map(([id]) => id));
  const counts = new Map<string, number>();
  for (const [, f] of res) {
    const id = f[f.indexOf('id') + 1] as string;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const acked = stream
    .map(([id]) => id)
    .filter((id) => {
      const [m, s] = id.split('-').map(Number) as [number, number];
      return (m < lm || (m === lm && s <= ls)) && !pendingIds.has(id);
    });
  return { acked, withoutResult: acked.filter((id) => !counts.has(id)), results: counts, pending: pendingIds.size };
}

/** Kill every server connection carrying `name`; returns how many. */
async function killAll(admin: RedisClient, name: string): Promise<number> {
  const list = await admin.sendCommand<string>(['CLIENT', 'LIST']);
  const ids = list
    .split('\n')
    .filter((l) => l.includes(` name=${name} `))
    .map((l) => /\bid=(\d+)/.exec(l)?.[1] as string);
  for (const id of ids) await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]).catch(() => {});
  return ids.length;
}

describe('result entries and acks', () => {
  let h: Harness;
  let checker: Raw;
  beforeEach(async () => {
    h = await harness('atomic');
    checker = createClient({ url: h.url });
    await checker.connect();
  });
  afterEach(async () => {
    await checker.close();
    await h.close();
  });

  it('never shows an acked entry without its result entry, while connections are killed', async () => {
    const total = 1500;
    const name = `victim-${h.prefix.replace(/[^\w-]/g, '_')}`;
    const client = createClient({ url: h.url, name, socket: { reconnectStrategy: () => 5 } }) as unknown as RedisClient;
    client.on('error', () => {});
    await client.connect();
    let kills = 0;
    let errors = 0;
    const c = h.consumer<number>({
      client,
      url: undefined,
      concurrency: 20,
      use: [results()],
      handler: async (n) => {
        await sleep(n % 3);
        // Every 50th entry: the connection dies right as its handler ends, before the settle.
        if (n % 50 === 0) kills += await killAll(h.redis, name);
        return n;
      },
    });
    c.on('error', () => errors++);
    await c.start();

    let running = true;
    const violations: string[] = [];
    let snapshots = 0;
    const checking = (async () => {
      while (running) {
        const s = await snapshot(checker, h);
        violations.push(...s.withoutResult);
        snapshots++;
        await sleep(5);
      }
    })();
    const killing = (async () => {
      while (running) {
        await sleep(20 + Math.floor(Math.random() * 30));
        kills += await killAll(h.redis, name);
      }
    })();

    const p = h.producer();
    for (let i = 0; i < total; i += 100) {
      await p.publishMany(
        'jobs',
        Array.from({ length: 100 }, (_, n) => i + n),
      );
      await sleep(20);
    }
    await until(async () => (await snapshot(checker, h)).acked.length === total, 40_000, 'every entry acked');
    running = false;
    await Promise.all([checking, killing]);

    const end = await snapshot(checker, h);
    expect(violations).toEqual([]);
    expect(snapshots).toBeGreaterThan(10);
    expect(kills).toBeGreaterThan(5);
    expect(errors).toBeGreaterThan(0);
    expect(end.pending).toBe(0);
    // Exactly one result per entry: a settle retried after a lost reply is fenced, not doubled.
    expect(end.results.size).toBe(total);
    expect([...end.results.values()].every((n) => n === 1)).toBe(true);

    // The check itself can fail: an entry acked behind the consumer's back has no result.
    await c.close();
    const extra = await p.publish('jobs', -1);
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'ghost', 'COUNT', '1', 'STREAMS', h.keys.stream, '>']);
    await h.redis.sendCommand(['XACK', h.keys.stream, 'g', extra]);
    expect((await snapshot(checker, h)).withoutResult).toEqual([extra]);
    await client.close();
  });
});
