import { harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { lineMatching, sluice, startCli } from '../test-util/cli.js';

let h: Awaited<ReturnType<typeof harness>> | undefined;
afterEach(async () => {
  await h?.close();
});

describe('sluice exporter', { timeout: 150_000 }, () => {
  it('serves the stream gauges of discovered streams and groups on /metrics until SIGINT', async () => {
    h = await harness('exporter');
    const { url, prefix } = h;
    await h.producer().publishMany('jobs', [1, 2, 3, 4]);
    await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'billing', '0']);
    const child = startCli(['exporter', '--port', '0', '--host', '127.0.0.1'], { url, prefix });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const line = await lineMatching(child, /^sluice exporter: /);
    expect(line).toMatch(
      /^sluice exporter: http:\/\/127\.0\.0\.1:\d+\/metrics \(1 stream\/group pair\(s\); Ctrl-C to stop\)$/,
    );
    const metricsUrl = (line.match(/(http:\/\/\S+\/metrics)/) as RegExpMatchArray)[1] as string;
    const body = await (await fetch(metricsUrl)).text();
    expect(body).toContain('sluice_group_lag{stream="jobs",group="billing"} 4');
    expect(body).toMatch(/sluice_dlq_length\{stream="jobs"(,group="billing")?\} 0/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('reports only the streams and groups the environment names', async () => {
    h = await harness('exporter');
    const { url, prefix } = h;
    const p = h.producer();
    await p.publishMany('jobs', [1, 2]);
    await p.publishMany('other', [1, 2, 3]);
    for (const [stream, group] of [
      ['jobs', 'a'],
      ['other', 'a'],
      ['other', 'b'],
    ])
      await h.redis.sendCommand(['XGROUP', 'CREATE', `${prefix}:{${stream}}`, String(group), '0']);
    const child = startCli(['exporter', '--port', '0', '--host', '127.0.0.1'], {
      url,
      prefix,
      env: { SLUICE_STREAMS: 'other', SLUICE_GROUPS: 'b' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const line = await lineMatching(child, /^sluice exporter: /);
    const body = await (await fetch((line.match(/(http:\/\/\S+\/metrics)/) as RegExpMatchArray)[1] as string)).text();
    expect(body).toContain('sluice_group_lag{stream="other",group="b"} 3');
    expect(body).not.toContain('group="a"');
    expect(body).not.toContain('stream="jobs"');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects a bad port with exit 2', async () => {
    const bad = await sluice(['exporter', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sluice: option '--port <port>' argument '70000' is invalid/);
  });
});
