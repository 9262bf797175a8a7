// One variant of one row alone, profiled over its last run's timed part only (not the fill):
//   node bench/dist/profile.js <row>.<system> [entries] [runs] [--heap]
// e.g. result.sluice, consume.ceiling, plugins.sluice; the old names publish | many | consume |
// result still work. Writes bench/prof/<variant>-<time>.cpuprofile (or .heapprofile with
// --heap; both open in Chrome DevTools), then `node bench/dist/top.js bench/prof/<file>` lists
// where it went. Prints each run's Redis and Node CPU per entry and, for the last run, Redis
// time per entry by command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import type { TimedHooks } from './clock.js';
import { openEnv } from './env.js';
import { parseArgs } from './options.js';
import { makePayloads } from './payload.js';
import { ROWS } from './registry.js';

const ALIASES: Record<string, string> = {
  publish: 'produce.sluice',
  many: 'produce.sluiceMany',
  consume: 'consume.sluice',
  result: 'result.sluice',
};
const heap = process.argv.includes('--heap');
const [given = 'publish', entriesText, runsText] = process.argv.slice(2).filter((a) => a !== '--heap');
const name = ALIASES[given] ?? given;
const [rowName, system] = name.split('.');
const row = ROWS.find((r) => r.name === rowName);
const variant = row?.variants.find((v) => v.system === system);
if (!variant) {
  const all = ROWS.flatMap((r) => r.variants.map((v) => `${r.name}.${v.system}`));
  console.error(`unknown variant ${given}: one of ${all.join(', ')} (or ${Object.keys(ALIASES).join(', ')})`);
  process.exit(2);
}
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
    const file = `${dir}/${name}-${Date.now()}.${heap ? 'heapprofile' : 'cpuprofile'}`;
    const { profile } = heap ? await session.post('HeapProfiler.stopSampling') : await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`wrote ${file}\n`);
  },
};

const opts = { ...parseArgs([], ROWS), entries };
const env = await openEnv();
const data = makePayloads(entries, opts.payloadBytes);
try {
  for (let run = 0; run < runs; run++) {
    // Profile the last run only: the first ones warm up the JIT.
    const last = run === runs - 1;
    const s = await variant.run({ env, opts, data, ...(last ? { hooks } : {}) });
    const rate = Math.round((s.entries * 1000) / s.ms).toLocaleString('en-US');
    const perEntry = (us: number) => (us / s.entries).toFixed(2);
    process.stderr.write(
      `${name}: ${rate} entries/s · Redis ${perEntry(s.redisUs)} µs · Node ${perEntry(s.nodeUs)} µs per entry\n`,
    );
    if (last) {
      for (const [cmd, c] of Object.entries(s.commands).sort((a, b) => b[1].usec - a[1].usec)) {
        process.stderr.write(
          `  ${cmd.padEnd(16)} ${perEntry(c.usec).padStart(6)} µs/entry  ${(c.calls / s.entries).toFixed(4)} calls/entry\n`,
        );
      }
    }
  }
} finally {
  await env.close();
  session.disconnect();
}
