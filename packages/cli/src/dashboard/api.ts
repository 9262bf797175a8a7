// The dashboard's API over one Redis client: dead letters (list, replay, purge), the delayed
// set (scheduled tasks and retries), and one task's status. Everything returned is plain data:
// the page renders it as text.
import { replay } from '@sluice/claim';
import { ConfigError, type RedisClient } from '@sluice/core';
import {
  DLQ_FIELDS,
  decodeDelayed,
  entryIdOption,
  TASK_FIELDS as FIELDS,
  fieldsToObject,
  isEntryId,
  parseRangeReply,
  streamKeys,
} from '@sluice/core/plugin';
import { decodeDeadLetter } from '../report/decode.js';
import { taskStatus } from '../report/task-status.js';

/** Rows a listing returns (the page says how many more there are). */
export const PAGE = 100;

export class DashboardApi {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The newest dead letters first. */
  async deadLetters(stream: string) {
    const keys = streamKeys(stream, this.prefix);
    const [total, rows] = await Promise.all([
      this.client.sendCommand<number>(['XLEN', keys.dlq]),
      this.client.sendCommand(['XREVRANGE', keys.dlq, '+', '-', 'COUNT', String(PAGE)]),
    ]);
    const items = parseRangeReply(rows).map((raw) => {
      const f = fieldsToObject(raw.fields ?? []);
      return { ...decodeDeadLetter(raw).json, deadAt: Number(f[DLQ_FIELDS.deadAt] ?? raw.id.split('-')[0]) };
    });
    return { total: Number(total), items };
  }

  /** Scheduled tasks and retries, soonest due first. */
  async delayed(stream: string) {
    const keys = streamKeys(stream, this.prefix);
    const [total, flat] = await Promise.all([
      this.client.sendCommand<number>(['ZCARD', keys.delayed]),
      this.client.sendCommand<string[]>(['ZRANGE', keys.delayed, '0', String(PAGE - 1), 'WITHSCORES']),
    ]);
    const items = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const dueAt = Number(flat[i + 1]);
      try {
        const task = decodeDelayed(String(flat[i]));
        const f = fieldsToObject(task.fields);
        const attempt = Number(f[FIELDS.attempt] ?? 1);
        items.push({
          id: task.id,
          dueAt,
          kind: attempt > 1 ? 'retry' : 'scheduled',
          attempt,
          origin: f[FIELDS.origin],
          key: f[FIELDS.key],
          data: f[FIELDS.data],
          error: f[FIELDS.error],
        });
      } catch {
        items.push({ id: '(malformed member)', dueAt, kind: 'malformed', attempt: 0, data: String(flat[i]) });
      }
    }
    return { total: Number(total), items };
  }

  async status(stream: string, id: string) {
    entryIdOption('task id', id);
    return taskStatus(this.client, streamKeys(stream, this.prefix), this.prefix, id);
  }

  /** Replay the given dead letters, or all of them. */
  async replay(stream: string, ids: string[] | undefined) {
    const result = await replay(this.client, stream, { prefix: this.prefix, ...(ids ? { ids: checkIds(ids) } : {}) });
    return result;
  }

  /** Delete the given dead letters, or all of them. */
  async purge(stream: string, ids: string[] | undefined) {
    const keys = streamKeys(stream, this.prefix);
    if (ids) {
      const purged = checkIds(ids).length ? await this.client.sendCommand<number>(['XDEL', keys.dlq, ...ids]) : 0;
      return { purged: Number(purged) };
    }
    // XTRIM counts what it removed in the same step (a dead letter written meanwhile is counted).
    const purged = await this.client.sendCommand<number>(['XTRIM', keys.dlq, 'MAXLEN', '0']);
    return { purged: Number(purged) };
  }
}

function checkIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length > 10_000 || !ids.every(isEntryId)) {
    throw new ConfigError('"ids" must be an array of at most 10000 stream ids');
  }
  return ids as string[];
}
