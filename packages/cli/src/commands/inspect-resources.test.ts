// `sluice inspect` shows resource scheduling: live capacities, waiting tasks per requirement,
// and the ones no live consumer could run marked unschedulable (JSON and text).
import { Consumer, Producer } from '@sluice/core';
import { useRedis } from '@sluice/testing/vitest';
import { expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

it('inspect lists capacities and marks tasks no live consumer could run as unschedulable', {
  timeout: 60_000,
}, async () => {
  const { url, prefix } = useRedis('inspect-resources');
  const p = new Producer({ url, prefix });
  // Only resource tasks: the stream itself does not exist yet, inspect still reports it.
  await p.publishMany('render', [1, 2], { requires: { gpu: 4 } });
  const c = new Consumer({
    url,
    prefix,
    stream: 'render',
    group: 'g',
    consumer: 'box-1',
    blockMs: 100,
    capacity: { cpu: 8, gpu: 1 },
    placement: { heartbeatMs: 10_000 },
    handler: () => {},
  });
  await c.start();
  try {
    const json = await sluice(['inspect', 'render', '--json'], { url, prefix });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.resources).toMatchObject({
      queued: 2,
      unschedulable: 2,
      consumers: [{ name: 'box-1', capacity: { cpu: 8, gpu: 1 } }],
      shapes: [{ requires: { gpu: 4 }, tasks: 2, unschedulable: true }],
    });
    const text = await sluice(['inspect', 'render'], { url, prefix });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/resources\s+2 waiting, 2 unschedulable/);
    expect(text.stdout).toMatch(/box-1\s+cpu=8 gpu=1/);
    expect(text.stdout).toMatch(/gpu=4\s+2\s+unschedulable/);
  } finally {
    await c.close();
    await p.close();
  }
});
