// Which key a command touches first, so a cluster adapter can send it to the slot's master.
// Only the commands Sluice and its CLI send need to be right; an unknown command routes by
// its first argument, the Redis convention for single-key commands.
import type { RedisArgument } from 'redis';

/** Commands without a key: any node answers them. */
const KEYLESS = new Set(['CLIENT', 'PING', 'TIME', 'INFO', 'SCAN', 'CLUSTER', 'SCRIPT', 'FUNCTION', 'DBSIZE', 'KEYS']);
/** `<COMMAND> <SUBCOMMAND> <key> ...` */
const SUBCOMMAND_KEY = new Set(['XGROUP', 'XINFO', 'OBJECT', 'MEMORY']);

function upper(arg: RedisArgument | undefined): string {
  return arg === undefined ? '' : String(arg).toUpperCase();
}

/** The first key of `args`, or undefined for a keyless command (sent to any node). */
export function commandKey(args: ReadonlyArray<RedisArgument>): RedisArgument | undefined {
  const name = upper(args[0]);
  if (KEYLESS.has(name)) return undefined;
  if (SUBCOMMAND_KEY.has(name)) return args[2];
  if (name === 'EVALSHA' || name === 'EVAL' || name === 'EVALSHA_RO' || name === 'EVAL_RO' || name === 'FCALL') {
    return Number(args[2]) > 0 ? args[3] : undefined;
  }
  if (name === 'XREAD' || name === 'XREADGROUP') {
    const at = args.findIndex((a) => upper(a) === 'STREAMS');
    return at >= 0 ? args[at + 1] : undefined;
  }
  return args[1];
}

/** True for a read that may block the connection (XREAD / XREADGROUP with BLOCK). */
export function isBlocking(args: ReadonlyArray<RedisArgument>): boolean {
  const name = upper(args[0]);
  if (name !== 'XREAD' && name !== 'XREADGROUP') return false;
  return args.some((a) => upper(a) === 'BLOCK');
}
