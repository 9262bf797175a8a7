// `sluice demo`: publish a few thousand tasks, run three consumers in one group, show the split.
import { Consumer, closeQuietly, openConnection, Producer, streamKeys } from '@sluice/core';
import { startRedis } from '@sluice/testing';
import { formatRate, progressLine } from './format.js';

export interface DemoOptions {
  /** Redis URL; unset → a spawned local redis-server (the embedded default). */
  url?: string | undefined;
  tasks: number;
  consumers: number;
  out?: NodeJS.WriteStream;
}

export interface DemoSummary {
  published: number;
  processed: number;
  perConsumer: Record<string, number>;
  seconds: number;
  entriesPerSecond: number;
  pending: number;
}

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const out = opts.out ?? process.stdout;
  const server = opts.url ? undefined : await startRedis({ fresh: true });
  const url = opts.url ?? (server?.url as string);
  const prefix = `demo-${Date.now().toString(36)}`;
  out.write(
    server
      ? `sluice demo: started a local redis-server on ${url} (set REDIS_URL to use yours)\n`
      : `sluice demo: using ${url}\n`,
  );

  const perConsumer: Record<string, number> = {};
  let processed = 0;
  const consumers = Array.from({ length: opts.consumers }, (_, i) => {
    const name = `worker-${i + 1}`;
    perConsumer[name] = 0;
    return new Consumer<{ n: number; at: number }>({
      url,
      prefix,
      stream: 'demo',
      group: 'workers',
      consumer: name,
      startId: '0',
      concurrency: 20,
      handler: async (task) => {
        // Pretend to work for a moment so the three workers share the load.
        await new Promise((resolve) => setTimeout(resolve, task.n % 3));
        perConsumer[name] = (perConsumer[name] ?? 0) + 1;
        processed++;
        return { doubled: task.n * 2 };
      },
    });
  });
  await Promise.all(consumers.map((c) => c.start()));

  const producer = new Producer({ url, prefix });
  const started = performance.now();
  let published = 0;
  const tty = Boolean(out.isTTY);
  let lastLine = 0;
  const report = (final = false) => {
    const line = progressLine(published, processed, opts.tasks, perConsumer, (performance.now() - started) / 1000);
    if (tty) out.write(`\r${line}${final ? '\n' : ''}`);
    else if (final || Date.now() - lastLine > 500) {
      out.write(`${line}\n`);
      lastLine = Date.now();
    }
  };
  const ticker = setInterval(report, 100);
  for (let i = 0; i < opts.tasks; i += 500) {
    const n = Math.min(500, opts.tasks - i);
    await Promise.all(Array.from({ length: n }, (_, k) => producer.publish('demo', { n: i + k, at: Date.now() })));
    published += n;
  }
  while (processed < opts.tasks) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(ticker);
  report(true);
  await Promise.all(consumers.map((c) => c.close()));
  await producer.close();
  const { client } = await openConnection({ url }, () => {});
  const pending = Number(
    (await client.sendCommand<[number]>(['XPENDING', streamKeys('demo', prefix).stream, 'workers']))[0],
  );
  await closeQuietly(client);
  await server?.stop();

  const summary: DemoSummary = {
    published,
    processed,
    perConsumer,
    seconds,
    entriesPerSecond: processed / seconds,
    pending,
  };
  out.write(
    [
      '',
      'summary',
      `  published     ${published}`,
      `  processed     ${processed}`,
      `  still pending ${pending}`,
      ...Object.entries(perConsumer).map(
        ([name, n]) =>
          `  ${name.padEnd(13)} ${String(n).padStart(6)}  (${((100 * n) / Math.max(1, processed)).toFixed(1)}%)`,
      ),
      `  elapsed       ${seconds.toFixed(2)} s`,
      `  throughput    ${formatRate(summary.entriesPerSecond)} entries/s (publish → handled → acked, 3 consumers, one process)`,
      '',
    ].join('\n'),
  );
  return summary;
}
