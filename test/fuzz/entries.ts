// Raw stream entries from fast-check, each with what a consumer must do with it: run the
// handler (valid) or dead-letter it with a reason. Every entry carries `_fz` = its index, an
// unknown field the consumer keeps (dead letters copy the original fields).
import fc from 'fast-check';

export interface FuzzEntry {
  fields: Array<string | Buffer>;
  /** 'ok': the handler runs with payload.n === index; else the dead-letter reason. */
  expect: 'ok' | 'malformed' | 'invalid';
  kind: string;
}

/** Field names the wire format or the DLQ gives a meaning to: never used as "extra" fields. */
const KNOWN = new Set([
  'v',
  'data',
  'key',
  'attempt',
  'origin',
  'h',
  'err',
  'reason',
  'consumer',
  'group',
  'deliveries',
  'deadAt',
  'member',
  'ord',
  'dl',
  '_fz',
]);
const extraFields = fc
  .array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 })), { maxLength: 3 })
  .map((pairs) => pairs.filter(([k]) => !KNOWN.has(k)).flat());
/** JSON without keys a hostile-JSON check would (rightly) refuse. */
const safeJson = fc
  .jsonValue({ maxDepth: 4 })
  .filter((v) => !/__proto__|constructor|prototype/.test(JSON.stringify(v)));
const headers = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 });

type Maker = (i: number) => fc.Arbitrary<FuzzEntry>;
const entry = (kind: string, expect: FuzzEntry['expect'], fields: Array<string | Buffer>) => ({ kind, expect, fields });

function nest(inner: string, depth: number, asObject: boolean): string {
  let s = inner;
  for (let d = 0; d < depth; d++) s = asObject ? `{"k${d}":${s}}` : `[${s}]`;
  return s;
}

const makers: Array<[weight: number, Maker]> = [
  // Valid: extra fields, headers, a later attempt, any JSON beside n, deep nesting.
  [
    64,
    (i) =>
      fc
        .record({ x: safeJson, extra: extraFields })
        .map(({ x, extra }) => entry('valid', 'ok', ['v', '1', 'data', JSON.stringify({ n: i, x }), ...extra])),
  ],
  [
    16,
    (i) =>
      fc
        .record({ h: headers, attempt: fc.integer({ min: 1, max: 3 }) })
        .map(({ h, attempt }) =>
          entry('valid-headers', 'ok', [
            'v',
            '1',
            'data',
            JSON.stringify({ n: i }),
            'h',
            JSON.stringify(h),
            'attempt',
            String(attempt),
          ]),
        ),
  ],
  [
    8,
    (i) =>
      fc
        .record({ depth: fc.integer({ min: 100, max: 2000 }), obj: fc.boolean() })
        .map(({ depth, obj }) =>
          entry('valid-deep', 'ok', ['v', '1', 'data', `{"n":${i},"deep":${nest('1', depth, obj)}}`]),
        ),
  ],
  // Malformed: the wire format is broken.
  [
    16,
    (i) => extraFields.map((extra) => entry('no-version', 'malformed', ['data', JSON.stringify({ n: i }), ...extra])),
  ],
  [
    16,
    (i) =>
      fc
        .string({ maxLength: 8 })
        .filter((v) => v !== '1')
        .map((v) => entry('wrong-version', 'malformed', ['v', v, 'data', JSON.stringify({ n: i })])),
  ],
  [8, () => extraFields.map((extra) => entry('no-data', 'malformed', ['v', '1', ...extra]))],
  [16, () => fc.string({ maxLength: 60 }).map((s) => entry('not-json', 'malformed', ['v', '1', 'data', `\u0001${s}`]))],
  [
    16,
    () =>
      fc
        .uint8Array({ minLength: 1, maxLength: 200 })
        .map((bytes) =>
          entry('binary', 'malformed', [
            'v',
            '1',
            'data',
            Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bytes)]),
          ]),
        ),
  ],
  [
    16,
    (i) =>
      fc
        .record({ depth: fc.integer({ min: 0, max: 20 }), obj: fc.boolean() })
        .map(({ depth, obj }) =>
          entry('proto', 'malformed', [
            'v',
            '1',
            'data',
            `{"n":${i},"x":${nest('{"__proto__":{"polluted":"yes"}}', depth, obj)}}`,
          ]),
        ),
  ],
  [
    16,
    (i) =>
      fc
        .record({ depth: fc.integer({ min: 0, max: 20 }), obj: fc.boolean() })
        .map(({ depth, obj }) =>
          entry('constructor', 'malformed', [
            'v',
            '1',
            'data',
            `{"n":${i},"x":${nest('{"constructor":{"prototype":{"polluted":"yes"}}}', depth, obj)}}`,
          ]),
        ),
  ],
  [
    16,
    (i) =>
      fc
        .oneof(
          fc.constant('not json'),
          fc.constant('["a"]'),
          fc.constant('{"__proto__":{"polluted":"yes"}}'),
          fc
            .dictionary(
              fc.string({ minLength: 1, maxLength: 5 }),
              fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
              { minKeys: 1, maxKeys: 3 },
            )
            .map((d) => JSON.stringify(d)),
        )
        .map((h) => entry('bad-headers', 'malformed', ['v', '1', 'data', JSON.stringify({ n: i }), 'h', h])),
  ],
  [
    8,
    (i) =>
      fc
        .constantFrom('0', '-3', 'x', '1.5', '')
        .map((a) => entry('bad-attempt', 'malformed', ['v', '1', 'data', JSON.stringify({ n: i }), 'attempt', a])),
  ],
  [
    1,
    (i) =>
      fc
        .integer({ min: 70_000, max: 80_000 })
        .map((size) => entry('huge', 'malformed', ['v', '1', 'data', JSON.stringify({ n: i, pad: 'x'.repeat(size) })])),
  ],
  // Decodes, but the consumer's schema ({ n: integer }) refuses it.
  [
    24,
    () =>
      safeJson
        .filter((x) => typeof (x as { n?: unknown } | null)?.n !== 'number')
        .map((x) => entry('schema', 'invalid', ['v', '1', 'data', JSON.stringify(x)])),
  ],
];

/** `count` entries; the same seed gives the same entries. */
export function fuzzEntries(count: number, seed: number): FuzzEntry[] {
  const total = makers.reduce((s, [w]) => s + w, 0);
  const rng = fc.sample(fc.integer({ min: 0, max: total - 1 }), { numRuns: count, seed });
  return rng.map((r, i) => {
    let acc = 0;
    const maker = makers.find(([w]) => {
      acc += w;
      return acc > r;
    })?.[1] as Maker;
    const [one] = fc.sample(maker(i), { numRuns: 1, seed: seed + i });
    const e = one as FuzzEntry;
    return { ...e, fields: [...e.fields, '_fz', String(i)] };
  });
}
