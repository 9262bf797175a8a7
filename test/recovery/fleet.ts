// Spawning and killing real worker processes for the recovery system tests, and reading
// what they recorded. Every process a Fleet spawned is killed by `killAll()` (afterEach).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from '@sluice/core';
import { fieldsToObject, openConnection } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { afterEach, beforeEach } from 'vitest';

const WORKER = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

export interface WorkerConfig {
  prefix: string;
  consumer?: string;
  concurrency?: number;
  prefetch?: number;
  sleepMs?: number;
  timeoutMs?: number;
  promoteIntervalMs?: number;
  recovery?: Record<string, number>;
}

export interface WorkerEvent {
  event: string;
  [k: string]: unknown;
}

export class Worker {
  readonly events: WorkerEvent[] = [];
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  stderr = '';

  constructor(readonly proc: ChildProcess) {
    let buf = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as WorkerEvent);
        nl = buf.indexOf('\n');
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  async ready(timeoutMs = 20_000): Promise<string> {
    await until(() => this.count('ready') > 0 || this.exitCode !== undefined, timeoutMs, `worker ${this.pid} to start`);
    if (this.exitCode !== undefined) throw new Error(`worker exited with ${this.exitCode}: ${this.stderr}`);
    return (this.events.find((e) => e.event === 'ready') as unknown as { consumer: string }).consumer;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.proc.kill(sig);
  }
}

/** Spawn `script` (a worker fixture on the built dist) with its JSON config and the suite's Redis URL. */
export function spawnWorker(script: string, url: string, config: object): Worker {
  const env = { ...process.env, SLUICE_TEST_REDIS_URL: url };
  return new Worker(
    spawn(process.execPath, [script, JSON.stringify(config)], { env, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
}

export class Fleet {
  readonly workers: Worker[] = [];

  /** @param url the suite's Redis (from useRedis()), handed to children as SLUICE_TEST_REDIS_URL */
  constructor(private readonly url: string) {}

  /** Start a worker process: this directory's fixture, or another test's `script` with its own config. */
  start(config: WorkerConfig): Worker;
  start(config: { prefix: string } & Record<string, unknown>, script: string): Worker;
  start(config: { prefix: string }, script = WORKER): Worker {
    const w = spawnWorker(script, this.url, config);
    this.workers.push(w);
    return w;
  }

  /** SIGKILL everything still running (stopped ones included) and wait for the exits. */
  async killAll(): Promise<void> {
    for (const w of this.workers) w.signal('SIGKILL');
    await Promise.all(this.workers.map((w) => w.exited));
    this.workers.length = 0;
  }
}

export interface LogRow {
  e: 'start' | 'done';
  n: number;
  attempt: number;
  at: number;
  c: string;
}

/** Handler starts and finishes the workers wrote. */
export async function readLog(redis: RedisClient, prefix: string): Promise<LogRow[]> {
  const rows = await redis.sendCommand<string[]>(['LRANGE', `${prefix}:test:log`, '0', '-1']);
  return rows.map((r) => JSON.parse(r) as LogRow);
}

export interface ResultRow {
  id: string;
  n: string;
  status: string;
  attempt: string;
  consumer: string;
}

/** Result entries (one per applied, acked outcome) the workers' settle scripts wrote. */
export async function readResults(redis: RedisClient, resultsKey: string): Promise<ResultRow[]> {
  const rows = await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', resultsKey, '-', '+']);
  return rows.map(([, f]) => fieldsToObject(f) as unknown as ResultRow);
}

/** How many times each value occurs. */
export function tally<T>(values: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** XPENDING count per consumer. */
export async function pendingBy(redis: RedisClient, stream: string, group = 'g'): Promise<Map<string, number>> {
  const reply = await redis.sendCommand<[number, string, string, Array<[string, string]> | null]>([
    'XPENDING',
    stream,
    group,
  ]);
  return new Map((reply[3] ?? []).map(([c, n]) => [c, Number(n)]));
}

export interface FleetEnv {
  fleet: Fleet;
  /** A raw client for setting up and checking Redis state. */
  redis: RedisClient;
  prefix: string;
  url: string;
}

/** Per test: the suite's Redis with a fresh prefix, a raw client, and a Fleet whose workers are all killed afterwards. */
export function useFleet(label: string): FleetEnv {
  const env = {} as FleetEnv;
  beforeEach(async () => {
    ({ url: env.url, prefix: env.prefix } = useRedis(label));
    env.redis = (await openConnection({ url: env.url }, () => {})).client;
    env.fleet = new Fleet(env.url);
  });
  afterEach(async () => {
    await env.fleet.killAll();
    await env.redis.close();
  });
  return env;
}
