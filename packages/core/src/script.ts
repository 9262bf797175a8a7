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
    // One copy of a batch's (possibly thousands of) arguments, not one per spread.
    const command = ['EVALSHA', this.sha, String(keys.length)].concat(keys, args);
    try {
      return await client.sendCommand<T>(command);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      command[0] = 'EVAL';
      command[1] = this.source;
      return client.sendCommand<T>(command);
    }
  }
}
