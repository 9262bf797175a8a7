// `sluice dashboard`: a web page served by this process over node:http — streams with
// throughput and lag charts, pending per consumer, the dead-letter browser with replay, the
// delayed set, one task's status — updated live by server-sent events.
import { createServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { RedisClient } from '@sluice/core';
import { redactUrl } from '@sluice/core';
import { discardClient } from '@sluice/core/plugin';
import { connect, release } from '../redis/connect.js';
import { DashboardApi } from './api.js';
import { Guard } from './guard.js';
import { router, sendSnapshot } from './http.js';
import { type DashboardOptions, resolveDashboardOptions } from './options.js';
import { Sampler } from './sampler.js';

export type { DashboardOptions } from './options.js';
export { DASHBOARD_DEFAULTS } from './options.js';

export interface Dashboard {
  /** Where to open it; carries `#token=…` when a token was given (the fragment never reaches a server). */
  url: string;
  close(): Promise<void>;
}

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const o = resolveDashboardOptions(opts);
  const client: RedisClient = o.client ?? (await connect({ url: o.url, tls: o.tls }, { persistent: true }));
  const guard = new Guard(o.token, o.loopback);
  const subscribers = new Set<ServerResponse>();
  const sampler = new Sampler(client, o.prefix, o.intervalMs, (s) => {
    for (const res of subscribers) sendSnapshot(res, s);
  });
  const server = createServer(
    router({
      guard,
      api: new DashboardApi(client, o.prefix),
      sampler,
      subscribers,
      info: { prefix: o.prefix, redis: o.client ? '(a client passed in)' : redactUrl(o.url), version: VERSION },
    }),
  );
  try {
    await sampler.start();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await sampler.stop();
    if (!o.client) await release(client);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  guard.listening(port);
  const shown = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${port}/${o.token ? `#token=${encodeURIComponent(o.token)}` : ''}`,
    close() {
      closing ??= (async () => {
        await sampler.stop();
        for (const res of subscribers) res.end();
        subscribers.clear();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // A connection that is down (reconnecting) would queue a QUIT forever: drop it instead.
        if (!o.client) await (client.isReady ? release(client) : Promise.resolve(discardClient(client)));
      })();
      return closing;
    },
  };
}
