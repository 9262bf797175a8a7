// One round of reads per stream (pipelined on one connection) that every gauge of a scrape shares.
import { type RedisClient, type StreamKeys, replyToObject as toRecord } from '@sluice/core';
import { idMs } from '../ids.js';
import { groupLag } from './lag.js';

export interface StreamTarget {
  client: RedisClient;
  keys: StreamKeys;
  groups: Set<string>;
}

export interface GroupSnapshot {
  group: string;
  /** Exact, except past lagScanLimit (then XINFO's figure held within the scanned bounds). */
  lag: number;
  pending: number;
  oldestPendingAgeSeconds: number;
  consumers: number;
}

export interface StreamSnapshot {
  stream: string;
  length: number;
  dlqLength: number;
  delayedLength: number;
  groups: GroupSnapshot[];
}

export interface SnapshotOptions {
  consumerIdleMs: number;
  lagScanLimit: number;
}

const noSuchKey = (err: unknown) => {
  if (/no such key|NOGROUP/i.test(String((err as Error)?.message))) return undefined;
  throw err;
};

function entryId(entry: unknown): string | undefined {
  return Array.isArray(entry) && entry.length > 0 ? String(entry[0]) : undefined;
}

export async function snapshotStream(target: StreamTarget, opts: SnapshotOptions): Promise<StreamSnapshot> {
  const { client, keys } = target;
  const groups = [...target.groups];
  const [time, info, infoGroups, dlqLength, delayedLength, pendings, consumerLists] = await Promise.all([
    client.sendCommand<[string, string]>(['TIME']),
    client.sendCommand(['XINFO', 'STREAM', keys.stream]).catch(noSuchKey),
    client.sendCommand<unknown[]>(['XINFO', 'GROUPS', keys.stream]).catch(noSuchKey),
    client.sendCommand<number>(['XLEN', keys.dlq]),
    client.sendCommand<number>(['ZCARD', keys.delayed]),
    Promise.all(groups.map((g) => client.sendCommand<unknown[]>(['XPENDING', keys.stream, g]).catch(noSuchKey))),
    Promise.all(
      groups.map((g) => client.sendCommand<unknown[]>(['XINFO', 'CONSUMERS', keys.stream, g]).catch(noSuchKey)),
    ),
  ]);
  const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const s = toRecord(info);
  const length = Number(s.length ?? 0);
  const byName = new Map<string, Record<string, unknown>>();
  for (const g of infoGroups ?? []) {
    const rec = toRecord(g);
    byName.set(String(rec.name), rec);
  }
  const out: StreamSnapshot = {
    stream: keys.name,
    length,
    dlqLength: Number(dlqLength),
    delayedLength: Number(delayedLength),
    groups: [],
  };
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string;
    const g = byName.get(group);
    if (!g) continue; // the group does not exist (yet)
    const lag = await groupLag(
      client,
      keys.stream,
      {
        length,
        firstId: entryId(s['first-entry']),
        lastId: entryId(s['last-entry']),
        lastDeliveredId: String(g['last-delivered-id']),
        entriesAdded: Number(s['entries-added'] ?? length),
        xinfoLag: g.lag === null || g.lag === undefined ? null : Number(g.lag),
      },
      opts.lagScanLimit,
    );
    const summary = (pendings[i] ?? [0, null]) as [number, string | null];
    const pending = Number(summary[0]);
    const oldest = pending > 0 && summary[1] ? Math.max(0, nowMs - idMs(String(summary[1]))) / 1000 : 0;
    let consumers = 0;
    for (const c of (consumerLists[i] ?? []) as unknown[])
      if (Number(toRecord(c).idle) < opts.consumerIdleMs) consumers++;
    out.groups.push({ group, lag, pending, oldestPendingAgeSeconds: oldest, consumers });
  }
  return out;
}
