// What `ls` and `inspect` show for one stream: its length, each group's lag (the same
// groupLag() the sluice_group_lag metric uses), pending entries and how long the oldest has
// been idle, per-consumer pending and idle, and the sizes of its DLQ, delayed set and results.
import type { RedisClient } from '@sluice/core';
import { replyToObject, type StreamKeys } from '@sluice/core/plugin';
import { loadResults } from './lazy.js';
import { type Limits, readLimits } from './limits.js';

export interface ConsumerReport {
  name: string;
  pending: number;
  /** Since the consumer's last interaction (read, claim or ack). */
  idleMs: number;
  /** Since its last successful read or claim (Redis ≥ 7.2; null before). */
  inactiveMs: number | null;
}

export interface GroupReport {
  name: string;
  consumers: number;
  pending: number;
  /** Entries after the group's last-delivered id. */
  lag: number;
  lastDeliveredId: string;
  oldestPendingId: string | null;
  /** How long the oldest pending entry has been idle since its last delivery. */
  oldestPendingIdleMs: number | null;
  /** Only with `consumers: true`. */
  consumerList?: ConsumerReport[];
}

export interface StreamReport {
  stream: string;
  key: string;
  exists: boolean;
  length: number;
  firstId: string | null;
  lastId: string | null;
  groups: GroupReport[];
  /** Largest lag of any group. */
  lag: number;
  /** Pending entries of all groups. */
  pending: number;
  oldestPendingIdleMs: number | null;
  deadLetters: number;
  delayed: number;
  results: number;
  /** What the stream, DLQ and delayed set will keep (recorded bounds, else the defaults). */
  limits: Limits;
}

const missing = (err: unknown) => {
  if (/no such key|NOGROUP/i.test(String((err as Error)?.message))) return undefined;
  throw err;
};

const idOf = (entry: unknown) => (Array.isArray(entry) && entry.length > 0 ? String(entry[0]) : null);

export async function readStream(
  client: RedisClient,
  keys: StreamKeys,
  opts: { consumers?: boolean } = {},
): Promise<StreamReport> {
  const [info, groupsRaw, dlq, delayed, results, limits] = await Promise.all([
    client.sendCommand(['XINFO', 'STREAM', keys.stream]).catch(missing),
    client.sendCommand<unknown[]>(['XINFO', 'GROUPS', keys.stream]).catch(missing),
    client.sendCommand<number>(['XLEN', keys.dlq]),
    client.sendCommand<number>(['ZCARD', keys.delayed]),
    client.sendCommand<number>(['XLEN', keys.results]),
    readLimits(client, keys),
  ]);
  const s = info ? replyToObject(info) : {};
  const length = Number(s.length ?? 0);
  const firstId = idOf(s['first-entry']);
  const lastId = idOf(s['last-entry']);
  const groups = await Promise.all(
    (groupsRaw ?? []).map((raw) => readGroup(client, keys, replyToObject(raw), s, opts.consumers ?? false)),
  );
  const idles = groups.map((g) => g.oldestPendingIdleMs).filter((x): x is number => x !== null);
  return {
    stream: keys.name,
    key: keys.stream,
    exists: info !== undefined,
    length,
    firstId,
    lastId,
    groups,
    lag: groups.reduce((m, g) => Math.max(m, g.lag), 0),
    pending: groups.reduce((n, g) => n + g.pending, 0),
    oldestPendingIdleMs: idles.length ? Math.max(...idles) : null,
    deadLetters: Number(dlq),
    delayed: Number(delayed),
    results: Number(results),
    limits,
  };
}

async function readGroup(
  client: RedisClient,
  keys: StreamKeys,
  g: Record<string, unknown>,
  s: Record<string, unknown>,
  withConsumers: boolean,
): Promise<GroupReport> {
  const name = String(g.name);
  const lastDeliveredId = String(g['last-delivered-id']);
  const length = Number(s.length ?? 0);
  const { groupLag, METRICS_DEFAULTS } = await loadResults();
  const [lag, oldest, consumersRaw] = await Promise.all([
    groupLag(
      client,
      keys.stream,
      {
        length,
        firstId: idOf(s['first-entry']) ?? undefined,
        lastId: idOf(s['last-entry']) ?? undefined,
        lastDeliveredId,
        entriesAdded: Number(s['entries-added'] ?? length),
        xinfoLag: g.lag === null || g.lag === undefined ? null : Number(g.lag),
      },
      METRICS_DEFAULTS.lagScanLimit,
    ),
    client.sendCommand<unknown[][]>(['XPENDING', keys.stream, name, '-', '+', '1']).catch(missing),
    withConsumers
      ? client.sendCommand<unknown[]>(['XINFO', 'CONSUMERS', keys.stream, name]).catch(missing)
      : Promise.resolve(undefined),
  ]);
  const first = oldest?.[0];
  const report: GroupReport = {
    name,
    consumers: Number(g.consumers),
    pending: Number(g.pending),
    lag,
    lastDeliveredId,
    oldestPendingId: first ? String(first[0]) : null,
    oldestPendingIdleMs: first ? Number(first[2]) : null,
  };
  if (withConsumers) {
    report.consumerList = (consumersRaw ?? []).map((raw) => {
      const c = replyToObject(raw);
      return {
        name: String(c.name),
        pending: Number(c.pending),
        idleMs: Number(c.idle),
        inactiveMs: c.inactive === undefined || Number(c.inactive) < 0 ? null : Number(c.inactive),
      };
    });
  }
  return report;
}
