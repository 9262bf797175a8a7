// Option validation shared by Producer, Consumer and plugins: one error per bad field,
// naming the field and the value.
import { ConfigError } from './errors.js';

export function intOption(
  owner: string,
  field: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new ConfigError(`${owner}: option "${field}" must be ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function fnOption<F>(owner: string, field: string, value: unknown): F {
  if (typeof value !== 'function')
    throw new ConfigError(`${owner}: option "${field}" must be a function, got ${typeof value}`);
  return value as F;
}

export function stringOption(owner: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${owner}: option "${field}" must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Exactly one of `url` / `client`. */
export function connectionOption(owner: string, opts: { url?: unknown; client?: unknown }): void {
  if (opts.url === undefined && opts.client === undefined) throw new ConfigError(`${owner}: pass "url" or "client"`);
  if (opts.url !== undefined && opts.client !== undefined)
    throw new ConfigError(`${owner}: pass "url" or "client", not both`);
  if (opts.url !== undefined) stringOption(owner, 'url', opts.url);
}

/** `tls`: an object of PEM strings/Buffers (ca, cert, key, servername, rejectUnauthorized). */
export function tlsOption<T>(owner: string, value: T): T {
  if (value === undefined) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${owner}: option "tls" must be an object like { ca, cert, key }`);
  knownOptions(`${owner} tls`, value, ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized']);
  return value;
}

/** Unknown options are an error, not silence: a typo like `concurency` must not pass unnoticed. */
export function knownOptions(owner: string, opts: object, known: readonly string[]): void {
  for (const name of Object.keys(opts)) {
    if (!known.includes(name)) {
      const hint = closestName(name, known);
      throw new ConfigError(`${owner}: unknown option "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  }
}

/** The known name a typo most likely meant: same letters in another case, else at most 2 edits away. */
function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(name.length / 3));
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (insert, delete, replace), one row at a time. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, replace);
    }
    prev = row;
  }
  return prev[b.length] as number;
}
