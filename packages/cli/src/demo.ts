// `sluice demo`: the story of what Sluice is for, in a few seconds on a local redis-server.
// A fleet of worker processes charges orders; one worker is SIGKILLed mid-run and the others
// take over what it held; some orders fail once and are retried, some are dead-lettered; every
// result is awaited with Results.waitFor. The dashboard and /metrics serve while it runs and,
// on a terminal, until Ctrl-C.
import { ConfigError, Producer, type RedisClient } from '@sluice/core';
import { closeQuietly, compareIds, openConnection, streamKeys } from '@sluice/core/plugin';
import { type ResultEntry, Results, replies, serveMetrics, sluiceMetrics } from '@sluice/results';
import { startRedis } from '@sluice/testing';
import { startDashboard } from './dashboard/index.js';
import { Fleet } from './demo/fleet.js';
import { type DemoSummary, Printer } from './demo/printer.js';
import type { Order } from './demo/worker.js';

export type { DemoSummary } from './demo/printer.js';

export interface DemoOptions {
  /** Redis URL; unset → a local redis-server started for the demo (and stopped after). */
  url?: string | undefined;
  /** Orders to publish. @defaultValue 400 */
  tasks?: number | undefined;
  /** Worker processes (one of them is killed). @defaultValue 3 */
  consumers?: number | undefined;
  /** Exit when the story is told; otherwise serve the dashboard until Ctrl-C. @defaultValue !stdin.isTTY */
  once?: boolean | undefined;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Preferred ports; a busy one falls back to a free one. @defaultValue 8080 and 9464 */
  dashboardPort?: number;
  metricsPort?: number;
}

const STREAM = 'orders';
const GROUP = 'billing';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function orderKind(n: number): Order['kind'] {
  if (n % 100 === 50) return 'declined';
  if (n % 40 === 7) return 'flaky';
  return 'ok';
}

/** Listen on the preferred port, or on a free one when it is taken. */
async function listen<T>(start: (port: number) => Promise<T>, port: number): Promise<T> {
  try {
    return await start(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code !== 'EADDRINUSE') throw err;
    return start(0);
  }
}

async function heldBy(client: RedisClient, key: string, consumer: string): Promise<string[]> {
  const rows = await client.sendCommand<unknown[][]>(['XPENDING', key, GROUP, '-', '+', '10000', consumer]);
  return rows.map((r) => String(r[0]));
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoSummary> {
  const total = opts.tasks ?? 400;
  const workers = opts.consumers ?? 3;
  if (!Number.isInteger(total) || total < 10)
    throw new ConfigError(`demo: tasks must be an integer >= 10, got ${total}`);
  if (!Number.isInteger(workers) || workers < 2 || workers > 16) {
    throw new ConfigError(`demo: consumers must be 2..16 (one worker gets killed), got ${workers}`);
  }
  const once = opts.once ?? !process.stdin.isTTY;
  const print = new Printer(opts.out ?? process.stdout);
  const began = performance.now();
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const server = opts.url ? undefined : await startRedis({ fresh: true });
    if (server) cleanup.push(() => server.stop());
    const url = opts.url ?? (server?.url as string);
    // Our own local server gets the default prefix; someone else's Redis a fresh one per run.
    const prefix = server ? 'sluice' : `demo-${Date.now().toString(36)}`;
    const keys = streamKeys(STREAM, prefix);
    const { client } = await openConnection({ url }, () => {});
    cleanup.push(() => closeQuietly(client));
    await client.sendCommand(['XGROUP', 'CREATE', keys.stream, GROUP, '0', 'MKSTREAM']).catch(() => {});

    const metrics = sluiceMetrics();
    const unwatch = metrics.watch(client, { stream: STREAM, group: GROUP, prefix });
    cleanup.push(async () => unwatch());
    const metricsServer = await listen(
      (port) => serveMetrics({ metrics, port, host: '127.0.0.1' }),
      opts.metricsPort ?? 9464,
    );
    cleanup.push(() => metricsServer.close());
    const dashboard = await listen((port) => startDashboard({ url, prefix, port }), opts.dashboardPort ?? 8080);
    cleanup.push(() => dashboard.close());
    print.line('sluice demo: a fleet of worker processes on one Redis stream');
    print.line(
      `  redis      ${server ? `${url} (a local redis-server for the demo; set REDIS_URL to use yours)` : url}`,
    );
    print.line(`  dashboard  ${dashboard.url}`);
    print.line(`  metrics    ${metricsServer.url}/metrics`);
    print.line();

    const fleet = new Fleet();
    cleanup.push(() => fleet.stop());
    await fleet.start(workers, { url, prefix, stream: STREAM, group: GROUP, workMs: 25 });
    print.step(
      `${workers} worker processes (pids ${fleet.workers.map((w) => w.pid).join(', ')}) consume "${STREAM}" as group "${GROUP}"`,
    );

    const producer = new Producer({ url, prefix, use: [metrics, replies({ url, prefix })] });
    cleanup.push(() => producer.close());
    const results = new Results({ url, prefix, stream: STREAM });
    cleanup.push(() => results.close());

    // The first call opens the result reader's connections; the second shows the usual round trip.
    const warm = await producer.publishAndWait<ResultEntry>(STREAM, { n: 0, kind: 'ok' }, { timeoutMs: 10_000 });
    const t0 = performance.now();
    const first = await producer.publishAndWait<ResultEntry>(STREAM, { n: 1, kind: 'ok' }, { timeoutMs: 10_000 });
    const roundTrip = Math.round(performance.now() - t0);
    print.step(
      `publishAndWait: order #1 charged by ${first.consumer} in ${Math.round(first.ms)} ms (${roundTrip} ms round trip)`,
    );

    const orders = Array.from({ length: total - 2 }, (_, i) => ({ n: i + 2, kind: orderKind(i + 2) }));
    const ids = await producer.publishMany(STREAM, orders);
    const flaky = orders.filter((o) => o.kind === 'flaky').length;
    const declined = orders.filter((o) => o.kind === 'declined').length;
    print.step(`published ${ids.length} more orders: ${flaky} will fail once, ${declined} can never succeed`);

    const finals: ResultEntry[] = [warm, first];
    const waits = ids.map((id) => results.waitFor(id, { timeoutMs: 60_000 }).then((r) => finals.push(r)));
    const victim = fleet.workers[1]?.name as string;
    let held: string[] = [];
    let killedAt = 0;
    let takeoverShown = false;
    const showTakeover = () => {
      const by = fleet.takenOver(held);
      const moved = [...by.values()].reduce((a, b) => a + b, 0);
      if (takeoverShown || moved < held.length) return;
      takeoverShown = true;
      const who = [...by].map(([name, n]) => `${name} (${n})`).join(', ');
      const after = ((performance.now() - killedAt) / 1000).toFixed(1);
      print.step(`${victim}'s ${held.length} tasks reclaimed by ${who} after ${after} s (recovery(): XAUTOCLAIM)`);
    };
    while (finals.length < total) {
      if (!killedAt && finals.length >= total * 0.25) {
        const holding = await heldBy(client, keys.stream, victim);
        if (holding.length > 0 || finals.length >= total * 0.6) {
          await fleet.kill(victim);
          killedAt = performance.now();
          held = await heldBy(client, keys.stream, victim); // it is dead: this is what it left
          print.step(`${victim} killed (SIGKILL) holding ${held.length} tasks: nobody acked them`);
        }
      }
      if (killedAt && held.length) showTakeover();
      print.progress(finals.length, total);
      await Promise.race([sleep(50), Promise.all(waits)]);
    }
    await Promise.all(waits);
    for (let i = 0; i < 40 && held.length && !takeoverShown; i++) {
      showTakeover();
      if (!takeoverShown) await sleep(50);
    }

    const done = finals.filter((r) => r.status === 'ok');
    const dead = finals.filter((r) => r.status === 'dead');
    const retried = done.filter((r) => r.attempt > 1).length;
    print.step(`${retried} orders failed once (payment gateway timeout) and succeeded on a retry`);
    const hint = prefix === 'sluice' ? '' : ` --prefix ${prefix}`;
    print.step(
      `${dead.length} orders dead-lettered after ${dead[0]?.attempt ?? 3} attempts (card declined): sluice dlq list ${STREAM}${hint}`,
    );
    print.step(`all ${total} results awaited with Results.waitFor: ${done.length} ok, ${dead.length} dead`);

    const priority = await showPriority(producer, results, print);

    const perWorker: Record<string, number> = {};
    for (const w of fleet.workers) perWorker[w.name] = 0;
    for (const r of finals) perWorker[r.consumer] = (perWorker[r.consumer] ?? 0) + 1;
    const [pending] = await client.sendCommand<[number]>(['XPENDING', keys.stream, GROUP]);
    const summary: DemoSummary = {
      published: total,
      processed: finals.length,
      done: done.length,
      retried,
      deadLettered: dead.length,
      reclaimed: [...fleet.takenOver(held).values()].reduce((a, b) => a + b, 0),
      killed: { name: victim, held: held.length },
      priority,
      perWorker,
      pending: Number(pending),
      seconds: (performance.now() - began) / 1000,
      dashboardUrl: dashboard.url,
      metricsUrl: `${metricsServer.url}/metrics`,
    };
    for (const note of fleet.notes) print.line(`  (${note})`);
    if (!once) {
      print.summary(summary);
      print.line();
      print.line(
        `serving ${dashboard.url} and ${metricsServer.url}/metrics; the workers take a trickle of orders. Ctrl-C to stop.`,
      );
      await serveUntilSignal(producer, total);
      print.line('stopping…');
      return summary;
    }
    print.summary(summary);
    return summary;
  } finally {
    // Each step bounded: after Ctrl-C the redis-server may already be gone (it got the signal too).
    for (const close of cleanup.reverse()) await withTimeout(close(), 3000).catch(() => {});
    stopListening();
  }
}

/** Bulk orders behind the line, then a few express ones (priority 1) that jump it. */
const BULK = 150;
const EXPRESS = 5;

/**
 * The priority part of the story: BULK orders at priority 5, then EXPRESS at priority 1. The
 * workers' strict ordering dispatches the express ones as soon as a slot frees; the count of bulk
 * orders settled before the last express one (from result-stream ids, which are settle order)
 * shows it. FIFO would settle all BULK first.
 */
async function showPriority(producer: Producer, results: Results, print: Printer): Promise<DemoSummary['priority']> {
  const bulk = await producer.publishMany(
    STREAM,
    Array.from({ length: BULK }, (_, i) => ({ n: 100_000 + i, kind: 'ok' as const })),
    { priority: 5 },
  );
  const express = await producer.publishMany(
    STREAM,
    Array.from({ length: EXPRESS }, (_, i) => ({ n: 200_000 + i, kind: 'ok' as const })),
    { priority: 1 },
  );
  const wait = (id: string) => results.waitFor(id, { timeoutMs: 60_000 });
  const [bulkDone, expressDone] = await Promise.all([Promise.all(bulk.map(wait)), Promise.all(express.map(wait))]);
  const lastExpress = expressDone
    .map((r) => r.resultId)
    .sort(compareIds)
    .at(-1) as string;
  const bulkBefore = bulkDone.filter((r) => compareIds(r.resultId, lastExpress) < 0).length;
  print.step(
    `priority: ${EXPRESS} express orders (priority 1) published after ${BULK} bulk ones (priority 5) were all charged after ${bulkBefore} bulk orders (FIFO: after all ${BULK})`,
  );
  return { bulk: BULK, express: EXPRESS, bulkBefore };
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// Ctrl-C / TERM while serving. The listener stays until the cleanup is over: a second signal
// must not cut it short. (@sluice/testing stops its redis-server on the signal and, seeing this
// listener, leaves the exit to us.)
let signalled: (() => void) | undefined;
const onSignal = () => signalled?.();
function stopListening(): void {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Keep the workers busy with a few orders a second (so the charts move) until Ctrl-C / TERM. */
async function serveUntilSignal(producer: Producer, from: number): Promise<void> {
  let n = from;
  let tick = 0;
  const publish = (count: number, delayMs?: number) => {
    for (let i = 0; i < count; i++, n++) {
      // Fewer hopeless orders than in the story: the DLQ grows slowly while the page is open.
      const kind = n % 500 === 250 ? 'declined' : orderKind(n) === 'flaky' ? 'flaky' : 'ok';
      void producer.publish(STREAM, { n, kind }, delayMs ? { delayMs } : {}).catch(() => {});
    }
  };
  // An uneven trickle, a burst now and then (lag rises and drains), a few orders scheduled ahead.
  const timer = setInterval(() => {
    tick++;
    publish(2 + ((tick * 7) % 11));
    if (tick % 40 === 20) publish(300);
    if (tick % 8 === 0) publish(1, 20_000 + (tick % 5) * 5_000);
  }, 500);
  await new Promise<void>((resolve) => {
    signalled = resolve;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  clearInterval(timer);
}
