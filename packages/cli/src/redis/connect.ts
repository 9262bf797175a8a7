// Connections for the CLI. A command must fail within 5 s with one clear line when Redis is
// unreachable or stops answering: the first connect gives up after one retry and a deadline
// (node-redis would otherwise reconnect forever), and every command after it is bounded too
// (a silent Redis would otherwise hold a command in node-redis' offline queue forever).
// Long-running servers (exporter, dashboard) reconnect forever once up.
import type { RedisClient, TlsOptions } from '@sluice/core';
import { redactUrl } from '@sluice/core';
import { closeQuietly, discardClient, openConnection, withCommandTimeout } from '@sluice/core/plugin';
import { createClient } from 'redis';
import { UnreachableError } from '../program/errors.js';

/** Per attempt; two attempts plus the handshake stay well under the 5 s promise. */
export const CONNECT_TIMEOUT_MS = 1500;
/** Without `--timeout-ms`: the cap on the whole connect (the 5 s promise). */
export const CONNECT_DEADLINE_MS = 4000;
/**
 * Without `--timeout-ms`: the cap on each command's reply. Longer than the connect's: a few
 * commands are long scripts by design (a rewind preview counts up to 10 M entries).
 */
export const COMMAND_TIMEOUT_MS = 15_000;

/** Where Redis is, as the global options say: URL, TLS material, how long to wait. */
export interface RedisTarget {
  url: string;
  tls?: TlsOptions | undefined;
  /** Connect deadline and per-command reply timeout. @defaultValue CONNECT_DEADLINE_MS and COMMAND_TIMEOUT_MS */
  timeoutMs?: number | undefined;
}

export interface ConnectOptions {
  /** After the first successful connect, reconnect forever instead of failing. @defaultValue false */
  persistent?: boolean;
}

type Resolved = RedisTarget & { connectMs: number; commandMs: number };

function targetOf(target: string | RedisTarget): Resolved {
  const t = typeof target === 'string' ? { url: target } : target;
  return { ...t, connectMs: t.timeoutMs ?? CONNECT_DEADLINE_MS, commandMs: t.timeoutMs ?? COMMAND_TIMEOUT_MS };
}

export async function connect(target: string | RedisTarget, opts: ConnectOptions = {}): Promise<RedisClient> {
  const t = targetOf(target);
  if (/^rediss?\+cluster:\/\//i.test(t.url)) return connectCluster(t);
  const url = t.url;
  let ready = false;
  let lastError: Error | undefined;
  const client = createClient({
    url,
    socket: {
      connectTimeout: Math.min(CONNECT_TIMEOUT_MS, t.connectMs),
      ...(t.tls ? { tls: true as const, ...t.tls } : {}),
      reconnectStrategy: (retries: number, cause: Error) => {
        lastError = cause;
        if (ready && opts.persistent) return Math.min(100 * 2 ** Math.min(retries, 5), 3000);
        if (!ready && retries < 1) return 200;
        return new UnreachableError(`lost Redis at ${redactUrl(url)}: ${cause.message}`, { cause });
      },
    },
  } as Parameters<typeof createClient>[0]) as unknown as RedisClient;
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await withDeadline(client.connect(), t.connectMs);
    ready = true;
    return withCommandTimeout(client, t.commandMs, `Redis at ${redactUrl(url)}`);
  } catch (err) {
    discardClient(client);
    const reason = (lastError ?? (err as Error))?.message || String(err);
    throw new UnreachableError(`cannot reach Redis at ${redactUrl(url)}: ${reason}`, { cause: err });
  }
}

/** A Redis Cluster (`redis+cluster://h:p,h:p`) through core's cluster adapter (its own command timeouts). */
async function connectCluster(t: Resolved): Promise<RedisClient> {
  let made: RedisClient | undefined;
  try {
    const conn = openConnection(
      { url: t.url, tls: t.tls },
      () => {},
      (c) => {
        made = c;
      },
    );
    return (await withDeadline(conn, t.connectMs)).client;
  } catch (err) {
    if (made) discardClient(made);
    throw new UnreachableError(`cannot reach Redis Cluster at ${redactUrl(t.url)}: ${(err as Error)?.message}`, {
      cause: err,
    });
  }
}

/** `work`, or a rejection after `ms` (the work is left to the caller to destroy). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  work.catch(() => {}); // lost the race: its later rejection is nobody's business
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run `fn` with a connected client and always release it. */
export async function withRedis<T>(target: string | RedisTarget, fn: (client: RedisClient) => Promise<T>): Promise<T> {
  const client = await connect(target);
  try {
    return await fn(client);
  } finally {
    await release(client);
  }
}

/** Close a client; bounded (a Redis that stopped answering gets the socket destroyed after 2 s). */
export async function release(client: RedisClient): Promise<void> {
  await closeQuietly(client);
}
