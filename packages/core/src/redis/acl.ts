// The least a Redis ACL user needs to run Sluice (producers, consumers, recovery, results,
// metrics, the CLI): exactly the commands Sluice sends or calls from its Lua scripts (Redis
// checks a script's commands against the caller's ACL too), on keys under one prefix.

/** Every command Sluice uses, in ACL syntax (`container|subcommand` for XINFO, XGROUP, CLIENT, SCRIPT). */
export const SLUICE_COMMANDS = [
  // streams
  'xadd',
  'xreadgroup',
  'xread',
  'xack',
  'xautoclaim',
  'xclaim',
  'xpending',
  'xrange',
  'xrevrange',
  'xlen',
  'xdel',
  'xtrim',
  'xinfo|groups',
  'xinfo|consumers',
  'xinfo|stream',
  'xgroup|create',
  'xgroup|setid',
  'xgroup|delconsumer',
  // sorted sets (delayed set, idempotency expiry, backlog)
  'zadd',
  'zrem',
  'zcard',
  'zcount',
  'zrange',
  'zrangebyscore',
  'zremrangebyscore',
  'zscore',
  'zpopmin',
  // hashes, lists, counters (idempotency markers, scheduling state)
  'hset',
  'hget',
  'hdel',
  'hgetall',
  'rpush',
  'lpop',
  'incr',
  'incrby',
  // keys
  'exists',
  'pexpire',
  'scan',
  'type',
  // scripts and transactions
  'evalsha',
  'eval',
  'script|load',
  'multi',
  'exec',
  // connection and server
  'ping',
  'time',
  'wait',
  'client|id',
  'client|unblock',
] as const;

/** The ACL rule (without user and password): `resetchannels -@all +cmd ... ~<prefix>:*`. */
export function aclRule(prefix: string): string {
  const commands = SLUICE_COMMANDS.map((c) => `+${c}`).join(' ');
  return `resetkeys resetchannels -@all ${commands} ~${prefix}:*`;
}
