// The memory row (--big): RSS of a consumer process draining a large backlog. The consumer
// runs in its own process so nothing else (BullMQ, payload arrays) shows in its RSS; its Node
// CPU is that process's, reported by it.
import { streamKeys } from '@sluice/core/plugin';
import { fillStream, loadCeilingScripts } from './ceiling.js';
import { runWorker } from './child.js';
import { startClock } from './clock.js';
import { rawClient } from './env.js';
import { makePayloads } from './payload.js';
import type { RowContext } from './row.js';
import type { MemoryResult, Sample } from './sample.js';

export async function memoryRow({ env, opts, hooks }: RowContext): Promise<Sample> {
  const count = opts.bigEntries;
  const payloadBytes = opts.payloadBytes;
  const prefix = env.prefix('mem');
  const key = streamKeys('bench', prefix).stream;
  const client = await rawClient(env.url);
  await loadCeilingScripts(client);
  for (let start = 0; start < count; start += 100_000) {
    const chunk = makePayloads(Math.min(100_000, count - start), payloadBytes);
    for (let i = 0; i < chunk.length; i++) (chunk[i] as { n: number }).n = start + i;
    await fillStream(client, key, chunk);
  }
  await client.close();
  const clock = await startClock(env.nodes, hooks);
  const r = await runWorker<
    Omit<MemoryResult, 'growthMb' | 'lateGrowthMb' | 'entriesPerSec'> & { ms: number; cpuUs: number }
  >('memory-worker', [env.url, prefix, 'bench', String(count)]);
  const sample = await clock.stop(count);
  await env.cleanup(prefix);
  // The child's own figures: its drain time and CPU, without process start-up.
  const memory: MemoryResult = {
    rssBeforeMb: r.rssBeforeMb,
    rssAfterMb: r.rssAfterMb,
    rssPeakMb: r.rssPeakMb,
    growthMb: Math.round((r.rssAfterMb - r.rssBeforeMb) * 10) / 10,
    tenths: r.tenths,
    lateGrowthMb: Math.round((r.rssAfterMb - (r.tenths[0] ?? r.rssBeforeMb)) * 10) / 10,
    entriesPerSec: Math.round((count * 1000) / r.ms),
    count,
  };
  return { ...sample, ms: r.ms, nodeUs: r.cpuUs, memory };
}
