import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Script } from './script.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('script');
});
afterEach(async () => {
  await h.close();
});

// A source no server has seen: its first EVALSHA answers NOSCRIPT.
const fresh = (body: string) => new Script('t', `-- ${h.prefix} ${Math.random()}\n${body}`);

describe('Script.runThen', () => {
  it('loads an unknown script, then runs it and the next command in one transaction', async () => {
    const key = `${h.prefix}:{s}:list`;
    const push = fresh("return redis.call('RPUSH', KEYS[1], ARGV[1])");
    expect(await push.runThen(h.redis, [key], ['a'], ['LRANGE', key, '0', '-1'])).toEqual([1, ['a']]);
    // Loaded now: the EVALSHA succeeds directly.
    expect(await push.runThen(h.redis, [key], ['b'], ['LLEN', key])).toEqual([2, 2]);
  });

  it("throws the script's error, and the next command's", async () => {
    const key = `${h.prefix}:{s}:str`;
    await h.redis.sendCommand(['SET', key, 'x']);
    const fail = fresh("return redis.error_reply('boom')");
    await expect(fail.runThen(h.redis, [key], [], ['GET', key])).rejects.toThrow(/boom/);
    const ok = fresh('return 1');
    await expect(ok.runThen(h.redis, [key], [], ['LLEN', key])).rejects.toThrow(/WRONGTYPE/);
  });
});
