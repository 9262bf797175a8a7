import { Writable } from 'node:stream';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childLogger, consoleLogger, type Logger } from './log.js';

/** A real pino instance writing JSON lines into an array. */
function capture(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('logging', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('log');
  });
  afterEach(() => h.close());

  it('takes a pino instance; ctx.log is a child carrying stream, id and attempt; fields survive', async () => {
    const { log, lines } = capture();
    const producer = h.producer();
    const id = await producer.publish('jobs', { n: 1 });
    const consumer = h.consumer({
      log,
      handler: async (_p, ctx) => {
        ctx.log.info({ step: 'charged', cents: 42 }, 'payment done');
      },
    });
    await consumer.start();
    await until(() => lines.some((l) => l.msg === 'payment done'));
    const line = lines.find((l) => l.msg === 'payment done') as Record<string, unknown>;
    expect(line).toMatchObject({ stream: 'jobs', id, attempt: 1, step: 'charged', cents: 42, level: 30 });
  });

  it('logs an error nobody listens to through the logger, with structured fields', async () => {
    const { log, lines } = capture();
    const consumer = h.consumer({ log, handler: async () => {} });
    consumer.removeAllListeners('error');
    await consumer.start();
    // A settle against a group that no longer exists is reported as an error.
    await h.redis.sendCommand(['XGROUP', 'DESTROY', h.keys.stream, 'g']);
    await h.producer().publish('jobs', { n: 1 });
    await until(() => lines.some((l) => l.level === 50));
    const line = lines.find((l) => l.level === 50) as Record<string, unknown>;
    expect(line).toMatchObject({ stream: 'jobs', consumer: consumer.name });
    expect(String(line.msg)).toContain('NOGROUP');
  });

  it('childLogger binds fields on a logger without child()', () => {
    const seen: unknown[][] = [];
    const plain: Logger = {
      debug: (...a: unknown[]) => seen.push(a),
      info: (...a: unknown[]) => seen.push(a),
      warn: (...a: unknown[]) => seen.push(a),
      error: (...a: unknown[]) => seen.push(a),
    } as Logger;
    const child = childLogger(plain, { id: '1-0' });
    child.info('plain message');
    child.warn({ extra: true }, 'with fields');
    expect(seen).toEqual([
      [{ id: '1-0' }, 'plain message'],
      [{ id: '1-0', extra: true }, 'with fields'],
    ]);
    expect(typeof consoleLogger().child).toBe('function');
  });
});
