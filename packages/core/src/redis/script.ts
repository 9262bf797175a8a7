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

  /**
   * MULTI, EVALSHA, `then`, EXEC, pipelined: the script and one more command (e.g. the
   * consumer's XREADGROUP of what the script dispatched) run atomically, with no round trip
   * through Lua for the second reply. On NOSCRIPT the transaction runs again with EVAL. Resolves
   * with both replies; throws the first that is an error.
   */
  async runThen<T = unknown, U = unknown>(
    client: RedisClient,
    keys: readonly string[],
    args: readonly string[],
    then: readonly string[],
  ): Promise<[T, U]> {
    let [script, next] = await this.transaction(client, keys, args, then, this.sha);
    // EVAL, not SCRIPT LOAD: it goes to the node of the keys on a cluster, and caches the script there.
    if (isNoScript(script)) [script, next] = await this.transaction(client, keys, args, then);
    if (script instanceof Error) throw script;
    if (next instanceof Error) throw next;
    return [script as T, next as U];
  }

  private async transaction(
    client: RedisClient,
    keys: readonly string[],
    args: readonly string[],
    then: readonly string[],
    sha?: string,
  ): Promise<[unknown, unknown]> {
    const sent = [
      client.sendCommand(['MULTI']),
      client.sendCommand((sha ? ['EVALSHA', sha] : ['EVAL', this.source]).concat(String(keys.length), keys, args)),
      client.sendCommand([...then]),
      client.sendCommand<[unknown, unknown]>(['EXEC']),
    ];
    const replies = await Promise.all(sent);
    return replies[3] as [unknown, unknown];
  }
}

function isNoScript(reply: unknown): boolean {
  return reply instanceof Error && reply.message.startsWith('NOSCRIPT');
}
