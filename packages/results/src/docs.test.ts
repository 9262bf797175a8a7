// The docs are checked against the code: the metric table and the result entry fields.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RESULT_FIELDS } from './entry.js';
import { METRICS } from './metrics/names.js';

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
    const rows = table(doc('README.md'), 'name');
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
});
