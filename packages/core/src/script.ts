// Lua scripts run by EVALSHA, falling back to EVAL when the server has not seen them
// (after a restart, a failover, or SCRIPT FLUSH).
import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

export class Script {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T = unknown>(client: RedisClient, keys: readonly string[], args: readonly string[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await client.sendCommand<T>(['EVALSHA', this.sha, ...tail]);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return client.sendCommand<T>(['EVAL', this.source, ...tail]);
    }
  }
}
