// The timed part of a variant: wall time, Redis CPU (INFO cpu and INFO commandstats deltas on
// the bench's own server) and Node CPU (process.cpuUsage of this process, which runs every
// producer and consumer of the throughput rows, BullMQ's included), read around exactly it.
import type { RedisClientType } from 'redis';
import type { CommandCost, Sample } from './sample.js';

/** Called around the timed part only (the profiler uses them to leave the fill out). */
export interface TimedHooks {
  started?(): Promise<void>;
  stopped?(): Promise<void>;
}

interface RedisReading {
  cpuUs: number;
  commands: Record<string, CommandCost>;
}

/** INFO cpu + commandstats of every node (one today; a cluster env passes all its primaries). */
export async function readRedis(nodes: readonly RedisClientType[]): Promise<RedisReading> {
  const out: RedisReading = { cpuUs: 0, commands: {} };
  for (const node of nodes) {
    const text = String(await node.sendCommand(['INFO', 'cpu', 'commandstats']));
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
    out.cpuUs += Math.round((field('used_cpu_sys') + field('used_cpu_user')) * 1e6);
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      const prev = out.commands[m[1] as string] ?? { calls: 0, usec: 0 };
      out.commands[m[1] as string] = { calls: prev.calls + Number(m[2]), usec: prev.usec + Number(m[3]) };
    }
  }
  return out;
}

export interface Clock {
  /** Ends the timed part: `entries` processed in it. */
  stop(entries: number): Promise<Sample>;
}

/**
 * Starts the timed part. `nodeUs` lets a variant whose work runs in a child process report
 * that process's CPU instead of ours.
 */
export async function startClock(nodes: readonly RedisClientType[], hooks: TimedHooks = {}): Promise<Clock> {
  await hooks.started?.();
  const redis = await readRedis(nodes);
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    async stop(entries) {
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const after = await readRedis(nodes);
      await hooks.stopped?.();
      const commands: Record<string, CommandCost> = {};
      for (const [name, c] of Object.entries(after.commands)) {
        const b = redis.commands[name] ?? { calls: 0, usec: 0 };
        // The INFO reading itself is not part of the work.
        const calls = c.calls - b.calls - (name === 'info' ? nodes.length : 0);
        if (calls > 0) commands[name] = { calls, usec: c.usec - b.usec };
      }
      return { entries, ms, redisUs: after.cpuUs - redis.cpuUs, nodeUs: used.user + used.system, commands };
    },
  };
}

/** Entries per second of a sample. */
export function entriesPerSec(s: Sample): number {
  return Math.round((s.entries * 1000) / s.ms);
}

/** What timedDrain needs of a Consumer or ShardedConsumer. */
export interface Drainable<O> {
  on(event: 'settled', listener: (outcome: O) => void): unknown;
  start(): Promise<void>;
  close(): Promise<unknown>;
}

/**
 * The timed part of every Sluice consume variant: start the clock, start the consumer, stop the
 * clock when `count` outcomes have settled, then close it (untimed). `onSettled` sees each outcome.
 */
export async function timedDrain<O>(
  consumer: Drainable<O>,
  count: number,
  nodes: readonly RedisClientType[],
  hooks: TimedHooks | undefined,
  onSettled?: (outcome: O) => void,
): Promise<Sample> {
  let settled = 0;
  const done = new Promise<void>((resolve) => {
    consumer.on('settled', (outcome) => {
      onSettled?.(outcome);
      if (++settled === count) resolve();
    });
  });
  const clock = await startClock(nodes, hooks);
  await consumer.start();
  await done;
  const sample = await clock.stop(count);
  await consumer.close();
  return sample;
}
