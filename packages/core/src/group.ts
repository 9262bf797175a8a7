// Consumer-group creation, idempotent (BUSYGROUP means someone created it first).
import type { RedisClient } from './connection.js';

export async function ensureGroup(
  client: RedisClient,
  streamKey: string,
  group: string,
  startId: string,
): Promise<void> {
  try {
    await client.sendCommand(['XGROUP', 'CREATE', streamKey, group, startId, 'MKSTREAM']);
  } catch (err) {
    if (!String((err as Error)?.message).includes('BUSYGROUP')) throw err;
  }
}
