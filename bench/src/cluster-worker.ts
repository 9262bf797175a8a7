// Child process of `--cluster`: one ShardedConsumer (results written with the ack) over every
// shard of the logical stream, one of 1, 2 or 4 such processes in one group. Protocol on
// stdio, one line each: it prints `ready` once loaded; on `go` it starts and prints its
// running settled count after every batch of settles; on `stop` it closes and prints
// `{"settled":N,"cpuUs":N,"startMs":N}` (its CPU from `go` to `stop`, and how long start()
// took: connections, groups, first reads), then exits.
import { createInterface } from 'node:readline';
import { ShardedConsumer } from '@sluice/core';
import { results } from '@sluice/results';
import type { BenchPayload } from './payload.js';

const [url, prefix, stream, shardsText, name] = process.argv.slice(2);

const consumer = new ShardedConsumer<BenchPayload, number>({
  url: url as string,
  prefix: prefix as string,
  stream: stream as string,
  shards: Number(shardsText),
  group: 'g',
  consumer: name as string,
  startId: '0',
  concurrency: 100,
  use: () => [results()],
  handler: async (payload) => payload.n,
});

let settled = 0;
let flushing = false;
// One line per burst of settles, not per entry: the parent only needs to see the last one.
consumer.on('settled', () => {
  settled++;
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    process.stdout.write(`${settled}\n`);
  });
});
consumer.on('error', (err: Error) => process.stderr.write(`[cluster-worker ${name}] ${err.message}\n`));

let cpu: NodeJS.CpuUsage | undefined;
let stopping = false;
let startMs = 0;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'go') {
    cpu = process.cpuUsage();
    const t0 = performance.now();
    consumer.start().then(
      () => {
        startMs = performance.now() - t0;
      },
      (err: Error) => {
        process.stderr.write(`[cluster-worker ${name}] start failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  } else if (line === 'stop' && !stopping) {
    stopping = true;
    const used = process.cpuUsage(cpu);
    void consumer.close().then(() => {
      process.stdout.write(
        `${JSON.stringify({ settled, cpuUs: used.user + used.system, startMs: Math.round(startMs) })}\n`,
      );
      process.exit(0);
    });
  }
});
// The bench died (or was killed) without a `stop`: do not outlive it.
lines.on('close', () => {
  if (!stopping) process.exit(1);
});
process.stdout.write('ready\n');
