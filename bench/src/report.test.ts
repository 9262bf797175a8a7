// The summary's arithmetic (medians, per-run pair ratios, targets) and the docs block writer,
// on hand-made samples: no Redis needed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDocs } from './docs.js';
import { type Samples, summarize } from './report.js';
import type { RowSpec } from './row.js';
import type { Sample } from './sample.js';

const sample = (entries: number, ms: number, redisUs: number, nodeUs: number): Sample => ({
  entries,
  ms,
  redisUs,
  nodeUs,
  commands: { xack: { calls: entries / 100, usec: redisUs / 2 } },
});
const never = async (): Promise<Sample> => {
  throw new Error('not run here');
};
const row: RowSpec = {
  name: 'consume',
  title: 'consume+ack',
  variants: [
    { system: 'ceiling', label: 'raw', run: never },
    { system: 'sluice', label: 'Consumer', run: never },
  ],
  ratios: [{ label: 'sluice / ceiling', of: 'sluice', to: 'ceiling', target: { min: 0.8, redisMax: 1.2 } }],
};
const meta = {
  date: '2026-12-02T00:00:00Z',
  node: 'v20',
  redis: '7',
  cpus: 2,
  entries: 1000,
  runs: 3,
  payloadBytes: 100,
  args: [],
};

describe('summarize', () => {
  // Three runs; the ceiling gets slower each run, Sluice does not, so the pair ratios differ
  // from the ratio of the medians (1000/s vs 1000/s = 1.0).
  const samples: Samples = {
    'consume.ceiling': [sample(1000, 1000, 2000, 4000), sample(1000, 1250, 2000, 4000), sample(1000, 500, 2000, 4000)],
    'consume.sluice': [sample(1000, 2000, 3000, 8000), sample(1000, 1000, 2000, 6000), sample(1000, 1000, 2600, 7000)],
  };
  const s = summarize([row], samples, meta);

  it('reports medians of entries/s and of µs per entry for each system', () => {
    expect(s.rows.consume?.sluice).toMatchObject({ entriesPerSec: 1000, redisUsPerEntry: 2.6, nodeUsPerEntry: 7 });
    expect(s.rows.consume?.ceiling).toMatchObject({ entriesPerSec: 1000, redisUsPerEntry: 2, nodeUsPerEntry: 4 });
    expect(s.rows.consume?.sluice?.commands.xack).toEqual({ callsPerEntry: 0.01, usPerEntry: 1.267 });
  });

  it('takes a ratio as the median of the per-run ratios, and checks the targets on it', () => {
    const [r] = s.ratios;
    expect(r?.perRun).toEqual([0.5, 1.25, 0.5]);
    expect(r?.median).toBe(0.5);
    expect(r?.redis).toBe(1.3);
    expect(r?.met).toBe(false);
  });
});

describe('writeDocs', () => {
  it('replaces only the block between the bench markers', () => {
    const page = join(mkdtempSync(join(tmpdir(), 'bench-docs-')), 'performance.md');
    writeFileSync(page, '# Perf\n\nbefore\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n\nafter\n');
    writeDocs(summarize([row], { 'consume.sluice': [sample(1000, 500, 1000, 1000)] }, meta), page);
    const text = readFileSync(page, 'utf8');
    expect(text.startsWith('# Perf\n\nbefore\n\n<!-- bench:begin -->\n')).toBe(true);
    expect(text.endsWith('<!-- bench:end -->\n\nafter\n')).toBe(true);
    expect(text).not.toContain('old table');
    expect(text).toContain('| consume | sluice | Consumer | 2,000 | 1.00 | 1.00 | 2,000 |');
  });

  it('refuses a page without the markers', () => {
    const page = join(mkdtempSync(join(tmpdir(), 'bench-docs-')), 'performance.md');
    writeFileSync(page, '# Perf\n');
    expect(() => writeDocs(summarize([row], {}, meta), page)).toThrow(/bench:begin/);
    expect(readFileSync(page, 'utf8')).toBe('# Perf\n');
  });
});
