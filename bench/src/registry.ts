// Every row of `npm run bench`, in the order they run and print. Adding a row is one entry
// here plus its variant functions in a file of their own (see bench/README.md).
import {
  bullmqConsume,
  ceilingConsumeAck,
  ceilingConsumeResult,
  sluiceConsumeAck,
  sluiceConsumeResult,
} from './consume.js';
import { sluiceCostConsume, sluiceFairConsume, sluiceFairPublish, sluiceKeyConcurrencyConsume } from './fair.js';
import { sluiceKeyedConsume, sluiceShardedConsume } from './keyed.js';
import { latencyInChild } from './latency.js';
import { memoryRow } from './memory.js';
import {
  bullmqOrderedAdd,
  bullmqOrderedConsume,
  sluiceLimitedConsume,
  sluiceOrderedConsume,
  sluiceOrderedPublish,
} from './ordered.js';
import { sluiceBare, sluiceWithPlugins } from './plugins.js';
import { bullmqAddBulk, ceilingPublish, sluicePublish, sluicePublishMany } from './produce.js';
import { sluiceResourcesBoundConsume, sluiceResourcesConsume } from './resources.js';
import type { RowContext, RowSpec } from './row.js';

/** The light-load latency row's rate. */
export const LIGHT_RATE = 200;

// --quick keeps the smoke short: a shorter warm-up second and light stretch.
const heavy = (ctx: RowContext) => ({
  rate: ctx.opts.rate,
  durationMs: ctx.opts.latencyMs,
  warmupMs: ctx.opts.quick ? 200 : 1000,
});
const light = (ctx: RowContext) => ({
  rate: LIGHT_RATE,
  durationMs: ctx.opts.quick ? 300 : 3000,
  warmupMs: ctx.opts.quick ? 200 : 1000,
});

export const ROWS: readonly RowSpec[] = [
  {
    name: 'produce',
    title: 'produce',
    variants: [
      { system: 'ceiling', label: 'EVALSHA of 500 XADDs', run: ceilingPublish },
      { system: 'sluice', label: 'publish() per call', run: sluicePublish },
      { system: 'sluiceMany', label: 'publishMany()', run: sluicePublishMany },
      { system: 'bullmq', label: 'addBulk()', run: bullmqAddBulk },
    ],
    ratios: [
      { label: 'publish() per call / ceiling', of: 'sluice', to: 'ceiling', target: { min: 0.85 } },
      { label: 'publish() per call / BullMQ', of: 'sluice', to: 'bullmq' },
      { label: 'publishMany() / ceiling', of: 'sluiceMany', to: 'ceiling' },
    ],
  },
  {
    name: 'consume',
    title: 'consume+ack',
    variants: [
      { system: 'ceiling', label: 'XREADGROUP 500 + EVALSHA XACK', run: ceilingConsumeAck },
      { system: 'sluice', label: 'Consumer', run: sluiceConsumeAck },
      { system: 'bullmq', label: 'Worker', run: bullmqConsume },
    ],
    ratios: [
      { label: 'consume+ack / ceiling', of: 'sluice', to: 'ceiling', target: { min: 0.8 } },
      { label: 'consume+ack / BullMQ', of: 'sluice', to: 'bullmq' },
    ],
  },
  {
    name: 'result',
    title: 'consume+ack+result',
    variants: [
      { system: 'ceiling', label: '… + XADD result per entry', run: ceilingConsumeResult },
      { system: 'sluice', label: 'Consumer + results()', run: sluiceConsumeResult },
    ],
    ratios: [
      {
        label: 'consume+ack+result / ceiling',
        of: 'sluice',
        to: 'ceiling',
        target: { min: 0.9, redisMax: 1.2 },
      },
      // BullMQ keeps the return value with the job anyway: its consume row is the comparison.
      { label: 'consume+ack+result / BullMQ consume', of: 'sluice', to: 'consume.bullmq' },
    ],
  },
  {
    name: 'ordered',
    title: 'priority publish / consume+ack',
    variants: [
      { system: 'sluicePub', label: 'publish({ priority }) per call', run: sluiceOrderedPublish },
      { system: 'sluice', label: 'Consumer { ordering } (strict)', run: sluiceOrderedConsume },
      { system: 'bullmqAdd', label: 'addBulk({ priority })', run: bullmqOrderedAdd },
      { system: 'bullmq', label: 'Worker on prioritized jobs', run: bullmqOrderedConsume },
    ],
    ratios: [
      { label: 'ordered publish / FIFO publish', of: 'sluicePub', to: 'produce.sluice', target: { min: 0.8 } },
      { label: 'ordered consume / FIFO consume', of: 'sluice', to: 'consume.sluice', target: { min: 0.7 } },
      { label: 'ordered publish / BullMQ prioritized add', of: 'sluicePub', to: 'bullmqAdd' },
      { label: 'ordered consume / BullMQ prioritized', of: 'sluice', to: 'bullmq', target: { min: 5 } },
    ],
  },
  {
    name: 'fair',
    title: 'fair by key (1,000 keys) publish / consume+ack',
    variants: [
      { system: 'sluicePub', label: "publish({ key, fairness: 'key' })", run: sluiceFairPublish },
      { system: 'sluice', label: "Consumer { ordering: { fairness: 'key' } }", run: sluiceFairConsume },
      { system: 'keyConc', label: '… + keyConcurrency: 4', run: sluiceKeyConcurrencyConsume },
      { system: 'cost', label: "… + fairShare: 'cost'", run: sluiceCostConsume },
    ],
    ratios: [
      { label: 'fair publish / FIFO publish', of: 'sluicePub', to: 'produce.sluice' },
      { label: 'fair consume / FIFO consume', of: 'sluice', to: 'consume.sluice', target: { min: 0.6 } },
      { label: 'keyConcurrency 4 / fair consume', of: 'keyConc', to: 'sluice' },
      { label: 'fair by cost / fair consume', of: 'cost', to: 'sluice' },
    ],
  },
  {
    name: 'limited',
    title: 'rate-limited consume+ack (limit far above the rate)',
    variants: [{ system: 'sluice', label: 'Consumer { ordering: { rateLimit } }', run: sluiceLimitedConsume }],
    ratios: [
      { label: 'limited consume / ordered consume', of: 'sluice', to: 'ordered.sluice' },
      { label: 'limited consume / FIFO consume', of: 'sluice', to: 'consume.sluice' },
    ],
  },
  {
    name: 'resources',
    title: 'consume+ack of tasks with requires (3 shapes, priorities)',
    byDefault: false,
    variants: [
      { system: 'sluice', label: 'Consumer { capacity } that never binds', run: sluiceResourcesConsume },
      { system: 'bound', label: 'Consumer { capacity: { cpu: 40 } } (binds)', run: sluiceResourcesBoundConsume },
    ],
    ratios: [
      { label: 'resources consume / ordered consume', of: 'sluice', to: 'ordered.sluice' },
      { label: 'resources consume / FIFO consume', of: 'sluice', to: 'consume.sluice' },
      { label: 'bound / unbound resources consume', of: 'bound', to: 'sluice' },
    ],
  },
  {
    name: 'keyed',
    title: 'sharded consume+ack (8 shards, 200 keys), per-key ordered or not',
    byDefault: false,
    variants: [
      { system: 'sluice', label: 'ShardedConsumer', run: sluiceShardedConsume },
      { system: 'ordered', label: 'ShardedConsumer { ordered: true }', run: sluiceKeyedConsume },
    ],
    ratios: [
      { label: 'ordered sharded / sharded consume', of: 'ordered', to: 'sluice' },
      { label: 'sharded consume / FIFO consume', of: 'sluice', to: 'consume.sluice' },
    ],
  },
  {
    name: 'plugins',
    title: 'consume+ack+result, all plugins',
    variants: [
      { system: 'sluice', label: 'recovery() + results() + sluiceMetrics()', run: sluiceWithPlugins },
      { system: 'bare', label: 'Consumer, no plugins', run: sluiceBare },
    ],
    ratios: [
      { label: 'plugins / bare consumer', of: 'sluice', to: 'bare', target: { min: 0.8 } },
      // What recovery() and sluiceMetrics() add on top of results() alone.
      { label: 'plugins / results() only', of: 'sluice', to: 'result.sluice' },
    ],
  },
  {
    name: 'latency',
    title: 'latency',
    warm: false,
    variants: [
      { system: 'sluice', label: '3 Consumers', run: (ctx) => latencyInChild(ctx, 'sluice', heavy(ctx)) },
      { system: 'raw', label: 'XADD; XREADGROUP + XACK', run: (ctx) => latencyInChild(ctx, 'raw', heavy(ctx)) },
    ],
    ratios: [{ label: 'p99 publish→settled / raw', of: 'sluice', to: 'raw', metric: 'p99', target: { max: 1.3 } }],
  },
  {
    name: 'light',
    title: 'latency, light load',
    once: true,
    warm: false,
    variants: [
      { system: 'sluice', label: '3 Consumers', run: (ctx) => latencyInChild(ctx, 'sluice', light(ctx)) },
      { system: 'raw', label: 'XADD; XREADGROUP + XACK', run: (ctx) => latencyInChild(ctx, 'raw', light(ctx)) },
    ],
    ratios: [{ label: 'light p99 publish→settled / raw', of: 'sluice', to: 'raw', metric: 'p99' }],
  },
  {
    name: 'memory',
    title: 'memory',
    once: true,
    warm: false,
    byDefault: false,
    variants: [{ system: 'sluice', label: 'Consumer in its own process', run: memoryRow }],
    ratios: [],
  },
];
