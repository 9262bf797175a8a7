import { createServer } from 'node:http';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TestingError } from './errors.js';
import { httpGet, parsePrometheus, sample, scrape } from './prom.js';

describe('parsePrometheus', () => {
  it('reads samples, labels, types and help from an exposition', () => {
    const s = parsePrometheus(
      [
        '# HELP jobs_total Jobs done.\\nAll of them.',
        '# TYPE jobs_total counter',
        'jobs_total{stream="a",status="ok"} 3',
        'jobs_total{stream="a",status="failed",} 1 1700000000000',
        'up 1',
        '',
        '# a comment',
        'lat_bucket{le="+Inf"} 7',
        'temp -Inf',
        'ratio 2.5e-3',
      ].join('\n'),
    );
    expect(s.types.get('jobs_total')).toBe('counter');
    expect(s.help.get('jobs_total')).toBe('Jobs done.\nAll of them.');
    expect(sample(s, 'jobs_total', { status: 'ok' })).toBe(3);
    expect(sample(s, 'jobs_total', { status: 'failed' })).toBe(1);
    expect(sample(s, 'up')).toBe(1);
    expect(sample(s, 'lat_bucket', { le: '+Inf' })).toBe(7);
    expect(sample(s, 'temp')).toBe(Number.NEGATIVE_INFINITY);
    expect(sample(s, 'ratio')).toBe(0.0025);
    expect(sample(s, 'missing')).toBeUndefined();
  });

  it('throws a PARSE error on a line that is not a sample, and when several samples match', () => {
    expect(() => parsePrometheus('this is not prometheus')).toThrow(TestingError);
    expect(() => parsePrometheus('m{a="x" b} 1')).toThrow(/bad labels/);
    const s = parsePrometheus('m{a="1"} 1\nm{a="2"} 2');
    expect(() => sample(s, 'm')).toThrow(/2 samples of m/);
  });

  it('reads back any label value prom-client writes (quotes, backslashes, newlines, unicode)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.nat(1e6), async (value, n) => {
        const register = new Registry();
        const c = new Counter({ name: 'c_total', help: 'h', labelNames: ['v'], registers: [register] });
        c.inc({ v: value }, n);
        const s = parsePrometheus(await register.metrics());
        expect(s.samples).toEqual([{ name: 'c_total', labels: { v: value }, value: n }]);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a prom-client histogram', async () => {
    const register = new Registry();
    const h = new Histogram({ name: 'ms', help: 'h', buckets: [10, 100], labelNames: ['s'], registers: [register] });
    for (const v of [5, 50, 500]) h.observe({ s: 'x' }, v);
    const s = parsePrometheus(await register.metrics());
    expect(s.types.get('ms')).toBe('histogram');
    expect(sample(s, 'ms_bucket', { le: '10' })).toBe(1);
    expect(sample(s, 'ms_bucket', { le: '100' })).toBe(2);
    expect(sample(s, 'ms_bucket', { le: '+Inf' })).toBe(3);
    expect(sample(s, 'ms_sum')).toBe(555);
    expect(sample(s, 'ms_count')).toBe(3);
  });
});

describe('scrape / httpGet', () => {
  it('GETs /metrics over HTTP and parses it; a non-200 answer is an error', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('up 1\n');
      else res.writeHead(404).end('nope');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const res = await httpGet(`http://127.0.0.1:${port}/metrics`);
      expect(res).toEqual({ status: 200, type: 'text/plain; version=0.0.4', body: 'up 1\n' });
      expect(sample(await scrape(`http://127.0.0.1:${port}/metrics`), 'up')).toBe(1);
      await expect(scrape(`http://127.0.0.1:${port}/other`)).rejects.toThrow(/answered 404: nope/);
    } finally {
      server.close();
    }
  });
});
