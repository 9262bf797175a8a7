import { harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

let h: Awaited<ReturnType<typeof harness>> | undefined;
afterEach(async () => {
  await h?.close();
});

describe('sluice publish', { timeout: 150_000 }, () => {
  it('publishes one JSON per stdin line and prints the ids in order', async () => {
    h = await harness('publish');
    const { url, prefix } = h;
    const r = await sluice(['publish', 'jobs', '--key', 'customer-7'], {
      url,
      prefix,
      input: '{"n":1}\n{"n":2}\n\n{"n":3}\n',
    });
    expect(r.code).toBe(0);
    const ids = r.stdout.trim().split('\n');
    const rows = await h.range(h.keys.stream);
    expect(rows.map((row) => row.id)).toEqual(ids);
    expect(rows.map((row) => JSON.parse(row.f.data as string))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(rows.every((row) => row.f.key === 'customer-7')).toBe(true);
  });

  it('publishes the argument, or schedules it with --delay-ms', async () => {
    h = await harness('publish');
    const { url, prefix } = h;
    const one = await sluice(['publish', 'jobs', '{"hello":"world"}'], { url, prefix });
    expect(one.stdout).toMatch(/^\d+-\d+\n$/);
    const later = await sluice(['publish', 'jobs', '{"later":true}', '--delay-ms', '60000'], { url, prefix });
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/^d1:[0-9a-f]{16}\n$/);
    expect(Number(await h.redis.sendCommand(['XLEN', h.keys.stream]))).toBe(1);
    expect(Number(await h.redis.sendCommand(['ZCARD', h.keys.delayed]))).toBe(1);
  });

  it('rejects a line that is not JSON, naming it, and publishes nothing', async () => {
    h = await harness('publish');
    const { url, prefix } = h;
    const r = await sluice(['publish', 'jobs'], { url, prefix, input: '{"n":1}\n{"n":\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sluice: stdin line 2 is not JSON: /);
    expect(Number(await h.redis.sendCommand(['EXISTS', h.keys.stream]))).toBe(0);
  });
});
