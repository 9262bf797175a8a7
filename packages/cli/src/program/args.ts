// Argument parsers for commander: a bad value is a usage error (exit 2) naming the flag.
import { isEntryId } from '@sluice/core/plugin';
import { InvalidArgumentError } from 'commander';

export function intArg(min = 0): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
}

export function portArg(text: string): number {
  const n = intArg(0)(text);
  if (n > 65_535) throw new InvalidArgumentError(`expected a port 0-65535, got ${text}`);
  return n;
}

/** A position in a stream given on the command line: a stream id, ms since the epoch, or a date. */
export function parseBound(text: string): string | number {
  if (isEntryId(text)) return text;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(
      `expected a stream id (1700000000000-0), ms since the epoch or an ISO date, got ${JSON.stringify(text)}`,
    );
  return ms;
}

export function streamIdArg(text: string): string {
  if (!isEntryId(text)) throw new InvalidArgumentError(`expected a stream id like 1700000000000-0, got ${text}`);
  return text;
}

export function listArg(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
