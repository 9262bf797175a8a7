// startDashboard() options: defaults, and the one place they are validated. A dashboard that
// listens beyond loopback must have a token: it can replay and purge dead letters.
import { ConfigError, type RedisClient, type TlsOptions } from '@sluice/core';
import { DEFAULT_PREFIX, intOption, tlsOption, validateName } from '@sluice/core/plugin';

export interface DashboardOptions {
  /** Redis URL (a connection is made and closed by the dashboard unless `client` is given). */
  url: string;
  /** Key prefix of the streams shown. @defaultValue "sluice" */
  prefix?: string;
  /** TCP port; 0 picks a free one. @defaultValue 8080 */
  port?: number;
  /** Interface to listen on; anything but loopback requires `token`. @defaultValue "127.0.0.1" */
  host?: string;
  /** Shared secret every API request must carry in the `x-sluice-token` header. */
  token?: string;
  /** A node-redis client you own (never closed here). */
  client?: RedisClient;
  /** TLS material for a `rediss://` URL: `{ ca, cert, key }` (PEM), as for Producer and Consumer. @defaultValue none (system CAs) */
  tls?: TlsOptions;
  /** How often stream state is read and pushed to open pages. @defaultValue 1000 */
  intervalMs?: number;
}

export const DASHBOARD_DEFAULTS = { prefix: DEFAULT_PREFIX, port: 8080, host: '127.0.0.1', intervalMs: 1000 } as const;

export interface ResolvedDashboardOptions {
  url: string;
  prefix: string;
  port: number;
  host: string;
  token: string | undefined;
  client: RedisClient | undefined;
  tls: TlsOptions | undefined;
  intervalMs: number;
  loopback: boolean;
}

const KNOWN = new Set(['url', 'prefix', 'port', 'host', 'token', 'client', 'tls', 'intervalMs']);

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function resolveDashboardOptions(opts: DashboardOptions): ResolvedDashboardOptions {
  const owner = 'startDashboard';
  if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) throw new ConfigError(`${owner}: unknown option "${key}"`);
  }
  if (!opts.client && (typeof opts.url !== 'string' || opts.url === '')) {
    throw new ConfigError(`${owner}: option "url" must be a Redis URL, got ${JSON.stringify(opts.url)}`);
  }
  const d = DASHBOARD_DEFAULTS;
  const host = opts.host ?? d.host;
  if (typeof host !== 'string' || host === '') throw new ConfigError(`${owner}: option "host" must be an address`);
  const token = opts.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new ConfigError(`${owner}: option "token" must be a string of at least 8 characters`);
  }
  const loopback = isLoopback(host);
  if (!loopback && token === undefined) {
    throw new ConfigError(
      `${owner}: listening on ${host} (not loopback) requires a token (--token): the dashboard can replay and purge dead letters`,
    );
  }
  return {
    url: opts.url,
    prefix: validateName(`${owner}: option "prefix"`, opts.prefix ?? d.prefix),
    port: intOption(owner, 'port', opts.port ?? d.port, 0, 65_535),
    host,
    token,
    client: opts.client,
    tls: tlsOption(owner, opts.tls),
    intervalMs: intOption(owner, 'intervalMs', opts.intervalMs ?? d.intervalMs, 100, 60_000),
    loopback,
  };
}
