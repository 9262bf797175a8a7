// Writes a run's summary into docs/performance.md between `<!-- bench:begin -->` and
// `<!-- bench:end -->`; the prose around the markers is left alone. Also a command, to
// render a saved `--json` line again:  node bench/dist/docs.js <summary.json> [page.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './render.js';
import type { Summary } from './report.js';

export const DOCS_PAGE = fileURLToPath(new URL('../../docs/performance.md', import.meta.url));
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** Replace the generated block of `page` with this summary; the markers must already be there. */
export function writeDocs(summary: Summary, page = DOCS_PAGE): void {
  const text = readFileSync(page, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${page}: no ${BEGIN} … ${END} block to write the summary into`);
  const block = `${BEGIN}\n\n${renderMarkdown(summary)}\n\n${END}`;
  writeFileSync(page, text.slice(0, begin) + block + text.slice(end + END.length));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, page] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/dist/docs.js <summary.json> [docs/performance.md]');
    process.exit(2);
  }
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  writeDocs(JSON.parse(lines[lines.length - 1] as string) as Summary, page);
  console.error(`wrote ${page ?? DOCS_PAGE}`);
}
