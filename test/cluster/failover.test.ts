// kill -9 the master of a stream while a producer (durability: 'replicated') and a consumer
// run: its replica takes over, both clients follow the new topology, every publish that
// resolved is processed, and every publish settles (resolved, or rejected with an error).
import { Consumer, Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { randomPrefix, sleep, startCluster, type TestCluster, until } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUrl, masterOf } from './cluster-url.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
});
afterAll(() => cluster?.stop());

describe('failover', () => {
  it('loses no resolved publish and hangs nowhere when a master is killed', async () => {
    const prefix = randomPrefix('failover');
    const url = clusterUrl(cluster, '?commandTimeoutMs=1000');
    const producer = new Producer({ url, prefix, durability: 'replicated', publishTimeoutMs: 3000 });
    producer.on('error', () => {});
    const handled = new Set<number>();
    const consumer = new Consumer<{ n: number }>({
      url,
      prefix,
      stream: 'orders',
      group: 'g',
      startId: '0',
      blockMs: 200,
      handler: (job) => void handled.add(job.n),
    });
    consumer.on('error', () => {});
    await consumer.start();

    const resolved: Array<{ n: number; at: number; started: number }> = [];
    const rejected: Array<{ n: number; at: number; err: string }> = [];
    let outstanding = 0;
    let n = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const mine = n++;
        const started = Date.now();
        outstanding++;
        producer
          .publish('orders', { n: mine })
          .then(
            () => resolved.push({ n: mine, at: Date.now(), started }),
            (err: Error) => rejected.push({ n: mine, at: Date.now(), err: `${err.name}: ${err.message}` }),
          )
          .finally(() => outstanding--);
        await sleep(5);
      }
    })();

    await until(() => resolved.length >= 100, 20_000, 'publishes before the kill');
    const victim = masterOf(cluster, streamKeys('orders', prefix).stream);
    const killedAt = Date.now();
    await cluster.killNode(victim);
    const promoted = await cluster.waitForFailover(victim);
    const electedAt = Date.now();
    expect(promoted.port).not.toBe(victim);
    // The promoted master has no replica until the killed node rejoins as one: until then a
    // replicated publish is written but rejects (ReplicationError), never resolves unreplicated.
    await cluster.restartNode(victim);
    // Publishing resumes on the promoted replica.
    await until(() => resolved.some((r) => r.at > electedAt), 30_000, 'a publish after the failover');
    const resumedAt = Math.min(...resolved.filter((r) => r.started > killedAt).map((r) => r.at));
    await until(() => resolved.filter((r) => r.at > electedAt).length >= 100, 30_000, 'publishes after the failover');
    stop = true;
    await loop;
    await until(() => outstanding === 0, 30_000, 'every publish settled');
    // Every resolved publish reaches the handler (replicated before it resolved).
    await until(() => resolved.every((r) => handled.has(r.n)), 30_000, 'every resolved publish handled');
    for (const r of rejected)
      expect(r.err).toMatch(/Timeout|Replication|closed|ECONN|CLUSTERDOWN|TRYAGAIN|MOVED|Socket|Disconnect/i);
    console.log(
      `failover: election ${electedAt - killedAt} ms, first publish sent after the kill resolved ${resumedAt - killedAt} ms after it (replica rejoined); ` +
        `${resolved.length} resolved, ${rejected.length} rejected, all ${resolved.length} resolved handled`,
    );
    await consumer.close({ timeoutMs: 5000 });
    await producer.close();
  });
});
