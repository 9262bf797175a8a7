import { results } from '@sluice/results';
import { harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { sluice, startCli } from '../test-util/cli.js';

let h: Awaited<ReturnType<typeof harness>> | undefined;
afterEach(async () => {
  await h?.close();
});

describe('sluice tail', { timeout: 150_000 }, () => {
  it('prints entries decoded, one per line, from --from and stops after --count', async () => {
    h = await harness('tail');
    const { url, prefix } = h;
    const ids = await h.producer().publishMany('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }], { key: 'k' });
    const r = await sluice(['tail', 'jobs', '--from', '0', '--count', '2'], { url, prefix });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ids[0]}  key=k  {"n":1}\n${ids[1]}  key=k  {"n":2}\n`);
    const json = await sluice(['tail', 'jobs', '--from', String(ids[0]), '--count', '2', '--json'], { url, prefix });
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      expect.objectContaining({ id: ids[1], key: 'k', attempt: 1, data: { n: 2 } }),
      expect.objectContaining({ id: ids[2], key: 'k', attempt: 1, data: { n: 3 } }),
    ]);
  });

  it('follows entries published after it started, and results with --results', async () => {
    h = await harness('tail');
    const { url, prefix } = h;
    const p = h.producer();
    const [first] = await p.publishMany('jobs', [{ n: 0 }]);
    // From a fixed id, so entries published while the CLI starts are not missed.
    const child = startCli(['tail', 'jobs', '--from', String(first), '--count', '2', '--json'], { url, prefix });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await p.publish('jobs', { n: 1 });
    await p.publish('jobs', { n: 2 });
    expect(await exited).toBe(0);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).data),
    ).toEqual([{ n: 1 }, { n: 2 }]);

    const c = h.consumer({ use: [results()], handler: (x: { n: number }) => ({ got: x.n }) });
    await c.start();
    const r = await sluice(['tail', 'jobs', '--results', '--from', '0', '--count', '3'], { url, prefix });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^\\d+-\\d+  ok      task ${first}  attempt 1  \\S+  [\\d.]+ms  \\{"got":0\\}$`),
    );
  });

  it('exits 0 on SIGINT while waiting for entries', async () => {
    h = await harness('tail');
    const { url, prefix } = h;
    await h.producer().publish('jobs', { n: 1 });
    const child = startCli(['tail', 'jobs', '--dlq'], { url, prefix });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      let err = '';
      child.stderr?.on('data', (d) => {
        err += d;
        if (err.includes('following')) resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
