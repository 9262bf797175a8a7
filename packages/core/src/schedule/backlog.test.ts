// The backlog's edges on a real Redis: bad ordering options write nothing, expired and
// malformed members are dead-lettered, ordered retries and delayed ordered publishes go
// back to the backlog with their score, several busy consumers keep the priority order.
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { promoteArgs, promoteKeys, promoteScript } from '../lua/promote.js';
import { encodeDelayed } from '../wire/delayed.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('backlog');
});
afterEach(async () => {
  await h.close();
});

type Task = { n: number; p?: number };
type ConsumerOpts = Parameters<typeof h.consumer<Task>>[0];
function consumer(opts: ConsumerOpts) {
  return h.consumer<Task>({
    blockMs: 200,
    ordering: {},
    ...opts,
  });
}

describe('backlog', () => {
  it.each([
    [{ priority: 0 }, /priority/],
    [{ priority: 1.5 }, /priority/],
    [{ priority: 3_000_000 }, /priority/],
    [{ deadline: Date.now() - 1000 }, /in the past/],
    [{ deadline: new Date(Number.NaN) }, /deadline/],
    [{ estimatedMs: -1 }, /estimatedMs/],
    [{ lifo: true, priority: 2 }, /pick one/],
  ])('rejects %j with ERR_SLUICE_PAYLOAD and writes nothing', async (options, message) => {
    const p = h.producer();
    const err = await p.publish('jobs', { n: 1 }, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe('ERR_SLUICE_PAYLOAD');
    expect((err as Error).message).toMatch(message);
    await expect(p.publishMany('jobs', [{ n: 1 }], options)).rejects.toThrow(message);
    await p.flushAll();
    expect(await h.redis.sendCommand(['EXISTS', h.keys.backlog, h.keys.stream, h.keys.delayed])).toBe(0);
  });

  it('dead-letters a task still waiting past its deadline with reason expired and the deadline', async () => {
    const p = h.producer();
    const deadline = Date.now() + 150;
    const id = await p.publish('jobs', { n: 1 }, { deadline });
    await new Promise((r) => setTimeout(r, 250));
    const ran: Task[] = [];
    const expired: number[] = [];
    const c = consumer({ handler: (t) => void ran.push(t) });
    c.on('backlogDeadLettered', (n) => expired.push(n));
    await c.start();
    await until(async () => (await h.range(h.keys.dlq)).length === 1);
    const [dead] = await h.range(h.keys.dlq);
    expect(dead?.f).toMatchObject({ reason: 'expired', dl: String(deadline), origin: id });
    expect(ran).toEqual([]);
    expect(expired).toEqual([1]);
  });

  it('runs an expired task anyway with ordering.expired = "run"', async () => {
    const p = h.producer();
    await p.publish('jobs', { n: 7 }, { deadline: Date.now() + 100 });
    await new Promise((r) => setTimeout(r, 200));
    const ran: Task[] = [];
    await consumer({ ordering: { expired: 'run' }, handler: (t) => void ran.push(t) }).start();
    await until(() => ran.length === 1);
    expect(await h.range(h.keys.dlq)).toEqual([]);
  });

  it('dead-letters a backlog member that does not decode and keeps dispatching', async () => {
    await h.redis.sendCommand(['ZADD', h.keys.backlog, '1', 'not json', '2', '["x","v"]']);
    const p = h.producer();
    await p.publish('jobs', { n: 3 }, { priority: 3 });
    const ran: Task[] = [];
    await consumer({ handler: (t) => void ran.push(t) }).start();
    await until(() => ran.length === 1);
    const dead = await h.range(h.keys.dlq);
    expect(dead.map((d) => [d.f.reason, d.f.member])).toEqual([
      ['malformed', 'not json'],
      ['malformed', '["x","v"]'],
    ]);
  });

  it('sends an ordered retry and a delayed ordered publish back to the backlog with their score', async () => {
    const retry = encodeDelayed(['v', '1', 'data', '{"n":1}', 'attempt', '2', 'ord', '4']);
    await h.redis.sendCommand(['ZADD', h.keys.delayed, '0', retry]);
    const p = h.producer();
    await p.publish('jobs', { n: 2 }, { priority: 2, delayMs: 1 });
    await p.publish('jobs', { n: 3 }, { lifo: true, delayMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    await promoteScript.run(h.redis, promoteKeys(h.keys), promoteArgs(Date.now()));
    const backlog = await h.redis.sendCommand<string[]>(['ZRANGE', h.keys.backlog, '0', '-1', 'WITHSCORES']);
    const scores = new Map<number, string>();
    for (let i = 0; i < backlog.length; i += 2)
      scores.set(JSON.parse(JSON.parse(backlog[i] as string)[4] as string).n, backlog[i + 1] as string);
    expect(scores.get(1)).toBe('4');
    expect(scores.get(2)).toBe('2');
    expect(Number(scores.get(3))).toBeLessThan(0);
    expect(await h.redis.sendCommand(['XLEN', h.keys.stream])).toBe(0);
    // The dispatched entry carries its score again, so a further retry keeps it too.
    const fields: string[][] = [];
    await consumer({ handler: () => {} })
      .on('settled', (o) => void fields.push(o.entry.fields))
      .start();
    await until(() => fields.length === 3);
    expect(fields.map((f) => f[f.indexOf('ord') + 1])).toContain('4');
  });

  it('keeps priority order across 3 consumers at concurrency 50 (inversions only within what they hold)', async () => {
    const p = h.producer();
    const prios = Array.from({ length: 3000 }, (_, n) => 1 + ((n * 7919) % 5));
    for (let prio = 5; prio >= 1; prio--)
      await p.publishMany(
        'jobs',
        prios.flatMap((q, n) => (q === prio ? [{ n, p: q }] : [])),
        { priority: prio },
      );
    const starts: number[] = [];
    const handler = async (t: Task) => {
      starts.push(t.p as number);
      await new Promise((r) => setTimeout(r, 1));
    };
    const cs = ['a', 'b', 'c'].map((name) => consumer({ consumer: name, concurrency: 50, handler }));
    await Promise.all(cs.map((c) => c.start()));
    await until(() => starts.length === 3000, 30_000);
    // A task of priority q may start after one of priority p > q only if it was already held
    // (dispatched) then: at most consumers × (concurrency + prefetch) = 300 starts back.
    const held = 3 * (50 + 50);
    let worst = 0;
    for (let i = held + 1; i < starts.length; i++) {
      worst = Math.max(worst, starts[i - held - 1] as number);
      if (worst > (starts[i] as number))
        throw new Error(`priority ${starts[i]} started > ${held} starts after ${worst}`);
    }
  });
});
