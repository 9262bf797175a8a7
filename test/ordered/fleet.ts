// Ordered-consumer system tests: spawning ordered workers, reading who holds which shard's
// lease, and checking the handler log for per-key order and overlap.
import { fileURLToPath } from 'node:url';
import { type Producer, type RedisClient, shardNames } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { spawnWorker, type Worker } from '../recovery/fleet.js';

const WORKER = fileURLToPath(new URL('./fixtures/ordered-worker.mjs', import.meta.url));

export interface OrderedWorkerConfig {
  prefix: string;
  consumer: string;
  shards?: number;
  leaseMs?: number;
  concurrency?: number;
  sleepMs?: number;
  maxRuns?: number;
}

export function startWorker(url: string, config: OrderedWorkerConfig): Worker {
  return spawnWorker(WORKER, url, config);
}

/** Consumer name holding each shard's lease (undefined: free), in shard order. */
export async function holders(redis: RedisClient, prefix: string, shards: number, stream = 'orders') {
  const names = shardNames(stream, shards);
  const values = await Promise.all(
    names.map((s) => redis.sendCommand<string | null>(['GET', streamKeys(s, prefix).lease('g')])),
  );
  return values.map((v) => (v ? v.slice(v.indexOf(':') + 1) : undefined));
}

/** How many leases each consumer holds. */
export function leaseCounts(list: Array<string | undefined>): Map<string, number> {
  const m = new Map<string, number>();
  for (const h of list) if (h) m.set(h, (m.get(h) ?? 0) + 1);
  return m;
}

/** Publish `rounds` rounds of one entry per key (`{ key, seq }`), each round after the last resolved. */
export async function publishRounds(
  producer: Producer,
  keys: number,
  rounds: number,
  { from = 0, pauseMs = 0 } = {},
): Promise<void> {
  for (let seq = from; seq < from + rounds; seq++) {
    await Promise.all(
      Array.from({ length: keys }, (_, k) => producer.publish('orders', { key: `k${k}`, seq }, { key: `k${k}` })),
    );
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export interface Run {
  key: string;
  seq: number;
  attempt: number;
  consumer: string;
  start: number;
  end: number | undefined;
}

export async function readRuns(redis: RedisClient, prefix: string): Promise<Run[]> {
  const rows = await redis.sendCommand<string[]>(['LRANGE', `${prefix}:test:log`, '0', '-1']);
  const open = new Map<string, Run>();
  const runs: Run[] = [];
  for (const row of rows) {
    const [e, key, seq, attempt, consumer, at] = row.split('|') as [string, string, string, string, string, string];
    const id = `${key}|${seq}|${attempt}|${consumer}`;
    if (e === 's') {
      const run = { key, seq: Number(seq), attempt: Number(attempt), consumer, start: Number(at), end: undefined };
      runs.push(run);
      open.set(id, run);
    } else {
      const run = open.get(id);
      if (run) run.end = Number(at);
      open.delete(id);
    }
  }
  return runs;
}

/** Entries finished (an end record) so far. */
export async function finished(redis: RedisClient, prefix: string): Promise<number> {
  const rows = await redis.sendCommand<string[]>(['LRANGE', `${prefix}:test:log`, '0', '-1']);
  return new Set(rows.filter((r) => r.startsWith('e|')).map((r) => r.split('|', 3).join('|'))).size;
}

export interface OrderReport {
  keys: number;
  runs: number;
  /** Entries run twice: each the entry a killed process held, re-run next. */
  repeats: number;
  violations: string[];
}

/**
 * For every key: its runs sorted by start are seq 0, 1, ..., perKey − 1, none starting before
 * the previous one ended, and the only repeat allowed is an immediate re-run, by another
 * consumer, of an entry a killed process held (one per key and killed process) (a run of a killed process with no end ended at
 * `killedAt` at the latest).
 */
export function checkOrder(runs: Run[], perKey: number, killed: ReadonlyMap<string, number>): OrderReport {
  const byKey = new Map<string, Run[]>();
  for (const r of runs) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const violations: string[] = [];
  let repeats = 0;
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.start - b.start);
    let expected = 0;
    const repeatedFor = new Set<string>();
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as Run;
      const prev = list[i - 1];
      const end = r.end ?? killed.get(r.consumer);
      if (end === undefined) violations.push(`${key}: seq ${r.seq} on ${r.consumer} never ended`);
      if (prev) {
        const prevEnd = prev.end ?? killed.get(prev.consumer) ?? Number.POSITIVE_INFINITY;
        if (r.start < prevEnd) violations.push(`${key}: seq ${r.seq} started before seq ${prev.seq} ended`);
        if (r.seq === prev.seq && r.attempt === prev.attempt) {
          if (!killed.has(prev.consumer) || prev.consumer === r.consumer || repeatedFor.has(prev.consumer))
            violations.push(`${key}: seq ${r.seq} ran twice (${prev.consumer}, then ${r.consumer})`);
          repeatedFor.add(prev.consumer);
          repeats++;
          continue;
        }
      }
      if (r.seq !== expected) violations.push(`${key}: seq ${r.seq} ran where ${expected} was due`);
      expected = r.seq + 1;
    }
    if (expected !== perKey) violations.push(`${key}: ended at seq ${expected - 1}, not ${perKey - 1}`);
  }
  return { keys: byKey.size, runs: runs.length, repeats, violations };
}
