// Child process of the latency rows: one system's paced run (latency.ts) in a fresh process,
// printed as one JSON line (the Sample). Argv: url, system (sluice | raw), rate, durationMs,
// warmupMs, payloadBytes.
import { openEnv } from './env.js';
import { latencyRow, rawLatencyRow } from './latency.js';
import { parseArgs } from './options.js';
import { makePayloads } from './payload.js';

const [url, system, rate, durationMs, warmupMs, payloadBytes] = process.argv.slice(2);
const env = await openEnv(url);
try {
  const opts = parseArgs([], []);
  const ctx = { env, opts, data: makePayloads(1, Number(payloadBytes)) };
  const pace = { rate: Number(rate), durationMs: Number(durationMs), warmupMs: Number(warmupMs) };
  const sample = system === 'raw' ? await rawLatencyRow(ctx, pace) : await latencyRow(ctx, pace);
  console.log(JSON.stringify(sample));
} finally {
  await env.close();
}
