// Stream assertions written over and over in tests: length, entries ever added, waiting for a count.
import { until } from './wait.js';

/** Any client with node-redis's `sendCommand(args)` (a RedisClient of @sluice/core, for one). */
export interface CommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** XLEN: entries in the stream now (0 when the key does not exist). */
export async function streamLength(client: CommandClient, key: string): Promise<number> {
  return Number(await client.sendCommand(['XLEN', key]));
}

/** XINFO STREAM's entries-added: every entry ever added, trimmed or deleted since or not; 0 without a stream. */
export async function entriesAdded(client: CommandClient, key: string): Promise<number> {
  let info: unknown;
  try {
    info = await client.sendCommand(['XINFO', 'STREAM', key]);
  } catch (err) {
    if (/no such key/i.test((err as Error).message)) return 0;
    throw err;
  }
  return Number(field(info, 'entries-added') ?? 0);
}

/** Waits until the stream holds at least `count` entries; returns the length seen. */
export async function waitForLength(
  client: CommandClient,
  key: string,
  count: number,
  timeoutMs = 10_000,
): Promise<number> {
  let seen = 0;
  const check = async () => {
    seen = await streamLength(client, key);
    return seen >= count;
  };
  try {
    await until(check, timeoutMs, `${count} entries in ${key}`);
  } catch (err) {
    throw new Error(`${(err as Error).message} (the stream holds ${seen})`, { cause: err });
  }
  return seen;
}

/** A field of a flat [k, v, ...] reply (RESP2), a Map or a plain object (RESP3). */
function field(reply: unknown, name: string): unknown {
  if (Array.isArray(reply)) {
    const i = reply.findIndex((v, j) => j % 2 === 0 && String(v) === name);
    return i < 0 ? undefined : reply[i + 1];
  }
  if (reply instanceof Map) return reply.get(name);
  if (reply && typeof reply === 'object') return (reply as Record<string, unknown>)[name];
  return undefined;
}
