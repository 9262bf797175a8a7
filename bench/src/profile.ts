// One Sluice scenario alone, for `node --cpu-prof`: `node --cpu-prof --cpu-prof-dir=prof
// bench/dist/profile.js publish|many|consume|result [entries]`, then
// `node bench/dist/top.js prof/*.cpuprofile` lists where the time went.
import { openEnv } from './env.js';
import { makePayloads } from './payload.js';
import { sluiceConsume } from './consume.js';
import { sluicePublish, sluicePublishMany } from './produce.js';

const scenario = process.argv[2] ?? 'publish';
const entries = Number(process.argv[3] ?? 200_000);
const env = await openEnv();
const payloads = makePayloads(entries, 100);
try {
  for (let run = 0; run < 3; run++) {
    let rate: number;
    if (scenario === 'publish') rate = await sluicePublish(env, payloads, 1000);
    else if (scenario === 'many') rate = await sluicePublishMany(env, payloads, 1000);
    else if (scenario === 'consume') rate = await sluiceConsume(env, payloads, false);
    else if (scenario === 'result') rate = await sluiceConsume(env, payloads, true);
    else throw new Error(`unknown scenario ${scenario} (publish | many | consume | result)`);
    process.stderr.write(`${scenario}: ${rate.toLocaleString('en-US')} entries/s\n`);
  }
} finally {
  await env.close();
}
