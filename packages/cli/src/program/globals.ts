// Options every command shares: where Redis is (URL, TLS material, how long to wait) and which
// key prefix to read.
import { readFileSync } from 'node:fs';
import { DEFAULT_PREFIX, validateName } from '@sluice/core/plugin';
import type { Command } from 'commander';
import type { RedisTarget } from '../redis/connect.js';
import { UsageError } from './errors.js';

export const DEFAULT_URL = 'redis://127.0.0.1:6379';

export interface Globals {
  /** --url, else REDIS_URL, else redis://127.0.0.1:6379. */
  url: string;
  /** Whether a URL was given at all (the demo starts its own Redis when not). */
  urlGiven: boolean;
  prefix: string;
  /** The URL with TLS material and timeout: what connect() takes. */
  redis: RedisTarget;
}

interface GlobalFlags {
  url?: string;
  prefix?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  timeoutMs?: number;
}

/** Flag → the environment variable that stands in for it. */
export const TLS_ENV = { tlsCa: 'SLUICE_TLS_CA', tlsCert: 'SLUICE_TLS_CERT', tlsKey: 'SLUICE_TLS_KEY' } as const;

export function globalsOf(cmd: Command): Globals {
  const o = cmd.optsWithGlobals<GlobalFlags>();
  const given = o.url || process.env.REDIS_URL || undefined;
  const url = given ?? DEFAULT_URL;
  const envTimeout = process.env.SLUICE_TIMEOUT_MS;
  const timeoutMs = o.timeoutMs ?? (envTimeout ? timeoutArg(envTimeout, 'SLUICE_TIMEOUT_MS') : undefined);
  return {
    url,
    urlGiven: given !== undefined,
    prefix: validateName('--prefix', o.prefix ?? DEFAULT_PREFIX),
    redis: { url, tls: tlsOf(o, url), timeoutMs },
  };
}

/** PEM files named by --tls-ca/--tls-cert/--tls-key (or SLUICE_TLS_*); undefined when none is. */
function tlsOf(o: GlobalFlags, url: string): RedisTarget['tls'] {
  const tls: { ca?: string; cert?: string; key?: string } = {};
  for (const [flag, env] of Object.entries(TLS_ENV) as [keyof typeof TLS_ENV, string][]) {
    const file = o[flag] ?? process.env[env];
    if (!file) continue;
    const name = flag === 'tlsCa' ? 'ca' : flag === 'tlsCert' ? 'cert' : 'key';
    const shown = o[flag] ? `--tls-${name}` : env;
    try {
      tls[name] = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`${shown}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  if (Object.keys(tls).length === 0) return undefined;
  if (!/^rediss(\+cluster)?:\/\//i.test(url))
    throw new UsageError('--tls-ca/--tls-cert/--tls-key need a rediss:// URL (TLS); the URL given is not one');
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together (a client certificate and its key)');
  return tls;
}

/** `--timeout-ms`: whole ms >= 1. */
export function timeoutArg(text: string, name = '--timeout-ms'): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name}: expected whole ms >= 1, got ${JSON.stringify(text)}`);
  return n;
}
