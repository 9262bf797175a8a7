// One round of reads per stream (pipelined on one connection) that every gauge of a scrape shares.
import type { RedisClient } from '@sluice/core';
import { idMs, readResourceState, type StreamKeys, replyToObject as toRecord } from '@sluice/core/plugin';
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
  /** Age of the oldest entry not yet delivered to the group (from its id); 0 when none waits. */
  lagSeconds: number;
  /** Longest idle time among the group's oldest PENDING_SCAN pending entries. */
  pendingMaxIdleSeconds: number;
  consumers: number;
}

/**
 * Pending entries (oldest ids first) whose idle time is read per scrape. A stuck or orphaned
 * entry is almost always among the oldest ids; the bound keeps a scrape O(1) in the PEL size.
 */
export const PENDING_SCAN = 100;

export interface StreamSnapshot {
  stream: string;
  length: number;
  dlqLength: number;
  delayedLength: number;
  /** Ordered backlog: LIFO tasks (negative scores) and ranked ones (docs/ordering.md). */
  backlog: { lifo: number; ranked: number };
  /** Slots held under key concurrency: running tasks and the distinct keys they hold (docs/allocation.md). */
  keyRunning: { tasks: number; keys: number };
  /** Tasks waiting for resources no live consumer could ever run (docs/allocation.md, "Resources"). */
  unschedulable: number;
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
  const [time, info, infoGroups, dlqLength, delayedLength, pendings, details, consumerLists] = await Promise.all([
    client.sendCommand<[string, string]>(['TIME']),
    client.sendCommand(['XINFO', 'STREAM', keys.stream]).catch(noSuchKey),
    client.sendCommand<unknown[]>(['XINFO', 'GROUPS', keys.stream]).catch(noSuchKey),
    client.sendCommand<number>(['XLEN', keys.dlq]),
    client.sendCommand<number>(['ZCARD', keys.delayed]),
    Promise.all(groups.map((g) => client.sendCommand<unknown[]>(['XPENDING', keys.stream, g]).catch(noSuchKey))),
    Promise.all(
      groups.map((g) =>
        client.sendCommand<unknown[]>(['XPENDING', keys.stream, g, '-', '+', String(PENDING_SCAN)]).catch(noSuchKey),
      ),
    ),
    Promise.all(
      groups.map((g) => client.sendCommand<unknown[]>(['XINFO', 'CONSUMERS', keys.stream, g]).catch(noSuchKey)),
    ),
  ]);
  const [lifo, ranked, holders] = await Promise.all([
    client.sendCommand<number>(['ZCOUNT', keys.backlog, '-inf', '(0']),
    client.sendCommand<number>(['ZCOUNT', keys.backlog, '0', '+inf']),
    // One field per running task (bounded by the fleet's slots): a summary, never a series per key.
    client.sendCommand<string[]>(['HVALS', keys.sched('running')]),
  ]);
  const resources = await readResourceState(client, keys);
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
    backlog: { lifo: Number(lifo), ranked: Number(ranked) },
    keyRunning: { tasks: holders.length, keys: new Set(holders).size },
    unschedulable: resources.unschedulable,
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
    let maxIdleMs = 0;
    for (const d of (details[i] ?? []) as unknown[][]) maxIdleMs = Math.max(maxIdleMs, Number(d[2]));
    const lagSeconds =
      lag > 0 ? await oldestUndeliveredAge(client, keys.stream, String(g['last-delivered-id']), nowMs) : 0;
    let consumers = 0;
    for (const c of (consumerLists[i] ?? []) as unknown[])
      if (Number(toRecord(c).idle) < opts.consumerIdleMs) consumers++;
    out.groups.push({
      group,
      lag,
      pending,
      oldestPendingAgeSeconds: oldest,
      lagSeconds,
      pendingMaxIdleSeconds: maxIdleMs / 1000,
      consumers,
    });
  }
  return out;
}

/** Seconds since the first entry after `lastDeliveredId` was added (its id's time); 0 if none. */
export async function oldestUndeliveredAge(
  client: RedisClient,
  streamKey: string,
  lastDeliveredId: string,
  nowMs: number,
): Promise<number> {
  const next = await client.sendCommand<unknown[]>(['XRANGE', streamKey, `(${lastDeliveredId}`, '+', 'COUNT', '1']);
  const id = entryId(next?.[0]);
  return id === undefined ? 0 : Math.max(0, nowMs - idMs(id)) / 1000;
}
