import { recovery } from '@sluice/claim';
import { NonRetryableError } from '@sluice/core';
import { results } from '@sluice/results';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { HAS_SCRIPT, sluice, sluiceInTty } from '../test-util/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

/** Three dead letters (`bad 1..3`, non-retryable) and a consumer that succeeds once `state.fail` is off. */
async function threeDead(state: { fail: boolean; handled: number[] }): Promise<Harness> {
  const hh = await harness('clidlq');
  await hh.producer().publishMany('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const c = hh.consumer<{ n: number }>({
    use: [recovery({ attempts: 1 }), results()],
    handler: ({ n }) => {
      if (state.fail) throw new NonRetryableError(`bad ${n}`);
      state.handled.push(n);
    },
  });
  await c.start();
  await until(async () => Number(await hh.redis.sendCommand(['XLEN', hh.keys.dlq])) === 3);
  return hh;
}

const xlen = async (key: string) => Number(await h?.redis.sendCommand(['XLEN', key]));

describe('sluice dlq', { timeout: 150_000 }, () => {
  it('lists, filters and shows dead letters', async () => {
    h = await threeDead({ fail: true, handled: [] });
    const { url, prefix } = h;
    const all = await sluice(['dlq', 'list', 'jobs'], { url, prefix });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ID\s+DIED AT\s+REASON\s+ATTEMPT\s+ORIGIN\s+ERROR\n/);
    expect(all.stdout.trim().split('\n')).toHaveLength(4);
    const one = await sluice(['dlq', 'list', 'jobs', '--error', 'bad 2', '--reason', 'non-retryable'], { url, prefix });
    expect(one.stdout).toMatch(
      /\n\d+-\d+\s+\d{4}-\d\d-\d\dT\S+\s+non-retryable\s+1\s+\d+-\d+\s+NonRetryableError: bad 2\n$/,
    );
    const none = await sluice(['dlq', 'list', 'jobs', '--reason', 'malformed'], { url, prefix });
    expect(none.stdout).toBe('no dead letters for jobs\n');
    const json = JSON.parse((await sluice(['dlq', 'list', 'jobs', '--json', '--count', '2'], { url, prefix })).stdout);
    expect(json).toHaveLength(2);
    expect(json[0]).toMatchObject({ reason: 'non-retryable', error: 'NonRetryableError: bad 1', data: { n: 1 } });
    const show = await sluice(['dlq', 'show', 'jobs', json[1].id], { url, prefix });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('err        NonRetryableError: bad 2');
    expect(show.stdout).toContain('data       {"n":2}');
    const missing = await sluice(['dlq', 'show', 'jobs', '1-1'], { url, prefix });
    expect(missing).toMatchObject({ code: 1, stderr: 'sluice: no dead letter 1-1 for jobs\n' });
  });

  it('replays dead letters back into the stream with a final count; --dry-run changes nothing', async () => {
    const state = { fail: true, handled: [] as number[] };
    h = await threeDead(state);
    const { url, prefix } = h;
    const dry = await sluice(['dlq', 'replay', 'jobs', '--dry-run'], { url, prefix });
    expect(dry).toMatchObject({ code: 0, stdout: 'would replay 3 dead letter(s) of jobs, skipped 0\n' });
    expect(await xlen(h.keys.dlq)).toBe(3);
    expect(await xlen(h.keys.stream)).toBe(3);

    state.fail = false;
    const real = await sluice(['dlq', 'replay', 'jobs', '--error', 'bad'], { url, prefix });
    expect(real.code).toBe(0);
    expect(real.stdout).toBe('replayed 3 dead letter(s) of jobs, skipped 0\n');
    // Not a terminal: progress is plain lines on stderr, the last one complete.
    expect(real.stderr.trim().split('\n').pop()).toMatch(/^replay jobs: 3\/3 \(100%\) elapsed \S+ eta -$/);
    expect(await xlen(h.keys.dlq)).toBe(0);
    const rows = await h.range(h.keys.stream);
    expect(rows).toHaveLength(6);
    expect(rows.slice(3).map((r) => r.f.origin)).toEqual(rows.slice(0, 3).map((r) => r.id));
    await until(() => state.handled.length === 3);
    expect(state.handled.sort()).toEqual([1, 2, 3]);
    // The task's status follows it through the replay: the latest outcome counts.
    await until(async () => Number(await h?.redis.sendCommand(['XLEN', h.keys.results])) === 6);
    const status = await sluice(['status', 'jobs', String(rows[0]?.id)], { url, prefix });
    expect(status.stdout).toMatch(new RegExp(`: done \\(ok\\) as entry ${rows[3]?.id} attempt 1 by `));
  });

  it('purge refuses without --yes when stdin is not a terminal, then deletes what the filters select', async () => {
    h = await threeDead({ fail: true, handled: [] });
    const { url, prefix } = h;
    const refused = await sluice(['dlq', 'purge', 'jobs'], { url, prefix });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'sluice: dlq purge: stdin is not a terminal, so nothing was deleted; pass --yes to confirm\n',
    );
    expect(await xlen(h.keys.dlq)).toBe(3);
    const dry = await sluice(['dlq', 'purge', 'jobs', '--dry-run', '--error', 'bad 1'], { url, prefix });
    expect(dry.stdout).toBe('would delete 1 dead letter(s) of jobs\n');
    const one = await sluice(['dlq', 'purge', 'jobs', '--yes', '--error', 'bad 1'], { url, prefix });
    expect(one).toMatchObject({ code: 0, stdout: 'deleted 1 dead letter(s) of jobs\n' });
    expect(await xlen(h.keys.dlq)).toBe(2);
    const rest = await sluice(['dlq', 'purge', 'jobs', '-y'], { url, prefix });
    expect(rest.stdout).toBe('deleted 2 dead letter(s) of jobs\n');
    expect(await xlen(h.keys.dlq)).toBe(0);
  });

  it.skipIf(!HAS_SCRIPT)('on a terminal: purge asks first, replay draws a bar with its total and ETA', async () => {
    h = await threeDead({ fail: true, handled: [] });
    const { url, prefix } = h;
    const no = await sluiceInTty(['dlq', 'purge', 'jobs'], { url, prefix, input: 'n\n' });
    expect(no.code).toBe(1);
    expect(no.stdout).toContain('Delete 3 dead letter(s) of jobs for good? [y/N]');
    expect(no.stdout).toContain('nothing deleted');
    expect(await xlen(h.keys.dlq)).toBe(3);
    const yes = await sluiceInTty(['dlq', 'purge', 'jobs', '--error', 'bad 3'], { url, prefix, input: 'y\n' });
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('deleted 1 dead letter(s) of jobs');
    expect(await xlen(h.keys.dlq)).toBe(2);
    const bar = await sluiceInTty(['dlq', 'replay', 'jobs'], { url, prefix });
    expect(bar.code).toBe(0);
    expect(bar.stdout).toMatch(/replay jobs \[\S+\] 2\/2 100% \| ETA \d+s/);
    expect(bar.stdout).toContain('replayed 2 dead letter(s) of jobs, skipped 0');
  });
});
