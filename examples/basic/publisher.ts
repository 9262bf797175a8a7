// A publisher service: publishes an order every few ms; Ctrl-C flushes and exits.
// Run: REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/basic/publisher.ts
import { Producer } from '@sluice/core';

const producer = new Producer({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
let n = 0;
const timer = setInterval(async () => {
  // A burst of publishes in one tick: one round trip.
  const ids = await Promise.all(
    Array.from({ length: 10 }, () =>
      producer.publish('orders', { orderId: ++n, total: n * 1.5 }, { key: `customer-${n % 7}` }),
    ),
  );
  console.log(`published ${ids.length}, last ${ids.at(-1)}`);
}, 200);

process.once('SIGINT', async () => {
  clearInterval(timer);
  await producer.close();
  process.exit(0);
});
