// Where one task is. Results.status() answers from the PEL, the stream and the result stream;
// the delayed set and the DLQ are read here too, so a retry or a dead letter is found even
// when the workers do not record results.
import type { RedisClient } from '@sluice/core';
import {
  DLQ_FIELDS,
  decodeDelayed,
  TASK_FIELDS as FIELDS,
  fieldsToObject,
  parseRangeReply,
  type StreamKeys,
} from '@sluice/core/plugin';
import type { ResultEntry, Results } from '@sluice/results';
import { loadResults } from './lazy.js';

/** How far the fallbacks look: members of the delayed set, dead letters after the task's time. */
const SCAN_LIMIT = 10_000;

export type TaskWhere =
  | { state: 'queued' }
  | { state: 'running'; group: string; consumer: string; idleMs: number; deliveries: number }
  | { state: 'retrying'; attempt?: number | undefined; retryAt?: number | undefined }
  | {
      state: 'done';
      /** The entry that finished, when it is not the task's first (a retry or replay). */
      entry?: string | undefined;
      status: 'ok' | 'failed';
      result?: unknown;
      error?: string | undefined;
      attempt?: number;
      consumer?: string;
      ms?: number;
    }
  | { state: 'dead'; error?: string | undefined; reason?: string | undefined; deadLetterId?: string; attempt?: number }
  | { state: 'acked' }
  | { state: 'unknown' };

export async function taskStatus(
  client: RedisClient,
  keys: StreamKeys,
  prefix: string,
  id: string,
): Promise<TaskWhere> {
  const { Results } = await loadResults();
  const results = new Results({ client, stream: keys.name, prefix });
  try {
    const s = await results.status(id);
    switch (s.status) {
      case 'processing':
        return { state: 'running', group: s.group, consumer: s.consumer, idleMs: s.idleMs, deliveries: s.deliveries };
      case 'ok':
      case 'failed':
      case 'dead':
        return fromResult(id, await latestResult(results, id, s.result));
      case 'pending':
        if (s.retryAt !== undefined || s.attempt !== undefined)
          return { state: 'retrying', attempt: s.attempt, retryAt: s.retryAt };
        return (await findDelayed(client, keys, id)) ?? { state: 'queued' };
    }
  } finally {
    await results.close();
  }
  return (
    (await findDelayed(client, keys, id)) ??
    (await findDead(client, keys, id)) ??
    ((await exists(client, keys.stream, id)) ? { state: 'acked' } : { state: 'unknown' })
  );
}

/** Results.status() answers with the FIRST final outcome (what waitFor needs); after a replay the latest one tells. */
async function latestResult(results: Results, id: string, first: ResultEntry): Promise<ResultEntry> {
  let latest = first;
  let from = `(${first.resultId}`;
  for (let scanned = 0; scanned < SCAN_LIMIT; ) {
    const page = await results.read({ from, count: 1000 });
    for (const r of page) if (r.origin === id || r.id === id) latest = r;
    const last = page[page.length - 1];
    if (!last || page.length < 1000) break;
    from = `(${last.resultId}`;
    scanned += page.length;
  }
  return latest;
}

function fromResult(id: string, r: ResultEntry): TaskWhere {
  if (!r.final) return { state: 'retrying', attempt: r.attempt + 1, retryAt: r.retryAt };
  if (r.status === 'dead') return { state: 'dead', error: r.error, reason: r.reason, attempt: r.attempt };
  return {
    state: 'done',
    ...(r.id !== id && { entry: r.id }),
    status: r.status,
    result: r.result,
    error: r.error,
    attempt: r.attempt,
    consumer: r.consumer,
    ms: r.ms,
  };
}

async function findDelayed(client: RedisClient, keys: StreamKeys, id: string): Promise<TaskWhere | undefined> {
  const members = await client.sendCommand<string[]>([
    'ZRANGE',
    keys.delayed,
    '0',
    String(SCAN_LIMIT - 1),
    'WITHSCORES',
  ]);
  for (let i = 0; i + 1 < members.length; i += 2) {
    try {
      const f = fieldsToObject(decodeDelayed(String(members[i])).fields);
      if (f[FIELDS.origin] === id)
        return { state: 'retrying', attempt: Number(f[FIELDS.attempt] ?? 1), retryAt: Number(members[i + 1]) };
    } catch {
      // not a v1 member: the promoter dead-letters it; nothing to report here
    }
  }
  return undefined;
}

async function findDead(client: RedisClient, keys: StreamKeys, id: string): Promise<TaskWhere | undefined> {
  const since = id.split('-')[0] as string;
  const rows = parseRangeReply(await client.sendCommand(['XRANGE', keys.dlq, since, '+', 'COUNT', String(SCAN_LIMIT)]));
  for (const row of rows) {
    const f = fieldsToObject(row.fields ?? []);
    if (f[DLQ_FIELDS.origin] === id)
      return {
        state: 'dead',
        error: f[DLQ_FIELDS.error],
        reason: f[DLQ_FIELDS.reason],
        deadLetterId: row.id,
        attempt: Number(f[DLQ_FIELDS.attempt] ?? 1),
      };
  }
  return undefined;
}

async function exists(client: RedisClient, key: string, id: string): Promise<boolean> {
  return parseRangeReply(await client.sendCommand(['XRANGE', key, id, id])).length > 0;
}
