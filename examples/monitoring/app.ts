// A worker and a publisher with metrics, results and trace propagation, for the dashboard.
// Run: docker compose up -d && REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/monitoring/app.ts
// Then Grafana: http://127.0.0.1:3000 (dashboard "Sluice"), Prometheus: http://127.0.0.1:9090/alerts
import { recovery } from '@sluice/claim';
import { Consumer, NonRetryableError, Producer } from '@sluice/core';
import { Results, results, serveMetrics, sluiceMetrics, tracing } from '@sluice/results';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const metrics = sluiceMetrics();
const server = await serveMetrics({ metrics, port: Number(process.env.METRICS_PORT ?? 9464) });
console.log(`metrics on ${server.url}/metrics, health on ${server.url}/healthz`);

// Some orders fail once (retried), a few can never succeed (dead-lettered).
const worker = new Consumer<{ orderId: number }, { charged: boolean }>({
  url,
  stream: 'orders',
  group: 'billing',
  concurrency: 20,
  use: [recovery({ attempts: 3, backoffBaseMs: 200 }), results(), metrics, tracing()],
  handler: async ({ orderId }, ctx) => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    if (orderId % 97 === 0) throw new NonRetryableError(`order ${orderId}: card declined`);
    if (orderId % 13 === 0 && ctx.attempt === 1) throw new Error(`order ${orderId}: payment gateway timeout`);
    return { charged: true };
  },
});
worker.on('error', (err) => console.error('redis trouble (reconnecting):', err.message));
await worker.start();

const producer = new Producer({ url, use: [metrics, tracing()] });
let n = 0;
const timer = setInterval(() => {
  for (let i = 0; i < 20; i++) void producer.publish('orders', { orderId: ++n });
}, 100);

// Outcomes as they happen, from the result stream.
const reader = new Results({ url, stream: 'orders' });
void (async () => {
  for await (const r of reader) if (r.status === 'dead') console.log(`dead: ${r.origin} (${r.error})`);
})();

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, async () => {
    clearInterval(timer);
    await producer.close();
    await worker.close({ timeoutMs: 10_000 });
    await reader.close();
    await server.close();
    process.exit(0);
  });
}
