// A small parser for the Prometheus text exposition format (what /metrics serves), and a plain
// HTTP GET, so tests check metrics the way Prometheus sees them.
import { request } from 'node:http';
import { TestingError } from './errors.js';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromScrape {
  samples: PromSample[];
  /** `# TYPE` lines: metric name → type (`counter`, `gauge`, `histogram`...). */
  types: Map<string, string>;
  /** `# HELP` lines: metric name → help text. */
  help: Map<string, string>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/s; // s: values may hold U+2028
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** Parses an exposition; a line that is not a comment, blank or sample is a PARSE error. */
export function parsePrometheus(text: string): PromScrape {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    const meta = /^# (TYPE|HELP) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2] as string, meta[3] as string);
      else help.set(meta[2] as string, unescapeText(meta[3] as string));
      continue;
    }
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new TestingError('PARSE', `not a Prometheus sample line: ${line}`);
    samples.push({ name: m[1] as string, labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3] as string) });
  }
  return { samples, types, help };
}

function parseLabels(body: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < body.length) {
    const l = LABEL.exec(body);
    if (!l) throw new TestingError('PARSE', `bad labels in: ${line}`);
    labels[l[1] as string] = unescapeText(l[2] as string);
  }
  return labels;
}

function parseValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/** Label values and help text escape backslash, double quote and newline. */
function unescapeText(s: string): string {
  return s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** The one sample named `name` whose labels include `labels`; undefined when none, throws when several. */
export function sample(scrape: PromScrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = scrape.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (hits.length > 1) {
    throw new TestingError('PARSE', `${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return hits[0]?.value;
}

/** A plain GET: status, content type and body as text. */
export function httpGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    })
      .on('error', reject)
      .end();
  });
}

/** GET `url` and parse it: what a Prometheus scrape sees. */
export async function scrape(url: string): Promise<PromScrape> {
  const res = await httpGet(url);
  if (res.status !== 200)
    throw new TestingError('PARSE', `GET ${url} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return parsePrometheus(res.body);
}
