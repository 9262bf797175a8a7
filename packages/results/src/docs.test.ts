// The docs are checked against the code: the metric table and the result entry fields.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RESULT_FIELDS } from '@sluice/core/plugin';
import { describe, expect, it } from 'vitest';
import { METRICS } from './metrics/names.js';
import { RESULTS_DEFAULTS, RESULTS_OPTIONS } from './results.js';

const doc = (name: string) => readFileSync(fileURLToPath(new URL(`../../../${name}`, import.meta.url)), 'utf8');

/** Rows of the markdown table whose header starts with `first`. */
function table(text: string, first: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe('docs', () => {
  it('lists every metric with its type and labels, as exported', () => {
    const rows = table(doc('docs/metrics.md'), 'name');
    const documented = rows.map(([name, type, labels]) => ({
      name: name?.replaceAll('`', ''),
      type,
      labels: labels?.replaceAll('`', '').split(', '),
    }));
    expect(documented).toEqual(
      Object.values(METRICS).map((m) => ({ name: m.name, type: m.type, labels: [...m.labels] })),
    );
  });

  it('documents every field of the result entry in the wire format', () => {
    const text = doc('docs/wire-format.md');
    const section = text.slice(text.indexOf('## Result entry'));
    const fields = table(section, 'field').map(([f]) => f?.replaceAll('`', ''));
    expect(fields.sort()).toEqual(Object.values(RESULT_FIELDS).sort());
  });

  it('documents every Results option, with the defaults the code uses', () => {
    const text = doc('docs/results.md');
    const rows = table(text.slice(text.indexOf('## `new Results(options)`')), 'option');
    const documented = rows.flatMap(([names]) => (names ?? '').split(' or ').map((n) => n.replaceAll('`', '')));
    expect(documented.sort()).toEqual([...RESULTS_OPTIONS].sort());
    const defaults = new Map(rows.map(([name, d]) => [name?.replaceAll('`', ''), d?.replaceAll('`', '')]));
    for (const [name, value] of Object.entries(RESULTS_DEFAULTS))
      expect(defaults.get(name), name).toContain(String(value));
  });
});
