// One Sluice scenario alone, profiled over its last run's timed part only (not the fill):
//   node bench/dist/profile.js publish|many|consume|result [entries] [runs] [--heap]
// writes bench/prof/<scenario>-<time>.cpuprofile (or .heapprofile with --heap; both open in
// Chrome DevTools), then `node bench/dist/top.js bench/prof/<file>` lists where it went.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { sluiceConsume, type TimedHooks } from './consume.js';
import { openEnv } from './env.js';
import { makePayloads } from './payload.js';
import { sluicePublish, sluicePublishMany } from './produce.js';

const heap = process.argv.includes('--heap');
const [scenario = 'publish', entriesText, runsText] = process.argv.slice(2).filter((a) => a !== '--heap');
const entries = Number(entriesText ?? 200_000);
const runs = Number(runsText ?? 3);
const dir = fileURLToPath(new URL('../prof', import.meta.url));
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
// --heap samples allocations (including objects already collected) instead of CPU time.
const hooks: TimedHooks = {
  started: async () => {
    if (heap) {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
    } else await session.post('Profiler.start');
  },
  stopped: async () => {
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/${scenario}-${Date.now()}.${heap ? 'heapprofile' : 'cpuprofile'}`;
    if (heap) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
    } else {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
    }
    process.stderr.write(`wrote ${file}\n`);
  },
};

const env = await openEnv();
const payloads = makePayloads(entries, 100);
try {
  for (let run = 0; run < runs; run++) {
    // Profile the last run only: the first ones warm up the JIT.
    const h = run === runs - 1 ? hooks : {};
    let rate: number;
    if (scenario === 'publish') rate = await sluicePublish(env, payloads, 1000, h);
    else if (scenario === 'many') rate = await sluicePublishMany(env, payloads, 1000, h);
    else if (scenario === 'consume') rate = await sluiceConsume(env, payloads, false, h);
    else if (scenario === 'result') rate = await sluiceConsume(env, payloads, true, h);
    else throw new Error(`unknown scenario ${scenario} (publish | many | consume | result)`);
    process.stderr.write(`${scenario}: ${rate.toLocaleString('en-US')} entries/s\n`);
  }
} finally {
  await env.close();
  session.disconnect();
}
