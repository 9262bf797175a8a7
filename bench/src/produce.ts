// Row 1, produce: Sluice publish() per call, Sluice publishMany, BullMQ addBulk, raw ceiling.
import { Producer, streamKeys } from '@sluice/core';
import { Queue } from 'bullmq';
import { ceilingProduce, loadCeilingScripts } from './ceiling.js';
import type { TimedHooks } from './consume.js';
import { type BenchEnv, ioredisOptions, rawClient } from './env.js';
import type { BenchPayload } from './payload.js';

export interface ProduceRates {
  sluice: number;
  sluiceMany: number;
  bullmq: number;
  ceiling: number;
}

const STREAM = 'bench';

/** Entries per second for `count` entries taking `ms`. */
export function rate(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}

async function expectLength(env: BenchEnv, key: string, count: number, what: string): Promise<void> {
  const len = Number(await env.admin.sendCommand(['XLEN', key]));
  if (len !== count) throw new Error(`${what}: stream holds ${len} entries, expected ${count}`);
}

/** Sluice, as users write it: `await Promise.all(window.map((p) => producer.publish(stream, p)))`. */
export async function sluicePublish(
  env: BenchEnv,
  payloads: readonly BenchPayload[],
  window: number,
  hooks: TimedHooks = {},
): Promise<number> {
  const prefix = env.prefix('pub');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  await hooks.started?.();
  const started = performance.now();
  for (let start = 0; start < payloads.length; start += window) {
    const end = Math.min(payloads.length, start + window);
    const calls: Promise<string>[] = [];
    for (let i = start; i < end; i++) calls.push(producer.publish(STREAM, payloads[i]));
    await Promise.all(calls);
  }
  const ms = performance.now() - started;
  await hooks.stopped?.();
  await producer.close();
  await expectLength(env, streamKeys(STREAM, prefix).stream, payloads.length, 'sluice publish()');
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}

export async function sluicePublishMany(
  env: BenchEnv,
  payloads: readonly BenchPayload[],
  window: number,
  hooks: TimedHooks = {},
): Promise<number> {
  const prefix = env.prefix('many');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  await hooks.started?.();
  const started = performance.now();
  for (let start = 0; start < payloads.length; start += window) {
    await producer.publishMany(STREAM, payloads.slice(start, start + window));
  }
  const ms = performance.now() - started;
  await hooks.stopped?.();
  await producer.close();
  await expectLength(env, streamKeys(STREAM, prefix).stream, payloads.length, 'sluice publishMany()');
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}

export async function bullmqAddBulk(env: BenchEnv, payloads: readonly BenchPayload[], window: number): Promise<number> {
  const prefix = env.prefix('bull');
  const queue = new Queue(STREAM, { connection: ioredisOptions(env.url), prefix });
  await queue.waitUntilReady();
  const started = performance.now();
  for (let start = 0; start < payloads.length; start += window) {
    const jobs = [];
    for (let i = start; i < Math.min(payloads.length, start + window); i++) jobs.push({ name: 't', data: payloads[i] });
    await queue.addBulk(jobs);
  }
  const ms = performance.now() - started;
  const waiting = await queue.getWaitingCount();
  await queue.close();
  if (waiting !== payloads.length)
    throw new Error(`bullmq addBulk: ${waiting} jobs waiting, expected ${payloads.length}`);
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}

export async function ceilingPublish(
  env: BenchEnv,
  payloads: readonly BenchPayload[],
  window: number,
): Promise<number> {
  const prefix = env.prefix('raw');
  const key = streamKeys(STREAM, prefix).stream;
  const client = await rawClient(env.url);
  await loadCeilingScripts(client);
  const started = performance.now();
  await ceilingProduce(client, key, payloads, window);
  const ms = performance.now() - started;
  await client.close();
  await expectLength(env, key, payloads.length, 'ceiling produce');
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}
