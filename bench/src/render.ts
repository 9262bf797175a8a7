// The summary as tables: aligned text for the terminal, Markdown for docs/performance.md.
// Both come from the JSON summary alone, so a saved `--json` line can be rendered again.
import type { RatioFigures, Summary, SystemFigures } from './report.js';

type Table = string[][];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (n: number) => n.toFixed(2);
const ms = (p: { p50: number; p99: number; max: number }) => `${p.p50} / ${p.p99} / ${p.max}`;

function throughputTable(s: Summary): Table {
  const t: Table = [['row', 'system', 'what', 'entries/s', 'Redis µs/entry', 'Node µs/entry', 'entries/s per run']];
  for (const [row, systems] of Object.entries(s.rows)) {
    for (const [system, f] of Object.entries(systems)) {
      if (f.latency || f.memory) continue;
      t.push([
        row,
        system,
        f.label,
        int(f.entriesPerSec),
        us(f.redisUsPerEntry),
        us(f.nodeUsPerEntry),
        f.perRun.map((r) => int(r.entriesPerSec)).join(' / '),
      ]);
    }
  }
  return t;
}

function latencyTable(s: Summary): Table {
  const t: Table = [
    [
      'row',
      'system',
      'publish→handler p50 / p99 / max ms',
      'publish→settled p50 / p99 / max ms',
      'Redis µs/entry',
      'Node µs/entry',
      'p99 per run',
    ],
  ];
  for (const [row, systems] of Object.entries(s.rows)) {
    for (const [system, f] of Object.entries(systems)) {
      if (!f.latency) continue;
      t.push([
        row,
        system,
        ms(f.latency.handlerStart),
        ms(f.latency.settled),
        us(f.redisUsPerEntry),
        us(f.nodeUsPerEntry),
        f.perRun.map((r) => r.p99 ?? '-').join(' / '),
      ]);
    }
  }
  return t;
}

function targetText(r: RatioFigures): string {
  if (!r.target) return '';
  const parts: string[] = [];
  if (r.target.min !== undefined) parts.push(`≥ ${r.target.min}×`);
  if (r.target.max !== undefined) parts.push(`≤ ${r.target.max}×`);
  if (r.target.redisMax !== undefined) parts.push(`Redis µs ≤ ${r.target.redisMax}×`);
  return `${parts.join(', ')}: ${r.met ? 'met' : 'not met'}`;
}

function ratioTable(s: Summary): Table {
  const t: Table = [['ratio (median of per-run ratios)', 'value', 'per run', 'Redis µs/entry ratio', 'target']];
  for (const r of s.ratios) {
    const what = r.metric === 'p99' ? 'p99' : 'entries/s';
    t.push([
      `${r.label} (${what})`,
      `${r.median.toFixed(2)}×`,
      r.perRun.join(' / '),
      `${r.redis.toFixed(2)}×`,
      targetText(r),
    ]);
  }
  return t;
}

/** Redis µs per entry by command, for the rows where the framework meets the ceiling. */
function commandTable(s: Summary): Table {
  const t: Table = [['row', 'system', 'Redis µs/entry by command (calls/entry)']];
  for (const [row, systems] of Object.entries(s.rows)) {
    for (const [system, f] of Object.entries(systems)) {
      if (f.latency || f.memory) continue;
      const top = Object.entries(f.commands)
        .filter(([name, c]) => name !== 'info' && c.usPerEntry >= 0.005)
        .sort((a, b) => b[1].usPerEntry - a[1].usPerEntry)
        .slice(0, 6)
        .map(([name, c]) => `${name} ${c.usPerEntry.toFixed(2)} (${c.callsPerEntry})`);
      t.push([row, system, top.join(', ')]);
    }
  }
  return t;
}

/** Issue 15: RSS growth over 1M entries stays at or under this. */
const MEMORY_TARGET_MB = 50;

function memoryLines(s: Summary): string[] {
  const f: SystemFigures | undefined = s.rows.memory?.sluice;
  const m = f?.memory;
  if (!f || !m) return [];
  return [
    `memory: draining ${int(m.count)} entries: RSS ${m.rssBeforeMb} MB → ${m.rssAfterMb} MB (growth ${m.growthMb} MB, ` +
      `peak ${m.rssPeakMb} MB; ${m.lateGrowthMb} MB of it after the first tenth) at ${int(m.entriesPerSec)} entries/s, ` +
      `Redis ${us(f.redisUsPerEntry)} µs/entry, Node ${us(f.nodeUsPerEntry)} µs/entry ` +
      `(target: growth ≤ ${MEMORY_TARGET_MB} MB: ${m.growthMb <= MEMORY_TARGET_MB ? 'met' : 'not met'})`,
    `memory: RSS at each tenth drained (MB): ${m.tenths.join(' ')}`,
  ];
}

/** Aligned columns: the first `left` ones flush left (names), the rest flush right (figures). */
function text(t: Table, left: number): string {
  if (t.length < 2) return '';
  const widths = t[0]!.map((_, c) => Math.max(...t.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(t[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...t.slice(1).map(line)].join('\n');
}

function markdown(t: Table): string {
  if (t.length < 2) return '';
  const row = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [row(t[0]!), row(t[0]!.map(() => '---')), ...t.slice(1).map(row)].join('\n');
}

export function renderText(s: Summary, opts: { commands?: boolean } = {}): string {
  const parts = [
    text(throughputTable(s), 3),
    text(latencyTable(s), 2),
    text(ratioTable(s), 1),
    memoryLines(s).join('\n'),
  ];
  if (opts.commands) parts.push(text(commandTable(s), 3));
  return parts.filter(Boolean).join('\n\n');
}

export function renderMarkdown(s: Summary): string {
  const m = s.meta;
  return [
    `One run of \`npm run bench -- ${m.args.join(' ')}\` on ${m.date.slice(0, 10)}` +
      `${m.commit ? ` (commit ${m.commit})` : ''}: Node ${m.node}, Redis ${m.redis}, ` +
      `${m.cpus} CPUs${m.load ? ` (load average ${m.load[0]} at the start, ${m.load[1]} at the end)` : ''}, ` +
      `${int(m.entries)} entries per throughput row, ${m.runs} runs (medians), payload ≈${m.payloadBytes} B. ` +
      'Generated by the bench; do not edit by hand.',
    markdown(throughputTable(s)),
    markdown(latencyTable(s)),
    markdown(ratioTable(s)),
    memoryLines(s).join('\n\n'),
    'Redis time by command, per entry (all runs pooled; EVALSHA includes the commands its script ran):',
    markdown(commandTable(s)),
  ]
    .filter(Boolean)
    .join('\n\n');
}
