// The settle fence's window (lua/fence.ts): a batch read less than the window ago (Redis
// time) skips the owner check; older batches, 'strict' batches and groups whose reclaimers
// registered a small min idle time are checked.

import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roleKeys, streamKeys } from '../keys.js';
import { FENCE_TRUST_MS, registerClaimerScript } from '../lua/fence.js';
import { settleArgs, settleFlags, settleScript } from '../lua/settle.js';
import type { Outcome } from '../wire/outcome.js';
import type { Entry } from '../wire/task.js';

describe('settle fence window', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('fence');
  });
  afterEach(() => h.close());

  const keys = () => streamKeys('jobs', h.prefix);
  const settleKeys = () => [...roleKeys(keys()), keys().claimers];
  const outcome = (id: string): Outcome =>
    ({ entry: { id } as Entry, status: 'ok', durationMs: 0, consumer: 'me', ack: true, writes: [] }) as Outcome;

  async function redisNow(): Promise<number> {
    const [s, us] = await h.redis.sendCommand<[string, string]>(['TIME']);
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  /** Two entries read by 'me'; the second then taken by 'other' with a min idle 0 XCLAIM. */
  async function readAndSteal(): Promise<{ ids: string[]; readAt: number }> {
    const readAt = await redisNow(); // just before the read: what the consumer would record
    const ids = await h.deliver(2, 'me');
    await h.redis.sendCommand(['XCLAIM', keys().stream, 'g', 'other', '0', ids[1] as string, 'JUSTID']);
    return { ids, readAt };
  }

  const settle = async (fence: boolean | number, ids: string[]) =>
    settleFlags(
      await settleScript.run<number[]>(h.redis, settleKeys(), settleArgs('g', 'me', fence, ids.map(outcome))),
      ids.length,
    );

  it('skips the owner check for a batch read within the window: what a min-idle-0 claim breaks', async () => {
    const { ids, readAt } = await readAndSteal();
    expect(await settle(readAt, ids)).toEqual([1, 1]);
  });

  it('checks a batch read longer ago than the window', async () => {
    const { ids, readAt } = await readAndSteal();
    expect(await settle(readAt - FENCE_TRUST_MS, ids)).toEqual([1, 0]);
    const pending = await h.redis.sendCommand<[string, string][]>(['XPENDING', keys().stream, 'g', '-', '+', '10']);
    expect(pending.map(([id, owner]) => [id, owner])).toEqual([[ids[1], 'other']]);
  });

  it('checks every batch with fence true (strict), and shrinks the window to half the registered min idle', async () => {
    const { ids, readAt } = await readAndSteal();
    expect(await settle(true, ids)).toEqual([1, 0]);
    const reg = (ms: number) => registerClaimerScript.run<number>(h.redis, [keys().claimers], ['g', String(ms)]);
    expect(await reg(60_000)).toBe(60_000);
    expect(await reg(0)).toBe(0);
    expect(await reg(30_000)).toBe(0);
    await h.redis.sendCommand(['XCLAIM', keys().stream, 'g', 'me', '0', ids[1] as string, 'JUSTID']);
    await h.redis.sendCommand(['XCLAIM', keys().stream, 'g', 'other', '0', ids[1] as string, 'JUSTID']);
    expect(await settle(readAt, [ids[1] as string])).toEqual([0]);
  });

  it('checks a windowed batch when the claimers key is not given', async () => {
    const { ids, readAt } = await readAndSteal();
    const reply = await settleScript.run<number[]>(
      h.redis,
      roleKeys(keys()),
      settleArgs('g', 'me', readAt, ids.map(outcome)),
    );
    expect(reply).toEqual([2]);
  });
});
