// One snapshot of every stream under the prefix, as the page shows it: the CLI's stream report
// (lag from the same groupLag() as the metric, pending per consumer), plus what a chart needs
// (entries ever added to the stream and to its results) and lag in seconds per group.
import type { RedisClient } from '@sluice/core';
import { replyToObject, type StreamKeys, streamKeys } from '@sluice/core/plugin';
import { readStream, type StreamReport } from '../report/stream-report.js';

export interface GroupView {
  name: string;
  consumers: number;
  pending: number;
  lag: number;
  /** Age of the oldest entry not yet delivered to the group (from its id); 0 when none. */
  lagSeconds: number;
  lastDeliveredId: string;
  oldestPendingIdleMs: number | null;
  consumerList: Array<{ name: string; pending: number; idleMs: number; inactiveMs: number | null }>;
}

export interface StreamView {
  name: string;
  length: number;
  lag: number;
  lagSeconds: number;
  pending: number;
  oldestPendingIdleMs: number | null;
  deadLetters: number;
  delayed: number;
  results: number;
  groups: GroupView[];
  /** Counters behind the throughput charts (XINFO STREAM entries-added). */
  added: number;
  outcomes: number;
}

const missing = (err: unknown) => {
  if (/no such key/i.test(String((err as Error)?.message))) return undefined;
  throw err;
};

async function entriesAdded(client: RedisClient, key: string): Promise<number> {
  const info = await client.sendCommand(['XINFO', 'STREAM', key]).catch(missing);
  return info ? Number(replyToObject(info)['entries-added'] ?? 0) : 0;
}

async function lagSeconds(client: RedisClient, keys: StreamKeys, lastDeliveredId: string, nowMs: number) {
  const next = await client.sendCommand<unknown[][]>(['XRANGE', keys.stream, `(${lastDeliveredId}`, '+', 'COUNT', '1']);
  const id = next?.[0]?.[0];
  return id === undefined ? 0 : Math.max(0, nowMs - Number(String(id).split('-')[0])) / 1000;
}

export async function readStreamView(client: RedisClient, name: string, prefix: string): Promise<StreamView> {
  const keys = streamKeys(name, prefix);
  const [report, added, outcomes, time] = await Promise.all([
    readStream(client, keys, { consumers: true }),
    entriesAdded(client, keys.stream),
    entriesAdded(client, keys.results),
    client.sendCommand<[string, string]>(['TIME']),
  ]);
  const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const groups = await Promise.all(
    report.groups.map(async (g) => ({
      name: g.name,
      consumers: g.consumers,
      pending: g.pending,
      lag: g.lag,
      lagSeconds: g.lag > 0 ? await lagSeconds(client, keys, g.lastDeliveredId, nowMs) : 0,
      lastDeliveredId: g.lastDeliveredId,
      oldestPendingIdleMs: g.oldestPendingIdleMs,
      consumerList: g.consumerList ?? [],
    })),
  );
  return view(report, groups, added, outcomes);
}

function view(r: StreamReport, groups: GroupView[], added: number, outcomes: number): StreamView {
  return {
    name: r.stream,
    length: r.length,
    lag: r.lag,
    lagSeconds: groups.reduce((m, g) => Math.max(m, g.lagSeconds), 0),
    pending: r.pending,
    oldestPendingIdleMs: r.oldestPendingIdleMs,
    deadLetters: r.deadLetters,
    delayed: r.delayed,
    results: r.results,
    groups,
    added,
    outcomes,
  };
}
