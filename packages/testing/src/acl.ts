// aclUser(): a restricted Redis user made on the fly, so a test can run code with fewer rights.
import { rejectUnknown, TestingError } from './errors.js';
import { call, type Endpoint, endpointFromUrl, ReplyError } from './resp.js';
import type { TlsMaterial } from './tls.js';

export interface AclUserOptions {
  /** The user name to create (or reset, when it exists). */
  user: string;
  password: string;
  /**
   * ACL rules after `reset on >password`, as `ACL SETUSER` takes them, e.g.
   * `'~app:* +@all -@dangerous'` or `'~{jobs}* +xadd +xreadgroup +xack'`.
   */
  rule: string;
  /** For a `rediss://` server: the CA (and client cert) from `startRedis({ tls: true })`. */
  tls?: TlsMaterial;
}

const KNOWN: Array<keyof AclUserOptions> = ['user', 'password', 'rule', 'tls'];

/**
 * Runs `ACL SETUSER <user> reset on >password <rule...>` on the server at `redisUrl` (connecting
 * with that URL's credentials) and returns the same URL with the new user's credentials.
 * Use it on a server of your own (`startRedis({ fresh: true })`): users are server-wide.
 */
export async function aclUser(redisUrl: string, opts: AclUserOptions): Promise<string> {
  rejectUnknown('aclUser', opts, KNOWN);
  if (!opts.user || /\s/.test(opts.user)) {
    throw new TestingError('BAD_OPTION', `aclUser: user must be a non-empty name without spaces, got '${opts.user}'`);
  }
  if (!opts.password) throw new TestingError('BAD_OPTION', 'aclUser: password must not be empty');
  const ep: Endpoint = endpointFromUrl(redisUrl);
  if (ep.tls && opts.tls) ep.tls = { ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key };
  const rules = opts.rule.split(/\s+/).filter(Boolean);
  try {
    await call(ep, 'ACL', 'SETUSER', opts.user, 'reset', 'on', `>${opts.password}`, ...rules);
  } catch (err) {
    if (err instanceof ReplyError) {
      throw new TestingError('REDIS_ERROR', `aclUser: ACL SETUSER ${opts.user} failed: ${err.message}`, { cause: err });
    }
    throw err;
  }
  const url = new URL(redisUrl);
  url.username = encodeURIComponent(opts.user);
  url.password = encodeURIComponent(opts.password);
  return url.toString().replace(/\/$/, '');
}
