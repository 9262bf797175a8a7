// The produce row: Sluice publish() per call, Sluice publishMany, BullMQ addBulk, raw ceiling.
import { Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { Queue } from 'bullmq';
import { ceilingProduce, loadCeilingScripts } from './ceiling.js';
import { startClock } from './clock.js';
import { type BenchEnv, ioredisOptions, rawClient } from './env.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';

async function expectLength(env: BenchEnv, key: string, count: number, what: string): Promise<void> {
  const len = Number(await env.admin.sendCommand(['XLEN', key]));
  if (len !== count) throw new Error(`${what}: stream holds ${len} entries, expected ${count}`);
}

/** Sluice, as users write it: `await Promise.all(window.map((p) => producer.publish(stream, p)))`. */
export async function sluicePublish({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('pub');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  const clock = await startClock(env.nodes, hooks);
  for (let start = 0; start < data.length; start += opts.window) {
    const end = Math.min(data.length, start + opts.window);
    const calls: Promise<string>[] = [];
    for (let i = start; i < end; i++) calls.push(producer.publish(STREAM, data[i]));
    await Promise.all(calls);
  }
  const sample = await clock.stop(data.length);
  await producer.close();
  await expectLength(env, streamKeys(STREAM, prefix).stream, data.length, 'sluice publish()');
  await env.cleanup(prefix);
  return sample;
}

export async function sluicePublishMany({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('many');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  const clock = await startClock(env.nodes, hooks);
  for (let start = 0; start < data.length; start += opts.window) {
    await producer.publishMany(STREAM, data.slice(start, start + opts.window));
  }
  const sample = await clock.stop(data.length);
  await producer.close();
  await expectLength(env, streamKeys(STREAM, prefix).stream, data.length, 'sluice publishMany()');
  await env.cleanup(prefix);
  return sample;
}

export async function bullmqAddBulk({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('bull');
  const queue = new Queue(STREAM, { connection: ioredisOptions(env.url), prefix });
  await queue.waitUntilReady();
  const clock = await startClock(env.nodes, hooks);
  for (let start = 0; start < data.length; start += opts.window) {
    const jobs = [];
    for (let i = start; i < Math.min(data.length, start + opts.window); i++) jobs.push({ name: 't', data: data[i] });
    await queue.addBulk(jobs);
  }
  const sample = await clock.stop(data.length);
  const waiting = await queue.getWaitingCount();
  await queue.close();
  if (waiting !== data.length) throw new Error(`bullmq addBulk: ${waiting} jobs waiting, expected ${data.length}`);
  await env.cleanup(prefix);
  return sample;
}

export async function ceilingPublish({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('raw');
  const key = streamKeys(STREAM, prefix).stream;
  const client = await rawClient(env.url);
  await loadCeilingScripts(client);
  const clock = await startClock(env.nodes, hooks);
  await ceilingProduce(client, key, data, opts.window);
  const sample = await clock.stop(data.length);
  await client.close();
  await expectLength(env, key, data.length, 'ceiling produce');
  await env.cleanup(prefix);
  return sample;
}
