// The chaos soak: 2 producer processes at a fixed rate, 4 consumer processes with recovery()
// and results(), random kill -9 + restart of consumers, one Redis SHUTDOWN + restart (AOF,
// appendfsync always) in the middle; then a phase where every consumer is stopped with
// close() (SIGTERM) while publishing. Used by soak.test.ts (30 s) and `npm run soak`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient } from '@sluice/core';
import { openConnection, streamKeys } from '@sluice/core/plugin';
import { startRedis, type TestRedis } from '@sluice/testing';
import { fixture, Proc } from './procs.js';
import { handlerStarts, okResults, SeqBits, type Tally, tally } from './verify.js';

export interface SoakOptions {
  seconds: number;
  /** Publishes per second per producer. @defaultValue 100 */
  ratePerSec?: number;
  log?: (line: string) => void;
}

export interface SoakReport extends Omit<Tally, 'lost' | 'doubleAcked' | 'unexplained'> {
  seconds: number;
  published: number;
  resolved: number;
  failedPublishes: number;
  lost: number;
  doubleAcked: number;
  unexplained: string[];
  kills: number;
  restarts: number;
  redisDowntimeMs: number;
  phase2Closes: number;
  phase2Duplicates: number;
  pendingLeft: number;
  deadLettered: number;
  consumerErrors: number;
  /** Both phases ended with every resolved publish processed and nothing pending. */
  drained: boolean;
  elapsedMs: number;
}

const STREAM = 'soak';
const RECOVERY = { minIdleMs: 5_000, claimIntervalMs: 500, keepaliveIntervalMs: 1_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

class Soak {
  readonly logDir = mkdtempSync(join(tmpdir(), 'sluice-soak-'));
  readonly resolved = new SeqBits();
  readonly consumers: Proc[] = [];
  readonly names: string[] = [];
  readonly killed = new Set<string>();
  readonly all: Proc[] = [];
  published = 0;
  failed = 0;
  errors = 0;
  private generation = 0;

  constructor(
    readonly redis: TestRedis,
    readonly say: (line: string) => void,
  ) {}

  async startConsumer(slot: number): Promise<void> {
    const consumer = `c${slot}-${this.generation++}`;
    const proc = new Proc(fixture('consumer.mjs'), {
      url: this.redis.url,
      prefix: this.redis.prefix,
      stream: STREAM,
      consumer,
      logFile: join(this.logDir, `${consumer}.log`),
      recovery: RECOVERY,
    });
    this.all.push(proc);
    proc.onLine((l) => {
      if (l.event === 'error') this.errors++;
    });
    await proc.ready();
    this.consumers[slot] = proc;
    this.names[slot] = consumer;
  }

  async startProducers(from: number[]): Promise<Proc[]> {
    const procs = [0, 1].map((p) => {
      const cfg = { url: this.redis.url, prefix: this.redis.prefix, stream: STREAM, p, ratePerSec: 100, from: from[p] };
      const proc = new Proc(fixture('producer.mjs'), cfg);
      this.all.push(proc);
      proc.onLine((l) => {
        for (const seq of (l.ok as number[] | undefined) ?? []) this.resolved.set(p, seq);
        this.failed += ((l.failed as number[] | undefined) ?? []).length;
      });
      return proc;
    });
    await Promise.all(procs.map((p) => p.ready()));
    return procs;
  }

  /** SIGTERM: stop publishing, wait for every publish in flight; returns the next seq per producer. */
  async stopProducers(procs: Proc[]): Promise<number[]> {
    for (const p of procs) p.signal('SIGTERM');
    const done = await Promise.all(procs.map((p) => p.waitFor((l) => l.event === 'done', 60_000, 'producer done')));
    this.published += done.reduce((s, l) => s + Number(l.published), 0);
    return done.map((l) => Number(l.next));
  }

  private readonly starting = new Map<number, Promise<void>>();

  /** kill -9 a random running consumer and start its replacement in the background. */
  killRandom(): boolean {
    const slots = [0, 1, 2, 3].filter((s) => !this.starting.has(s));
    if (slots.length === 0) return false;
    const slot = slots[Math.floor(Math.random() * slots.length)] as number;
    this.killed.add(this.names[slot] as string);
    const restarted = (this.consumers[slot] as Proc).kill().then(() => this.startConsumer(slot));
    this.starting.set(
      slot,
      restarted.finally(() => this.starting.delete(slot)),
    );
    return true;
  }

  /** SIGTERM (the fixture calls close()), wait until it closed, start the replacement in the background. */
  async closeAndRestart(slot: number): Promise<void> {
    await this.starting.get(slot);
    const proc = this.consumers[slot] as Proc;
    proc.signal('SIGTERM');
    await proc.waitFor((l) => l.event === 'closed', 30_000, `${this.names[slot]} to close`);
    this.starting.set(
      slot,
      this.startConsumer(slot).finally(() => this.starting.delete(slot)),
    );
  }

  /** Every replacement consumer is ready. */
  async settled(): Promise<void> {
    await Promise.all(this.starting.values());
  }

  /**
   * Wait until every resolved publish has a result and nothing is pending or delayed. A
   * backlog on a loaded machine is fine while it shrinks: give up only after `stallMs`
   * without progress. Returns whether it drained.
   */
  async drained(client: RedisClient, stallMs: number): Promise<boolean> {
    const keys = streamKeys(STREAM, this.redis.prefix);
    let best = Number.POSITIVE_INFINITY;
    let progressAt = Date.now();
    for (;;) {
      const ok = await okResults(client, keys.results);
      const missing = [...this.resolved.tags()].filter((t) => !ok.has(t)).length;
      const pending = Number((await client.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]);
      const delayed = Number(await client.sendCommand(['ZCARD', keys.delayed]));
      if (missing === 0 && pending === 0 && delayed === 0) return true;
      if (missing + pending + delayed < best) {
        best = missing + pending + delayed;
        progressAt = Date.now();
      }
      if (Date.now() - progressAt > stallMs) {
        this.say(
          `not drained, no progress for ${stallMs} ms: ${missing} missing, ${pending} pending, ${delayed} delayed`,
        );
        return false;
      }
      await sleep(250);
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.all.map((p) => p.kill()));
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const t0 = Date.now();
  const print = opts.log ?? ((line: string) => console.log(line));
  const say = (line: string) => print(line.startsWith('[soak] ') ? line : `[soak] ${Date.now() - t0} ms: ${line}`);
  const phase1Ms = Math.round(opts.seconds * 700);
  const phase2Ms = opts.seconds * 1000 - phase1Ms;
  const redis = await startRedis({ fresh: true, aof: true, args: ['--appendfsync', 'always'] });
  const soak = new Soak(redis, say);
  const client = (await openConnection({ url: redis.url }, () => {})).client;
  try {
    await Promise.all([0, 1, 2, 3].map((slot) => soak.startConsumer(slot)));
    let producers = await soak.startProducers([0, 0]);
    say(`fleet ready; phase 1: ${phase1Ms} ms of kill -9 and one Redis restart`);

    // Phase 1: a kill -9 every 1–3 s (the replacement starts in the background) and one Redis
    // SHUTDOWN (SIGTERM) + restart halfway. No kills in the last minIdleMs + 1 s, so the
    // entries of the last killed consumer are reclaimed while the producers still publish.
    const end1 = Date.now() + phase1Ms;
    const killsEnd = end1 - RECOVERY.minIdleMs - 1000;
    const restartAt = Date.now() + (killsEnd - Date.now()) / 2;
    let restarts = 0;
    let redisDowntimeMs = -1;
    while (Date.now() < killsEnd) {
      await sleep(Math.min(between(1000, 3000), Math.max(0, killsEnd - Date.now())));
      if (Date.now() >= killsEnd) break;
      if (redisDowntimeMs < 0 && Date.now() >= restartAt) {
        await soak.settled();
        const down = Date.now();
        await redis.restart({ downMs: 500 });
        redisDowntimeMs = Date.now() - down;
        say(`redis restarted after ${redisDowntimeMs} ms down`);
        continue;
      }
      if (soak.killRandom()) restarts++;
    }
    await soak.settled();
    await sleep(Math.max(0, end1 - Date.now()));
    let next = await soak.stopProducers(producers);
    const drained1 = await soak.drained(client, 3 * RECOVERY.minIdleMs + 10_000);
    say(drained1 ? 'phase 1 drained' : 'phase 1 NOT drained');
    const phase2From = next;

    // Phase 2: publish again and stop every consumer with close() (SIGTERM), one after another.
    say(`phase 2: ${phase2Ms} ms, every consumer closed while publishing`);
    producers = await soak.startProducers(next);
    for (let slot = 0; slot < 4; slot++) {
      await sleep(phase2Ms / 5);
      await soak.closeAndRestart(slot);
    }
    await sleep(phase2Ms / 5);
    await soak.settled();
    next = await soak.stopProducers(producers);
    const drained2 = await soak.drained(client, 3 * RECOVERY.minIdleMs + 10_000);

    const keys = streamKeys(STREAM, redis.prefix);
    const ok = await okResults(client, keys.results);
    const starts = handlerStarts(soak.logDir);
    const t = tally(soak.resolved, ok, starts, soak.killed);
    let phase2Duplicates = 0;
    for (const [tag, runs] of starts) {
      const [p, seq] = tag.split(':').map(Number) as [number, number];
      if (seq >= (phase2From[p] as number) && runs.length > 1) phase2Duplicates += runs.length - 1;
    }
    const resolvedCount = [...soak.resolved.tags()].length;
    const report: SoakReport = {
      seconds: opts.seconds,
      published: soak.published,
      resolved: resolvedCount,
      failedPublishes: soak.failed,
      processed: t.processed,
      handlerRuns: t.handlerRuns,
      duplicates: t.duplicates,
      lost: t.lost.length,
      doubleAcked: t.doubleAcked.length,
      unexplained: t.unexplained.slice(0, 10),
      kills: soak.killed.size,
      restarts,
      redisDowntimeMs,
      phase2Closes: 4,
      phase2Duplicates,
      pendingLeft: Number((await client.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]),
      deadLettered: Number(await client.sendCommand(['XLEN', keys.dlq])),
      consumerErrors: soak.errors,
      drained: drained1 && drained2,
      elapsedMs: Date.now() - t0,
    };
    say(formatReport(report));
    return report;
  } finally {
    await soak.cleanup();
    await client.close().catch(() => {});
    await redis.stop();
  }
}

export function formatReport(r: SoakReport): string {
  return [
    `[soak] ${r.seconds} s chaos soak (${Math.round(r.elapsedMs / 1000)} s wall clock)`,
    `  published ${r.published}, resolved ${r.resolved}, rejected ${r.failedPublishes}`,
    `  processed ${r.processed} (handler runs ${r.handlerRuns}), lost ${r.lost}, acked twice ${r.doubleAcked}`,
    `  duplicates ${r.duplicates} (not explained by a kill: ${r.unexplained.length})`,
    `  kill -9: ${r.kills}, consumer restarts: ${r.restarts + r.phase2Closes}, Redis restart: ${r.redisDowntimeMs} ms down`,
    `  phase 2: ${r.phase2Closes} consumers closed while publishing, duplicates ${r.phase2Duplicates}`,
    `  left pending ${r.pendingLeft}, dead-lettered ${r.deadLettered}, consumer error events ${r.consumerErrors}`,
  ].join('\n');
}

/** The guarantees, as failures. */
export function soakFailures(r: SoakReport): string[] {
  const out: string[] = [];
  if (!r.drained) out.push('a phase did not drain (see the log)');
  if (r.lost > 0) out.push(`${r.lost} resolved publishes never processed`);
  if (r.doubleAcked > 0) out.push(`${r.doubleAcked} entries acked twice`);
  if (r.unexplained.length > 0) out.push(`duplicates not explained by a kill: ${r.unexplained.join('; ')}`);
  if (r.phase2Duplicates > 0) out.push(`${r.phase2Duplicates} duplicates after clean close()`);
  if (r.pendingLeft > 0) out.push(`${r.pendingLeft} entries left pending`);
  if (r.deadLettered > 0) out.push(`${r.deadLettered} entries dead-lettered`);
  return out;
}
