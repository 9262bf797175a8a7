import { PassThrough } from 'node:stream';
import { useRedis } from '@sluice/testing/vitest';
import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.js';
import { main } from './main.js';

describe('sluice demo', () => {
  it('publishes, splits the work over three consumers and reports a summary', async () => {
    const { url } = useRedis();
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += d;
    });
    const summary = await runDemo({ url, tasks: 1500, consumers: 3, out: out as unknown as NodeJS.WriteStream });
    expect(summary.published).toBe(1500);
    expect(summary.processed).toBe(1500);
    expect(summary.pending).toBe(0);
    expect(Object.values(summary.perConsumer).reduce((a, b) => a + b, 0)).toBe(1500);
    expect(Object.values(summary.perConsumer).every((n) => n > 0)).toBe(true);
    expect(text).toMatch(/processed\s+1500/);
    expect(text).toMatch(/worker-3/);
  });

  it('rejects bad arguments with a clear message', async () => {
    await expect(main(['demo', '--tasks', 'lots'])).rejects.toThrow(/--tasks must be a positive integer, got lots/);
    expect(await main(['frobnicate'])).toBe(2);
  });
});
