// Redis CPU per entry of reading and of settling alone, script by script, on the bench's own
// server: the ceiling's XACK scripts against core's settle script, fenced and not, at the
// read sizes Sluice and the ceiling use. No Node work is timed, so the figures are Redis's.
//   node bench/dist/settle-cost.js [entries] [batches, e.g. 200,500] [repeats]
// With repeats > 1, each line is the repeat with the median settle cost (a busy machine
// inflates single readings).
import { jsonCodec, type Outcome } from '@sluice/core';
import { roleKeys, settleArgs, settleScript, streamKeys } from '@sluice/core/plugin';
import { resultFields } from '@sluice/results';
import type { RedisClientType } from 'redis';
import { ACK_RESULT_SHA, ACK_SHA, fillStream, loadCeilingScripts } from './ceiling.js';
import { startClock } from './clock.js';
import { type BenchEnv, openEnv, rawClient, readGroupRaw } from './env.js';
import { makePayloads } from './payload.js';
import type { Sample } from './sample.js';

const GROUP = 'g';
const CONSUMER = 'c';
/** One way to settle a batch: the command for `ids`, given the settle script's KEYS. */
type Case = { name: string; call: (keys: string[], ids: string[]) => string[] };

/** Fill, read everything into this consumer's PEL in batches of `batch` (timed), then settle each batch (timed). */
async function measure(env: BenchEnv, entries: number, batch: number, c: Case): Promise<[Sample, Sample]> {
  const prefix = env.prefix('settle');
  const keys = streamKeys('bench', prefix);
  const client = (await rawClient(env.url)) as RedisClientType;
  await loadCeilingScripts(client);
  await client.sendCommand(['SCRIPT', 'LOAD', settleScript.source]);
  await fillStream(client, keys.stream, makePayloads(entries, 100));
  await client.sendCommand(['XGROUP', 'CREATE', keys.stream, GROUP, '0']);
  const batches: string[][] = [];
  const reading = await startClock(env.nodes);
  for (let n = 0; n < entries; ) {
    const got = await readGroupRaw(client, keys.stream, GROUP, CONSUMER, batch, 0);
    batches.push(got.map(([id]) => id));
    n += got.length;
  }
  const read = await reading.stop(entries);
  const settling = await startClock(env.nodes);
  const roles = roleKeys(keys);
  for (const ids of batches) await client.sendCommand(c.call(roles, ids));
  const settle = await settling.stop(entries);
  const [pending] = (await client.sendCommand(['XPENDING', keys.stream, GROUP])) as [number];
  if (Number(pending) !== 0) throw new Error(`${c.name}: ${pending} entries left pending`);
  await client.close();
  await env.cleanup(prefix);
  return [read, settle];
}

function cases(): Case[] {
  const outcome = (id: string, withResult: boolean): Outcome => {
    const o = {
      entry: { id, payload: 1 },
      status: 'ok',
      result: 1,
      durationMs: 0.01,
      consumer: CONSUMER,
      ack: true,
      writes: [],
    } as unknown as Outcome;
    if (withResult) o.writes.push({ op: 'xadd', key: 'results', fields: resultFields(o, GROUP, jsonCodec, 65536) });
    return o;
  };
  const settle = (fence: boolean, withResult: boolean) => (keys: string[], ids: string[]) => [
    'EVALSHA',
    settleScript.sha,
    String(keys.length),
    ...keys,
    ...settleArgs(
      GROUP,
      CONSUMER,
      fence,
      ids.map((id) => outcome(id, withResult)),
    ),
  ];
  return [
    { name: 'ceiling XACK script', call: (keys, ids) => ['EVALSHA', ACK_SHA, '1', keys[0]!, GROUP, ...ids] },
    { name: 'settle, fence off', call: settle(false, false) },
    { name: 'settle, fenced', call: settle(true, false) },
    {
      name: 'ceiling XADD result + XACK',
      call: (keys, ids) => [
        'EVALSHA',
        ACK_RESULT_SHA,
        '2',
        keys[0]!,
        keys[3]!,
        GROUP,
        CONSUMER,
        ...ids.flatMap((id) => [id, '1', '0.010']),
      ],
    },
    { name: 'settle + result, fence off', call: settle(false, true) },
    { name: 'settle + result, fenced', call: settle(true, true) },
  ];
}

const entries = Number(process.argv[2] ?? 100_000);
const sizes = (process.argv[3] ?? '200,500').split(',').map(Number);
const repeats = Number(process.argv[4] ?? 1);
const env = await openEnv();
const us = (s: Sample) => (s.redisUs / s.entries).toFixed(2).padStart(6);
const byCommand = (s: Sample) =>
  Object.entries(s.commands)
    .filter(([name]) => name !== 'info')
    .sort((a, b) => b[1].usec - a[1].usec)
    .map(([name, x]) => `${name} ${(x.usec / s.entries).toFixed(2)}`)
    .join(', ');
try {
  console.log(
    `Redis CPU µs per entry, ${entries} entries (commandstats: wall µs per entry, EVALSHA includes its commands)`,
  );
  for (const batch of sizes) {
    for (const c of cases()) {
      const tries: [Sample, Sample][] = [];
      for (let r = 0; r < repeats; r++) tries.push(await measure(env, entries, batch, c));
      tries.sort((a, b) => a[1].redisUs - b[1].redisUs);
      const [read, settle] = tries[tries.length >> 1] as [Sample, Sample];
      console.log(
        `batch ${String(batch).padStart(4)}  ${c.name.padEnd(28)} read ${us(read)}  settle ${us(settle)}   [${byCommand(settle)}]`,
      );
    }
  }
} finally {
  await env.close();
}
