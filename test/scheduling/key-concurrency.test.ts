// Per-key concurrency 1 across real processes (issue 11): 3 workers, 200 keys × 20 tasks, one
// worker killed with SIGKILL midway, recovery() on the survivors. From the recorded start and
// finish times no two tasks of one key ever overlapped (a killed run counts as running until
// the kill; only a re-run of that same entry may follow it), every task was done, and no slot
// leaked. SLUICE_KEYCONC_KEYS / SLUICE_KEYCONC_TASKS scale it.
import { fileURLToPath } from 'node:url';
import { Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { pendingBy, useFleet, type Worker } from '../recovery/fleet.js';

const env = useFleet('keyconc');
const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const KEYS = Number(process.env.SLUICE_KEYCONC_KEYS ?? 200);
const PER_KEY = Number(process.env.SLUICE_KEYCONC_TASKS ?? 20);

function startWorker(config: Record<string, unknown>): Worker {
  return env.fleet.start({ prefix: env.prefix, ordering: { fairness: 'key', keyConcurrency: 1 }, ...config }, FIXTURE);
}

interface Row {
  e: 'start' | 'done';
  k: string;
  n: number;
  id: string;
  at: number;
  pid: number;
}

describe('per-key concurrency with real processes', () => {
  it(`keyConcurrency 1, 3 workers, ${KEYS} keys × ${PER_KEY} tasks, one killed with SIGKILL: no overlap, all done`, async () => {
    const keys = streamKeys('jobs', env.prefix);
    const total = KEYS * PER_KEY;
    const producer = new Producer({ url: env.url, prefix: env.prefix });
    for (let i = 0; i < KEYS; i++)
      await producer.publishMany(
        'jobs',
        Array.from({ length: PER_KEY }, (_, n) => ({ k: `key${i}`, n })),
        { key: `key${i}`, fairness: 'key' },
      );
    await producer.close();
    const recovery = { minIdleMs: 1500, claimIntervalMs: 250, keepaliveIntervalMs: 400 };
    // 3 × 80 slots > 200 keys (without the limit the ring would hand out a second task of a key),
    // and 2 × 80 < 200, so no two workers can hold every key's slot and starve the third.
    // The doomed worker's handlers take 100 ms (the others' 10 ms), so the kill finds it mid-run.
    const workers = [100, 10, 10].map((sleepMs) => startWorker({ concurrency: 80, prefetch: 0, sleepMs, recovery }));
    const names = await Promise.all(workers.map((w) => w.ready()));
    const doomed = workers[0] as Worker;

    const rows = async () =>
      (await env.redis.sendCommand<string[]>(['LRANGE', `${env.prefix}:test:log`, '0', '-1'])).map(
        (r) => JSON.parse(r) as Row,
      );
    const doneCount = async () => (await rows()).filter((r) => r.e === 'done').length;
    await until(async () => (await doneCount()) >= total / 3, 30_000, 'a third done');
    // Kill while the doomed worker is mid-handler: a task it started within the last 40 ms of its
    // 100 ms is surely still running (and pending) when the kill lands, however slow this read was.
    const midRun = async () => {
      const open = new Map<string, number>();
      for (const r of await rows())
        if (r.pid === doomed.pid) r.e === 'start' ? open.set(r.id, r.at) : open.delete(r.id);
      const now = Date.now();
      return [...open.values()].some((at) => now - at < 40);
    };
    await until(midRun, 30_000, 'the doomed worker running tasks');
    doomed.signal('SIGKILL');
    await doomed.exited;
    // What the dead worker held: entries pending in its name, each keeping its key's slot.
    const held = (await pendingBy(env.redis, keys.stream)).get(names[0] as string) ?? 0;
    expect(held, 'the killed worker held entries').toBeGreaterThan(0);
    // Nothing the killed process logs after this: its last log write happened before the kill.
    const killedAt = Date.now();

    const distinctDone = async () =>
      new Set((await rows()).filter((r) => r.e === 'done').map((r) => `${r.k}/${r.n}`)).size;
    await until(async () => (await distinctDone()) === total, 45_000, 'every task done');
    await until(
      async () => Number((await env.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]) === 0,
      10_000,
      'nothing pending',
    );

    // Runs: [start, done) per (entry id, pid); a killed run lasts until the kill.
    const log = await rows();
    const runs = new Map<string, { k: string; id: string; start: number; end: number; killed: boolean }>();
    for (const r of log) {
      const run = `${r.id}/${r.pid}`;
      if (r.e === 'start') runs.set(run, { k: r.k, id: r.id, start: r.at, end: killedAt, killed: true });
      else {
        const s = runs.get(run);
        if (s) Object.assign(s, { end: r.at, killed: false });
      }
    }
    const cut = [...runs.values()].filter((r) => r.killed);
    const mine = log.filter((r) => r.pid === doomed.pid);
    const doomedRuns = `doomed ${doomed.pid}: ${mine.filter((r) => r.e === 'start').length} starts, ${mine.filter((r) => r.e === 'done').length} done; pids ${[...new Set(log.map((r) => r.pid))]}`;
    expect(cut.length, `the kill hit running tasks (${doomedRuns})`).toBeGreaterThan(0);
    const byKey = new Map<string, { id: string; start: number; end: number }[]>();
    for (const r of runs.values()) byKey.set(r.k, [...(byKey.get(r.k) ?? []), r]);
    const overlaps: string[] = [];
    for (const [k, list] of byKey) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i++) {
        const [a, b] = [list[i - 1], list[i]] as [{ id: string; end: number }, { id: string; start: number }];
        // The one allowed overlap: the killed holder's own task, re-run after reclaim.
        if (b.start < a.end && a.id !== b.id) overlaps.push(`${k}: ${a.id} and ${b.id}`);
      }
    }
    const reruns = [...runs.values()].length - total;
    console.log(
      `[keyconc] ${total} tasks, ${runs.size} runs (${reruns} re-runs after the kill), killed mid-run: ${cut.length}, held by the killed worker: ${held}`,
    );
    expect(overlaps).toEqual([]);
    // No slot leaked: every holder released (or healed) once its entry settled.
    expect(Number(await env.redis.sendCommand(['HLEN', keys.sched('running')]))).toBe(0);
    expect(await env.redis.sendCommand(['KEYS', `${keys.sched('hold:')}*`])).toEqual([]);
  });
});
