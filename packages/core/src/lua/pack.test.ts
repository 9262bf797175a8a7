// Column packing must be lossless: every row comes back exactly, whatever mix of shapes a
// batch holds. Checked against a model of the Lua decoder and against real Redis.

import { type Harness, harness } from '@sluice/testing/vitest';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roleKeys, streamKeys } from '../keys.js';
import type { Outcome, SettleWrite } from '../wire/outcome.js';
import type { Entry } from '../wire/task.js';
import { publishArgs, publishScript } from './publish.js';
import { settleArgs, settleScript } from './settle.js';

/** What lua/publish.ts does with its ARGV, in TypeScript. */
function unpackPublish(argv: readonly string[]): string[][] {
  const n = Number(argv[0]);
  const nt = Number(argv[1]);
  let i = 2;
  const templates: { row: string[]; slots: number[] }[] = [];
  for (let t = 0; t < nt; t++) {
    const len = Number(argv[i]);
    const row = argv.slice(i + 1, i + 1 + len) as string[];
    i += 1 + len;
    const v = Number(argv[i]);
    const slots = argv.slice(i + 1, i + 1 + v).map((p) => Number(p) - 1);
    i += 1 + v;
    templates.push({ row, slots });
  }
  const rows: string[][] = [];
  for (let e = 0; e < n; e++) {
    let t = templates[0] as { row: string[]; slots: number[] };
    if (nt > 1) t = templates[Number(argv[i++]) - 1] as typeof t;
    const row = [...t.row];
    for (const j of t.slots) row[j] = argv[i++] as string;
    rows.push(row);
  }
  expect(i).toBe(argv.length);
  return rows;
}

describe('column packing', () => {
  it('publish args decode to exactly the rows given', () => {
    const value = fc.oneof(fc.constantFrom('v', '1', 'data', 'key', 'h', ''), fc.string({ unit: 'grapheme' }));
    const row = fc.array(value, { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), (rows) => {
        expect(unpackPublish(publishArgs(rows))).toEqual(rows);
      }),
    );
  });

  it('ships the strings every entry shares once per batch', () => {
    const rows = Array.from({ length: 500 }, (_, n) => ['v', '1', 'data', `{"n":${n}}`]);
    const args = publishArgs(rows);
    // header 2 + template (1 + 4 + 1 + 1) + one differing string per entry
    expect(args.length).toBe(2 + 7 + 500);
  });
});

describe('column packing on Redis', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('pack');
  });
  afterEach(() => h.close());

  it('publishes mixed entries with their fields intact', async () => {
    const key = streamKeys('mixed', h.prefix).stream;
    const rows = [
      ['v', '1', 'data', '{"a":1}'],
      ['v', '1', 'data', '{"a":2}', 'key', 'k1'],
      ['v', '1', 'data', 'ünïcödé ✓ 𝄞', 'h', '{"traceparent":"00-1"}'],
      ['v', '1', 'data', ''],
      ['v', '1', 'data', '{"a":2}', 'key', 'k1'],
    ];
    const ids = await publishScript.run<string[]>(h.redis, [key], publishArgs(rows));
    expect(ids).toHaveLength(rows.length);
    const read = await h.redis.sendCommand<[string, string[]][]>(['XRANGE', key, '-', '+']);
    expect(read.map(([, f]) => f)).toEqual(rows);
    expect(read.map(([id]) => id)).toEqual(ids);
  });

  it('settles outcomes with different writes: result entries, trims, a retry, a dead letter', async () => {
    const keys = streamKeys('jobs', h.prefix);
    const ids = (await h.deliver(4, 'me')) as [string, string, string, string];
    type Trim = { kind: 'MAXLEN' | 'MINID'; value: string };
    const result = (id: string, status: string, trim?: Trim): SettleWrite => ({
      op: 'xadd',
      key: 'results',
      fields: ['id', id, 'status', status],
      trim,
    });
    const o = (id: string, ack: boolean, writes: SettleWrite[]): Outcome =>
      ({ entry: { id } as Entry, status: 'ok', durationMs: 0, consumer: 'me', ack, writes }) as Outcome;
    const batch = [
      o(ids[0], true, [result(ids[0], 'ok', { kind: 'MAXLEN', value: '1000' })]),
      o(ids[1], true, [result(ids[1], 'ok', { kind: 'MINID', value: '0' })]),
      o(ids[2], false, [{ op: 'zadd', key: 'delayed', score: 42, member: 'retry-2' }, result(ids[2], 'failed')]),
      o(ids[3], true, [
        { op: 'xadd', key: 'dlq', fields: ['id', ids[3], 'reason', 'malformed'] },
        result(ids[3], 'dead'),
      ]),
    ];
    const reply = await settleScript.run<number[]>(h.redis, roleKeys(keys), settleArgs('g', 'me', true, batch));
    expect(reply).toEqual([]);
    const results = await h.redis.sendCommand<[string, string[]][]>(['XRANGE', keys.results, '-', '+']);
    expect(results.map(([, f]) => f)).toEqual([
      ['id', ids[0], 'status', 'ok'],
      ['id', ids[1], 'status', 'ok'],
      ['id', ids[2], 'status', 'failed'],
      ['id', ids[3], 'status', 'dead'],
    ]);
    expect(await h.redis.sendCommand(['ZRANGE', keys.delayed, '0', '-1', 'WITHSCORES'])).toEqual(['retry-2', '42']);
    const dlq = await h.redis.sendCommand<[string, string[]][]>(['XRANGE', keys.dlq, '-', '+']);
    expect(dlq.map(([, f]) => f)).toEqual([['id', ids[3], 'reason', 'malformed']]);
    const pending = await h.redis.sendCommand<[string][]>(['XPENDING', keys.stream, 'g', '-', '+', '10']);
    expect(pending.map(([id]) => id)).toEqual([ids[2]]);
  });
});
