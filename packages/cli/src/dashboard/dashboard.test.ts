// The dashboard in a real browser (headless Chromium driven by playwright-core): it shows the
// counts Redis has, renders hostile payloads and error texts as text, replays dead letters
// (checked in Redis), and refuses API calls without the token.
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recovery } from '@sluice/claim';
import { NonRetryableError } from '@sluice/core';
import { results } from '@sluice/results';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from './index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The README's screenshot is refreshed on demand (SLUICE_SCREENSHOT=1); other runs keep the tree clean.
const SCREENSHOT = process.env.SLUICE_SCREENSHOT
  ? fileURLToPath(new URL('../../../../docs/img/dashboard.png', import.meta.url))
  : join(tmpdir(), `sluice-dashboard-${process.pid}.png`);
const EVIL_ERROR = 'card declined <script>window.__pwned = 1; alert(1)</script>';
const EVIL_DATA = '<img src=x onerror="window.__pwned = 2; alert(2)">';

type Job = { kind: 'ok' | 'evil' | 'flaky'; note?: string; n: number };

function get(url: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(new URL(path, url), { headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function cell(page: Page, stream: string, field: string): Promise<number> {
  return Number(await page.textContent(`tr[data-stream="${stream}"] [data-field="${field}"]`));
}

describe('sluice dashboard', () => {
  let h: Harness;
  let browser: Browser | undefined;
  let dash: Dashboard | undefined;
  beforeEach(async () => {
    h = await harness('dash');
  });
  afterEach(async () => {
    await browser?.close();
    await dash?.close();
    browser = undefined;
    dash = undefined;
    await h.close();
  });

  it('shows real counts, renders hostile text as text, and replays dead letters after a confirm', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    dash = await startDashboard({ url: h.url, prefix: h.prefix, port: 0, token: 'a-test-token-0123', intervalMs: 250 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void (d.type() === 'confirm' ? d.accept() : d.dismiss());
    });
    await page.goto(dash.url);

    // A few seconds of traffic for the charts: most tasks succeed, three are hostile and
    // dead-lettered, two fail once and wait in the delayed set for a retry a minute away.
    const producer = h.producer();
    const worker = h.consumer<Job>({
      use: [recovery({ attempts: 2, backoff: () => 60_000 }), results()],
      handler: async (job) => {
        if (job.kind === 'evil') throw new NonRetryableError(EVIL_ERROR);
        if (job.kind === 'flaky') throw new Error('upstream timeout');
        return { ok: job.n };
      },
    });
    await worker.start();
    const flaky: string[] = [];
    for (let i = 0; i < 12; i++) {
      const batch: Job[] = Array.from({ length: 5 + (i % 4) * 4 }, (_, k) => ({ kind: 'ok', n: i * 100 + k }));
      if (i === 3 || i === 6 || i === 9) batch.push({ kind: 'evil', note: EVIL_DATA, n: i });
      if (i === 4 || i === 8) batch.push({ kind: 'flaky', n: i });
      const ids = await producer.publishMany('jobs', batch);
      if (batch.at(-1)?.kind === 'flaky') flaky.push(ids.at(-1) as string);
      await new Promise((r) => setTimeout(r, 200));
    }
    await until(
      async () => Number(await h.redis.sendCommand(['XLEN', h.keys.dlq])) === 3,
      30_000,
      'three dead letters',
    );
    await until(
      async () => (await h.pending()) === 0 && Number(await h.redis.sendCommand(['ZCARD', h.keys.delayed])) === 2,
      30_000,
      'two retries waiting',
    );
    await worker.close();
    // Some work left: two entries held by a consumer that went away, five never delivered.
    await producer.publishMany(
      'jobs',
      Array.from({ length: 7 }, (_, n) => ({ kind: 'ok', n })),
    );
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'worker-gone', 'COUNT', '2', 'STREAMS', h.keys.stream, '>']);

    // The page shows what Redis says.
    const redisCounts = async () => ({
      length: Number(await h.redis.sendCommand(['XLEN', h.keys.stream])),
      pending: await h.pending(),
      dlq: Number(await h.redis.sendCommand(['XLEN', h.keys.dlq])),
      delayed: Number(await h.redis.sendCommand(['ZCARD', h.keys.delayed])),
      lag: 5,
    });
    const want = await redisCounts();
    expect(want).toMatchObject({ pending: 2, dlq: 3, delayed: 2 });
    const shown = async () => ({
      length: await cell(page, 'jobs', 'length'),
      pending: await cell(page, 'jobs', 'pending'),
      dlq: await cell(page, 'jobs', 'dlq'),
      delayed: await cell(page, 'jobs', 'delayed'),
      lag: await cell(page, 'jobs', 'lag'),
    });
    await until(
      async () => JSON.stringify(await shown()) === JSON.stringify(want),
      30_000,
      'the page to show the counts',
    );
    expect(await shown()).toEqual(want);
    await page.waitForSelector('tr[data-dlq-id]');
    expect(await page.locator('tr[data-dlq-id]').count()).toBe(3);
    expect(await page.locator('tr[data-consumer="worker-gone"]').count()).toBe(1);
    expect(await page.textContent('#delayed-body')).toContain('retry (attempt 2)');

    // Hostile text is shown as text: present verbatim, and nothing it describes exists or ran.
    const body = (await page.textContent('body')) ?? '';
    expect(body).toContain(EVIL_ERROR);
    expect(body).toContain(EVIL_DATA.replaceAll('"', '\\"')); // the payload is JSON text: quotes escaped
    expect(await page.evaluate("document.querySelectorAll('img').length")).toBe(0);
    expect(await page.evaluate("[...document.scripts].map((s) => s.getAttribute('src'))")).toEqual(['/app.js']);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);

    // One task's status by id: a flaky one waits for its retry.
    await page.fill('#status-id', flaky[0] as string);
    await page.click('#status-form button');
    await page.waitForSelector('#status-out dd.state');
    expect(await page.textContent('#status-out dd.state')).toBe('retrying');
    expect(await page.textContent('#status-out')).toContain('attempt2');

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Replay asks first, then the dead letters are back in the stream.
    const before = want.length;
    await page.click('#replay-all');
    await until(async () => Number(await h.redis.sendCommand(['XLEN', h.keys.dlq])) === 0, 30_000, 'the DLQ to empty');
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toMatch(/^confirm: Replay all dead letters of "jobs"/);
    const replayed = (await h.range(h.keys.stream)).slice(before);
    expect(replayed).toHaveLength(3);
    for (const e of replayed) expect(JSON.parse(e.f.data as string)).toMatchObject({ kind: 'evil', note: EVIL_DATA });
    await page.waitForSelector('#flash:has-text("Replayed 3 dead letters")');
    await until(async () => (await cell(page, 'jobs', 'dlq')) === 0, 30_000, 'the page to show an empty DLQ');

    // Without the token (or with a wrong one) the API refuses, actions and reads alike.
    expect((await post(dash.url, '/api/replay', { stream: 'jobs' })).status).toBe(403);
    expect(
      (await post(dash.url, '/api/purge', { stream: 'jobs' }, { 'x-sluice-token': 'wrong-token-000' })).status,
    ).toBe(403);
    const ok = await post(dash.url, '/api/purge', { stream: 'jobs' }, { 'x-sluice-token': 'a-test-token-0123' });
    expect([ok.status, JSON.parse(ok.body)]).toEqual([200, { purged: 0 }]);
    const read = await fetch(new URL('/api/snapshot', dash.url));
    expect(read.status).toBe(403);
  }, 120_000);

  it('needs a token off loopback, rejects unknown options, and on loopback hands its minted token only to its own page', async () => {
    await expect(startDashboard({ url: h.url, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /listening on 0\.0\.0\.0 \(not loopback\) requires a token/,
    );
    await expect(startDashboard({ url: h.url, host: '0.0.0.0', port: 0, token: 'short' })).rejects.toThrow(
      /"token" must be a string of at least 8 characters/,
    );
    await expect(startDashboard({ url: h.url, port: 0, colour: 'red' } as never)).rejects.toThrow(
      /unknown option "colour"/,
    );

    dash = await startDashboard({ url: h.url, prefix: h.prefix, port: 0 });
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(dash.url, '/');
    expect(page.status).toBe(200);
    const token = /name="sluice-token" content="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect((await get(dash.url, '/api/snapshot', { 'x-sluice-token': token })).status).toBe(200);
    expect((await get(dash.url, '/api/snapshot')).status).toBe(403);
    expect((await post(dash.url, '/api/replay', { stream: 'jobs' })).status).toBe(403);
    // A DNS-rebinding page reaches us under its own host name: refused, page and API alike.
    const port = new URL(dash.url).port;
    expect((await get(dash.url, '/', { host: `evil.example:${port}` })).status).toBe(403);
    expect(
      (await get(dash.url, '/api/snapshot', { host: `evil.example:${port}`, 'x-sluice-token': token })).status,
    ).toBe(403);
    // Bad input is a 400 with the reason, not a crash.
    const bad = await get(dash.url, '/api/status?stream=jobs&id=nope', { 'x-sluice-token': token });
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([
      400,
      expect.stringMatching(/task id: entry id must look like/),
    ]);
  });
});
