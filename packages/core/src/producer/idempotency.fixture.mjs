// A producer process for idempotency.test.ts: publishes `count` tasks whose idempotency
// keys cycle over `keys` distinct values, all at once, and prints [key, id] pairs as JSON.
import { Producer } from '@sluice/core';

const { url, prefix, stream, count, keys, offset } = JSON.parse(process.argv[2]);
const producer = new Producer({ url, prefix });
const calls = Array.from({ length: count }, (_, i) => {
  const key = `k${(i + offset) % keys}`;
  return producer.publish(stream, { i, offset }, { idempotencyKey: key }).then((id) => [key, id]);
});
const pairs = await Promise.all(calls);
await producer.close();
process.stdout.write(JSON.stringify(pairs));
