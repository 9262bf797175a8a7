// One worker process of `sluice demo` (forked by fleet.ts): a Consumer with recovery() and
// results(), charging "orders". Some orders fail once (a gateway timeout: retried), some can
// never succeed (a declined card: dead-lettered after the last attempt). It tells its parent
// what it took over from other workers, so the demo can show a crashed worker's tasks moving.
import { recovery } from '@sluice/claim';
import { Consumer, type Logger } from '@sluice/core';
import { results } from '@sluice/results';

export interface WorkerConfig {
  url: string;
  prefix: string;
  stream: string;
  group: string;
  name: string;
  /** Handler run time is random in [workMs / 2, workMs * 1.5). */
  workMs: number;
}

export type Order = { n: number; kind: 'ok' | 'flaky' | 'declined' };

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'reclaimed'; ids: string[] }
  | { t: 'error'; message: string }
  | { t: 'log'; message: string };

/** Recovery tuned for a demo: a dead worker's tasks move after ~1.5 s instead of 30 s. */
export const DEMO_RECOVERY = { minIdleMs: 1500, claimIntervalMs: 250, attempts: 3, backoff: () => 150 } as const;

const send = (m: WorkerMessage) => process.send?.(m);

/** Warnings go to the parent, which prints them in the story (stderr stays for real failures). */
const toParent = (obj: Record<string, unknown> | string, msg?: string) =>
  send({ t: 'log', message: typeof obj === 'string' ? obj : (msg ?? JSON.stringify(obj)) });
const log: Logger = { debug: () => {}, info: () => {}, warn: toParent, error: toParent };

async function run(cfg: WorkerConfig): Promise<void> {
  const consumer = new Consumer<Order>({
    url: cfg.url,
    prefix: cfg.prefix,
    stream: cfg.stream,
    group: cfg.group,
    consumer: cfg.name,
    startId: '0',
    concurrency: 8,
    ordering: {}, // strict priority for orders published with `priority` (the demo's express orders)
    blockMs: 200,
    log,
    use: [recovery(DEMO_RECOVERY), results()],
    handler: async (order, ctx) => {
      await new Promise((r) => setTimeout(r, cfg.workMs * (0.5 + Math.random())));
      if (order.kind === 'flaky' && ctx.attempt === 1) throw new Error('payment gateway timeout');
      if (order.kind === 'declined') throw new Error(`card declined for order #${order.n}`);
      return { charged: true, order: order.n, by: cfg.name };
    },
  });
  consumer.on('reclaimed', (ids) => send({ t: 'reclaimed', ids }));
  consumer.on('error', (err) => send({ t: 'error', message: err.message }));
  await consumer.start();
  send({ t: 'ready' });
  const stop = async () => {
    setTimeout(() => process.exit(0), 3000).unref(); // Redis may be gone already: do not hang
    await consumer.close({ timeoutMs: 2000 }).catch(() => {});
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', () => {}); // Ctrl-C reaches the whole process group: the parent decides
  process.once('disconnect', stop);
}

run(JSON.parse(process.argv[2] ?? '{}') as WorkerConfig).catch((err: Error) => {
  send({ t: 'error', message: err.message });
  process.exit(1);
});
