// Row 5, memory (--big): RSS of a consumer process draining a large backlog. The consumer
// runs in its own process so nothing else (BullMQ, payload arrays) shows in its RSS.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { streamKeys } from '@sluice/core';
import { fillStream, loadCeilingScripts } from './ceiling.js';
import { type BenchEnv, rawClient } from './env.js';
import { makePayloads } from './payload.js';

export interface MemoryResult {
  rssBeforeMb: number;
  rssAfterMb: number;
  rssPeakMb: number;
  growthMb: number;
  /** RSS at each tenth of the backlog drained. */
  tenths: number[];
  /** Growth from the first tenth drained to the end: flat means nothing piles up per entry. */
  lateGrowthMb: number;
  entriesPerSec: number;
  count: number;
}

export async function memoryRow(env: BenchEnv, count: number, payloadBytes: number): Promise<MemoryResult> {
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
  // Compiled (dist/*.js) or run from source under tsx (src/*.ts).
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = fileURLToPath(new URL(fromSource ? './memory-worker.ts' : './memory-worker.js', import.meta.url));
  const args = [...(fromSource ? ['--import', 'tsx'] : []), worker, env.url, prefix, 'bench', String(count)];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`memory worker exited with ${code}`))));
  });
  await env.cleanup(prefix);
  const r = JSON.parse(out.trim().split('\n').pop() as string) as Omit<
    MemoryResult,
    'growthMb' | 'lateGrowthMb' | 'entriesPerSec'
  > & { ms: number };
  return {
    rssBeforeMb: r.rssBeforeMb,
    rssAfterMb: r.rssAfterMb,
    rssPeakMb: r.rssPeakMb,
    growthMb: Math.round((r.rssAfterMb - r.rssBeforeMb) * 10) / 10,
    tenths: r.tenths,
    lateGrowthMb: Math.round((r.rssAfterMb - (r.tenths[0] ?? r.rssBeforeMb)) * 10) / 10,
    entriesPerSec: Math.round((count * 1000) / r.ms),
    count,
  };
}
