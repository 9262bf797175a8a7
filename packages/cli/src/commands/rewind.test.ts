import { replyToObject } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

async function lastDelivered(hh: Harness): Promise<string> {
  const [g] = await hh.redis.sendCommand<unknown[]>(['XINFO', 'GROUPS', hh.keys.stream]);
  return String(replyToObject(g)['last-delivered-id']);
}

describe('sluice rewind', { timeout: 150_000 }, () => {
  it('previews what would be delivered again and moves the group only with --execute', async () => {
    h = await harness('rewind');
    const { url, prefix } = h;
    const ids = await h.producer().publishMany('jobs', [1, 2, 3, 4, 5]);
    let handled = 0;
    const c = h.consumer({
      handler: () => {
        handled++;
      },
    });
    await c.start();
    await until(() => handled === 5);
    await c.close();
    const before = await lastDelivered(h);
    expect(before).toBe(ids[4]);

    const preview = await sluice(['rewind', 'jobs', 'g', '--to', String(ids[1])], { url, prefix });
    expect(preview.code).toBe(0);
    expect(preview.stdout).toBe(
      [
        `group g on jobs: at ${before}, target ${ids[1]}`,
        `3 entries of jobs would be delivered again to group g (${ids[2]} … ${ids[4]})`,
        'preview only: nothing changed; add --execute to act',
        '',
      ].join('\n'),
    );
    expect(await lastDelivered(h)).toBe(before);

    const fromStart = JSON.parse(
      (await sluice(['rewind', 'jobs', 'g', '--to', '0', '--json'], { url, prefix })).stdout,
    );
    expect(fromStart).toMatchObject({ entries: 5, direction: 'back', executed: false, firstId: ids[0] });
    expect(await lastDelivered(h)).toBe(before);

    const done = await sluice(['rewind', 'jobs', 'g', '--to', String(ids[1]), '--execute'], { url, prefix });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`rewound: group g now at ${ids[1]}`);
    expect(await lastDelivered(h)).toBe(ids[1]);
  });

  it('fails with one line for a group that does not exist', async () => {
    h = await harness('rewind');
    const { url, prefix } = h;
    await h.producer().publish('jobs', 1);
    const r = await sluice(['rewind', 'jobs', 'nope', '--to', '0', '--execute'], { url, prefix });
    expect(r).toMatchObject({ code: 1, stderr: `sluice: no group "nope" on ${prefix}:{jobs}\n` });
  });
});
