// Bounded commands for one-shot callers (replay, the CLI): during an outage node-redis queues
// commands until it reconnects, so a call would otherwise wait forever. A command that gets no
// reply in time rejects with a TimeoutError; a blocking read gets its BLOCK time on top.

import type { RedisArgument } from 'redis';
import { TimeoutError } from '../errors.js';
import { type RedisClient, WRAPPED_CLIENT } from './connection.js';

/** BLOCK <ms> in a command (XREAD, XREADGROUP), else 0. */
function blockMsOf(args: ReadonlyArray<RedisArgument>): number {
  for (let i = 0; i < args.length - 1; i++) {
    if (String(args[i]).toUpperCase() === 'BLOCK') return Number(args[i + 1]) || 0;
  }
  return 0;
}

/**
 * `client`, with every command rejected after `timeoutMs` (plus its BLOCK time) with a
 * TimeoutError that says which command and what `what` was doing. The command itself is not
 * recalled: if Redis comes back it may still run (callers make their writes safe to repeat).
 * `duplicate()` returns a bounded duplicate; connect/close/destroy pass through.
 */
export function withCommandTimeout(client: RedisClient, timeoutMs: number, what = 'redis'): RedisClient {
  const bounded: RedisClient = {
    sendCommand<T>(args: ReadonlyArray<RedisArgument>): Promise<T> {
      let sent: Promise<T>;
      try {
        sent = client.sendCommand<T>(args);
      } catch (err) {
        return Promise.reject(err); // no timer left behind to reject unhandled
      }
      const limit = timeoutMs + blockMsOf(args);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(
                `${what}: ${String(args[0])} got no reply from Redis within ${limit} ms (is Redis down or unreachable?)`,
              ),
            ),
          limit,
        );
      });
      return Promise.race([sent, late]).finally(() => clearTimeout(timer));
    },
    duplicate: () => withCommandTimeout(client.duplicate(), timeoutMs, what),
    connect: () => client.connect(),
    close: () => client.close(),
    destroy: () => client.destroy(),
    on: (event, listener) => client.on(event, listener),
    off: (event, listener) => client.off(event, listener),
    get isOpen() {
      return client.isOpen;
    },
    get isReady() {
      return client.isReady;
    },
  };
  Object.defineProperty(bounded, WRAPPED_CLIENT, { value: client });
  return bounded;
}
