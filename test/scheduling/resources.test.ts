// Resources across real processes (issue 11): 3 workers with different capacities, GPU and CPU
// tasks, the GPU worker that runs the slow GPU tasks killed with SIGKILL mid-run, recovery() on
// the survivors. From the recorded starts and finishes: no worker ever used more than its
// capacity in any dimension (a killed run counts as running until the kill), GPU tasks ran only
// on GPU workers (the CPU-only worker gives back any GPU entry it reclaims), every task was done,
// and the killed worker's capacity record expired.
import { fileURLToPath } from 'node:url';
import { Producer } from '@sluice/core';
import { readResourceState, streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { useFleet, type Worker } from '../recovery/fleet.js';

const env = useFleet('resources');
const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

function startWorker(config: Record<string, unknown>): Worker {
  return env.fleet.start({ prefix: env.prefix, ...config }, FIXTURE);
}

type Resources = Record<string, number>;
interface Row {
  e: 'start' | 'done';
  n: number;
  kind: string;
  req: Resources;
  id: string;
  at: number;
  pid: number;
}

describe('resources with real processes', () => {
  it('3 workers (one GPU worker killed with SIGKILL mid-run): capacity never exceeded, GPU tasks only on GPU workers, all done', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const producer = new Producer({ url: env.url, prefix: env.prefix });
    const gpu = { cpu: 1, gpu: 1 };
    const cpu = { cpu: 1 };
    const tasks = [
      ...Array.from({ length: 40 }, (_, n) => ({ n, kind: 'gpu', req: gpu, ms: 120 })),
      ...Array.from({ length: 200 }, (_, n) => ({ n: 1000 + n, kind: 'cpu', req: cpu, ms: 15 })),
    ];
    await Promise.all(tasks.map((t) => producer.publish('jobs', t, { requires: t.req })));
    await producer.close();
    const recovery = { minIdleMs: 1500, claimIntervalMs: 250, keepaliveIntervalMs: 400 };
    const capacities: Record<string, Resources> = {
      doomed: { cpu: 2, gpu: 1 },
      gpu2: { cpu: 2, gpu: 1 },
      cpu4: { cpu: 4 },
    };
    const workers = new Map<string, Worker>();
    for (const [name, capacity] of Object.entries(capacities))
      workers.set(name, startWorker({ consumer: name, capacity, recovery }));
    await Promise.all([...workers.values()].map((w) => w.ready()));
    const doomed = workers.get('doomed') as Worker;
    const pidName = new Map([...workers].map(([name, w]) => [w.pid, name]));

    const rows = async () =>
      (await env.redis.sendCommand<string[]>(['LRANGE', `${env.prefix}:test:log`, '0', '-1'])).map(
        (r) => JSON.parse(r) as Row,
      );
    // Kill while the doomed worker runs a GPU task.
    const runningGpu = async () => {
      const open = new Map<string, string>();
      for (const r of await rows())
        if (r.pid === doomed.pid) r.e === 'start' ? open.set(r.id, r.kind) : open.delete(r.id);
      return [...open.values()].includes('gpu');
    };
    await until(runningGpu, 30_000, 'the doomed worker running a GPU task');
    doomed.signal('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();

    const done = async () => new Set((await rows()).filter((r) => r.e === 'done').map((r) => r.n)).size;
    await until(async () => (await done()) === tasks.length, 45_000, 'every task done');
    await until(
      async () => Number((await env.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]) === 0,
      10_000,
      'nothing pending',
    );

    // Runs [start, done) per (entry id, pid); a killed run lasts until the kill.
    const log = await rows();
    const runs = new Map<string, Row & { end: number; killed: boolean }>();
    for (const r of log) {
      const key = `${r.id}/${r.pid}`;
      if (r.e === 'start') runs.set(key, { ...r, end: killedAt, killed: true });
      else {
        const run = runs.get(key);
        if (run) Object.assign(run, { end: r.at, killed: false });
      }
    }
    const cut = [...runs.values()].filter((r) => r.killed);
    expect(cut.length, 'the kill hit running tasks').toBeGreaterThan(0);
    expect(
      cut.every((r) => r.pid === doomed.pid),
      'only the killed worker left runs unfinished',
    ).toBe(true);
    const over: string[] = [];
    const peak = new Map<string, number>();
    for (const [pid, name] of pidName) {
      const capacity = capacities[name] as Resources;
      const events = [...runs.values()]
        .filter((r) => r.pid === pid)
        .flatMap((r) => [
          { t: r.at, d: 1, req: r.req },
          { t: r.end, d: -1, req: r.req },
        ])
        .sort((a, b) => a.t - b.t || a.d - b.d);
      const use: Resources = {};
      for (const e of events)
        for (const [res, v] of Object.entries(e.req)) {
          use[res] = (use[res] ?? 0) + e.d * v;
          peak.set(`${name} ${res}`, Math.max(peak.get(`${name} ${res}`) ?? 0, use[res] as number));
          if ((use[res] as number) > (capacity[res] ?? 0) + 1e-9) over.push(`${name} ${res}=${use[res]} at ${e.t}`);
        }
    }
    expect(over).toEqual([]);
    // The capacities were used, not one task at a time.
    expect(peak.get('cpu4 cpu')).toBeGreaterThanOrEqual(3);
    expect(peak.get('gpu2 gpu')).toBe(1);
    const gpuOn = new Set([...runs.values()].filter((r) => r.kind === 'gpu').map((r) => pidName.get(r.pid)));
    expect([...gpuOn].sort()).toEqual(['doomed', 'gpu2']);
    // The killed worker's GPU task ran again after reclaim, on the surviving GPU worker: as the
    // same entry when gpu2 reclaimed it, as a new one when cpu4 did and gave it back to its queue.
    const rerun = cut.filter((c) => c.kind === 'gpu').map((c) => c.n);
    for (const n of rerun)
      expect([...runs.values()].some((r) => r.n === n && pidName.get(r.pid) === 'gpu2' && !r.killed)).toBe(true);
    // Its capacity record expired (3 heartbeats of 200 ms); the survivors' are live.
    await until(
      async () => (await readResourceState(env.redis, keys)).consumers.every((c) => c.name !== 'doomed'),
      5000,
      "the killed worker's capacity record to expire",
    );
    const state = await readResourceState(env.redis, keys);
    expect(state.consumers.map((c) => c.name).sort()).toEqual(['cpu4', 'gpu2']);
    expect(state.queued).toBe(0);
    console.log(
      `[resources] ${tasks.length} tasks, ${runs.size} runs, killed mid-run: ${cut.length} (${rerun.length} GPU re-run on gpu2)`,
    );
  }, 60_000);
});
