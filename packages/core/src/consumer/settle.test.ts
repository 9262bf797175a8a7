// The settle script against a real group: one range read fences the whole batch, one
// XACK acks it, and an entry another consumer took over is skipped with all its writes.

import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roleKeys, streamKeys } from '../keys.js';
import { settleArgs, settleFlags, settleScript } from '../lua/settle.js';
import { compareIds } from '../redis/ids.js';
import type { Outcome } from '../wire/outcome.js';
import type { Entry } from '../wire/task.js';

describe('settle script', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('settle');
  });
  afterEach(() => h.close());

  async function setup(count: number) {
    const keys = streamKeys('jobs', h.prefix);
    const ids = await h.deliver(count, 'me');
    return { keys, ids };
  }

  const outcome = (id: string): Outcome =>
    ({
      entry: { id } as Entry,
      status: 'ok',
      durationMs: 0,
      consumer: 'me',
      ack: true,
      writes: [{ op: 'xadd', key: 'results', fields: ['id', id] }],
    }) as Outcome;

  it('applies owned outcomes, fences the ones another consumer claimed, in any order', async () => {
    const { keys, ids } = await setup(10);
    const stolen = [ids[2], ids[7]] as string[];
    await h.redis.sendCommand(['XCLAIM', keys.stream, 'g', 'other', '0', ...stolen, 'JUSTID']);
    const batch = [...ids].reverse().map(outcome);
    const reply = await settleScript.run<number[]>(h.redis, roleKeys(keys), settleArgs('g', 'me', true, batch));
    expect(settleFlags(reply, batch.length)).toEqual([...ids].reverse().map((id) => (stolen.includes(id) ? 0 : 1)));
    const pending = await h.redis.sendCommand<[string, string][]>(['XPENDING', keys.stream, 'g', '-', '+', '100']);
    expect(pending.map(([id]) => id)).toEqual(stolen);
    const results = await h.redis.sendCommand<[string, string[]][]>(['XRANGE', keys.results, '-', '+']);
    expect(results.map(([, f]) => f[1] as string).sort(compareIds)).toEqual(ids.filter((id) => !stolen.includes(id)));
  });

  it('falls back to one check per entry when the range read is cut off by its limit', async () => {
    const { keys, ids } = await setup(20);
    await h.redis.sendCommand(['XCLAIM', keys.stream, 'g', 'other', '0', ids[19] as string, 'JUSTID']);
    // Settle only every other entry, with a range limit of 3 so the read is always full.
    const batch = ids.filter((_, i) => i % 2 === 1).map(outcome);
    const args = settleArgs('g', 'me', true, batch);
    args[6] = '3';
    const reply = await settleScript.run<number[]>(h.redis, roleKeys(keys), args);
    expect(settleFlags(reply, batch.length)).toEqual(batch.map((o) => (o.entry.id === ids[19] ? 0 : 1)));
    const [count] = await h.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']);
    expect(count).toBe(11);
  });

  it('with fencing off, applies every outcome', async () => {
    const { keys, ids } = await setup(4);
    await h.redis.sendCommand(['XCLAIM', keys.stream, 'g', 'other', '0', ids[0] as string, 'JUSTID']);
    const reply = await settleScript.run<number[]>(
      h.redis,
      roleKeys(keys),
      settleArgs('g', 'me', false, ids.map(outcome)),
    );
    expect(reply).toEqual([]);
  });

  it('orders stream ids numerically', () => {
    const ids = ['10-0', '9-5', '9-10', '9-9', '100-0', '10-1'];
    expect([...ids].sort(compareIds)).toEqual(['9-5', '9-9', '9-10', '10-0', '10-1', '100-0']);
    expect(compareIds('5', '5-0')).toBe(0);
  });
});
