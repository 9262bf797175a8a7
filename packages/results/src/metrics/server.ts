// /metrics and /healthz over node:http, as a standalone server or a handler for Express,
// Connect or Fastify (via reply.raw).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { intOption, knownOptions } from '@sluice/core/plugin';
import type { SluiceMetrics } from './plugin.js';

export interface ServeMetricsOptions {
  metrics: SluiceMetrics;
  /** TCP port; 0 picks a free one. @defaultValue 9464 */
  port?: number;
  /** Interface to listen on. @defaultValue "0.0.0.0" */
  host?: string;
}

export const SERVE_METRICS_DEFAULTS = { port: 9464, host: '0.0.0.0' } as const;

export interface MetricsServer {
  server: Server;
  /** The port actually bound. */
  port: number;
  /** e.g. `http://127.0.0.1:9464` */
  url: string;
  close(): Promise<void>;
}

type Next = (err?: unknown) => void;

/**
 * `GET /metrics` (Prometheus text format) and `GET /healthz` (200 when every Redis connection
 * answers PING, else 503); anything else goes to `next` or gets a 404.
 */
export function metricsHandler(
  metrics: SluiceMetrics,
): (req: IncomingMessage, res: ServerResponse, next?: Next) => void {
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0];
    const respond = async () => {
      if (path === '/metrics' || path === '/metrics/') {
        const { contentType, body } = await metrics.scrape();
        res.writeHead(200, { 'content-type': contentType }).end(body);
      } else if (path === '/healthz' || path === '/health') {
        const health = await metrics.health();
        res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
      } else if (next) {
        next();
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
      }
    };
    respond().catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`metrics failed: ${(err as Error)?.message ?? err}\n`);
    });
  };
}

/** A small HTTP server for Prometheus to scrape. */
export async function serveMetrics(opts: ServeMetricsOptions): Promise<MetricsServer> {
  const d = SERVE_METRICS_DEFAULTS;
  knownOptions('serveMetrics', opts, ['metrics', 'port', 'host']);
  const port = intOption('serveMetrics', 'port', opts.port ?? d.port, 0, 65_535);
  const host = opts.host ?? d.host;
  const server = createServer(metricsHandler(opts.metrics));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port: bound,
    url: `http://${shown}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
