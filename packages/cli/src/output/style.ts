// Colours only on a terminal (and never with NO_COLOR); tables without borders so the same
// text reads well in a terminal, a log and the docs.
import Table from 'cli-table3';
import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

export function colorsFor(stream: NodeJS.WriteStream = process.stdout): Colors {
  const enabled = Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return createColors(enabled);
}

const BLANK = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Aligned columns; numbers right-aligned. */
export function table(head: string[], rows: Array<Array<string | number>>, c: Colors, indent = ''): string {
  const numeric = head.map((_, i) => typeof rows[0]?.[i] === 'number');
  const align = (i: number) => (numeric[i] ? ('right' as const) : ('left' as const));
  const t = new Table({
    chars: BLANK,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  t.push(head.map((h, i) => ({ content: c.bold(h), hAlign: align(i) })));
  for (const row of rows) t.push(row.map((v, i) => ({ content: String(v), hAlign: align(i) })));
  return `${t
    .toString()
    .split('\n')
    .map((l) => `${indent}${l.trimEnd()}`)
    .join('\n')}\n`;
}

/** Write one JSON document (read commands' --json). */
export function writeJson(value: unknown, out: NodeJS.WriteStream = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
