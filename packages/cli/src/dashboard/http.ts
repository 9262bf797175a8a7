// Routes of the dashboard server: the page and its two static files, the JSON API, and the
// live stream of snapshots (server-sent events). Reads are GET, actions are POST; every /api
// call needs the token header (guard.ts).
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SluiceError } from '@sluice/core';
import { validateName } from '@sluice/core/plugin';
import type { DashboardApi } from './api.js';
import type { Guard } from './guard.js';
import type { Sampler, Snapshot } from './sampler.js';

const ASSETS = new URL('../../assets/dashboard/', import.meta.url);
const STATIC: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const MAX_BODY = 256 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RouterDeps {
  guard: Guard;
  api: DashboardApi;
  sampler: Sampler;
  /** Open event streams, written on every snapshot. */
  subscribers: Set<ServerResponse>;
  info: { prefix: string; redis: string; version: string };
}

export function sendSnapshot(res: ServerResponse, s: Snapshot): void {
  res.write(`event: snapshot\ndata: ${JSON.stringify(s)}\n\n`);
}

export function router(deps: RouterDeps) {
  return (req: IncomingMessage, res: ServerResponse) => {
    handle(deps, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof SluiceError ? 400 : 500;
      if (!res.headersSent) json(res, status, { error: (err as Error)?.message ?? String(err) });
      else res.end();
    });
  };
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { guard, api, sampler } = deps;
  const url = new URL(req.url ?? '/', 'http://dashboard');
  if (!guard.hostAllowed(req)) throw new HttpError(403, 'unexpected Host header');
  const asset = STATIC[url.pathname];
  if (asset && req.method === 'GET') return serveAsset(res, guard, asset);
  if (!url.pathname.startsWith('/api/')) throw new HttpError(404, 'not found');
  if (!guard.tokenOk(req)) throw new HttpError(403, 'missing or wrong x-sluice-token header');
  const route = `${req.method} ${url.pathname}`;
  const stream = () => validateName('stream', url.searchParams.get('stream') ?? '');
  switch (route) {
    case 'GET /api/info':
      return json(res, 200, deps.info);
    case 'GET /api/snapshot':
      return json(res, 200, sampler.latest);
    case 'GET /api/events':
      return openEvents(deps, req, res);
    case 'GET /api/dlq':
      return json(res, 200, await api.deadLetters(stream()));
    case 'GET /api/delayed':
      return json(res, 200, await api.delayed(stream()));
    case 'GET /api/status':
      return json(res, 200, await api.status(stream(), url.searchParams.get('id') ?? ''));
    case 'POST /api/replay':
    case 'POST /api/purge': {
      const body = await readJson(req);
      const name = validateName('stream', body.stream);
      const ids = body.ids === undefined ? undefined : (body.ids as string[]);
      const result = route === 'POST /api/replay' ? await api.replay(name, ids) : await api.purge(name, ids);
      await sampler.refresh();
      return json(res, 200, result);
    }
    default:
      throw new HttpError(req.method === 'GET' || req.method === 'POST' ? 404 : 405, `no route ${route}`);
  }
}

async function serveAsset(res: ServerResponse, guard: Guard, [file, type]: [string, string]): Promise<void> {
  let body = await readFile(new URL(file, ASSETS), 'utf8');
  // A loopback dashboard's minted token goes into the page; a user's token never does.
  if (file === 'index.html') body = body.replace('%TOKEN%', guard.embed ? guard.token : '');
  res.writeHead(200, { 'content-type': type, ...SECURITY_HEADERS }).end(body);
}

function openEvents(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive', ...SECURITY_HEADERS });
  res.write(': sluice dashboard\n\n');
  sendSnapshot(res, deps.sampler.latest);
  deps.subscribers.add(res);
  req.on('close', () => deps.subscribers.delete(res));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'send application/json');
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch {}
  throw new HttpError(400, 'body must be a JSON object');
}
