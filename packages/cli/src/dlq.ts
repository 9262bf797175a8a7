// `sluice dlq`, `sluice replay`, `sluice rewind`: dead-letter inspection and reprocessing.
import { listDeadLetters, replay, rewind } from '@sluice/claim';
import { closeQuietly, openConnection, type RedisClient } from '@sluice/core';

/** A bound given on the command line: a stream id, ms since the epoch, or an ISO date. */
export function parseBound(text: string | undefined, flag: string): string | number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+-\d+$/.test(text)) return text;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new Error(`${flag} must be a stream id, ms since the epoch or a date, got ${JSON.stringify(text)}`);
  return ms;
}

export function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

async function withClient<T>(url: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
  const { client } = await openConnection({ url }, () => {});
  try {
    return await fn(client);
  } finally {
    await closeQuietly(client);
  }
}

export interface DlqFlags {
  prefix?: string | undefined;
  count?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  error?: string | undefined;
  reason?: string | undefined;
  json?: boolean | undefined;
}

export async function runDlqList(
  url: string,
  stream: string,
  flags: DlqFlags,
  out: NodeJS.WriteStream = process.stdout,
): Promise<number> {
  const letters = await withClient(url, (client) =>
    listDeadLetters(client, stream, {
      prefix: flags.prefix,
      count: parseCount(flags.count, '--count') ?? 20,
      from: parseBound(flags.from, '--from'),
      to: parseBound(flags.to, '--to'),
      errorMatch: flags.error,
      reason: flags.reason,
    }),
  );
  if (flags.json) {
    for (const l of letters) out.write(`${JSON.stringify(l)}\n`);
  } else if (letters.length === 0) {
    out.write(`no dead letters for ${stream}\n`);
  } else {
    for (const l of letters) {
      const when = new Date(l.deadAt).toISOString();
      out.write(
        `${l.id}  ${when}  ${l.reason.padEnd(18)} attempt ${l.attempt}  origin ${l.origin ?? '-'}  ${l.error}\n`,
      );
    }
  }
  return letters.length;
}

export async function runReplay(
  url: string,
  stream: string,
  flags: DlqFlags & { ids?: string | undefined; limit?: string | undefined; dryRun?: boolean | undefined },
  out: NodeJS.WriteStream = process.stdout,
): Promise<{ replayed: number; skipped: number }> {
  const result = await withClient(url, (client) =>
    replay(client, stream, {
      prefix: flags.prefix,
      ids: flags.ids
        ? flags.ids
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
      from: parseBound(flags.from, '--from'),
      to: parseBound(flags.to, '--to'),
      errorMatch: flags.error,
      reason: flags.reason,
      limit: parseCount(flags.limit, '--limit'),
      dryRun: flags.dryRun ?? false,
      onProgress: (p) => {
        if (out.isTTY) out.write(`\rreplayed ${p.replayed}  skipped ${p.skipped}  scanned ${p.scanned}`);
      },
    }),
  );
  if (out.isTTY) out.write('\n');
  out.write(`${flags.dryRun ? 'would replay' : 'replayed'} ${result.replayed}, skipped ${result.skipped}\n`);
  return result;
}

export async function runRewind(
  url: string,
  stream: string,
  group: string,
  to: string,
  prefix: string | undefined,
  out: NodeJS.WriteStream = process.stdout,
): Promise<string> {
  const bound = parseBound(to, 'rewind target');
  const id = await withClient(url, (client) => rewind(client, stream, group, bound as string | number, { prefix }));
  out.write(`group ${group} on ${stream} rewound: next read starts after ${id}\n`);
  return id;
}
