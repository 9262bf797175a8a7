// A worker: start as many as you like; they share the `billing` group.
// Run: REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/basic/worker.ts
import { Consumer } from '@sluice/core';

interface Order {
  orderId: number;
  total: number;
}

const consumer = new Consumer<Order, { charged: number }>({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  stream: 'orders',
  group: 'billing',
  concurrency: 20,
  handler: async (order, ctx) => {
    ctx.log.info(`order ${order.orderId} (attempt ${ctx.attempt}, key ${ctx.key})`);
    return { charged: order.total };
  },
});
consumer.on('settled', (o) => console.log(`${o.entry.id} ${o.status} in ${o.durationMs.toFixed(1)} ms`));
consumer.on('error', (err) => console.error('redis trouble (reconnecting):', err.message));
await consumer.start();
console.log(`worker ${consumer.name} started`);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, async () => {
    await consumer.close({ timeoutMs: 10_000 });
    process.exit(0);
  });
}
