// `sluice dlq list|show|replay|purge <stream>`: look at dead letters and act on them.
import type { DeadLetter } from '@sluice/claim';
import type { RedisClient } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { progress } from '../output/progress.js';
import { colorsFor, table, writeJson } from '../output/style.js';
import { clip, isoTime, printable } from '../output/units.js';
import { intArg, listArg, streamIdArg } from '../program/args.js';
import { CliError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { withRedis } from '../redis/connect.js';
import { loadClaim } from '../report/lazy.js';
import { addFilters, type FilterFlags, queryOf } from './dlq-filters.js';
import { registerPurge } from './dlq-purge.js';

/** Everything about one dead letter, payload decoded when it is JSON. */
export function deadLetterJson(d: DeadLetter): Record<string, unknown> {
  let data: unknown = d.data;
  try {
    data = d.data === undefined ? undefined : JSON.parse(d.data);
  } catch {
    // not JSON: shown as written
  }
  const { fields: _fields, ...rest } = d;
  return { ...rest, data };
}

async function list(client: RedisClient, stream: string, prefix: string, f: FilterFlags & { count: number }) {
  const { listDeadLetters } = await loadClaim();
  return listDeadLetters(client, stream, { ...queryOf(prefix, f), count: f.count });
}

export const registerDlq: Register = (program, run) => {
  const dlq = program.command('dlq').description('dead letters: list, show, replay, purge');

  addFilters(dlq.command('list').description('list dead letters, oldest first').argument('<stream>', 'stream name'))
    .option('--count <n>', 'most dead letters shown', intArg(1), 100)
    .option('--json', 'print JSON')
    .action(
      run(async (stream: string, f: FilterFlags & { count: number; json?: boolean }, cmd: Command) => {
        const g = globalsOf(cmd);
        const letters = await withRedis(g.redis, (client) => list(client, stream, g.prefix, f));
        if (f.json) {
          writeJson(letters.map(deadLetterJson));
          return 0;
        }
        const c = colorsFor(process.stdout);
        // A sharded stream: which shard each dead letter is in (ids are per shard).
        const shard = (d: DeadLetter) => (f.shards === undefined ? [] : [d.stream]);
        if (letters.length === 0) process.stdout.write(`no dead letters for ${stream}\n`);
        else
          process.stdout.write(
            table(
              [...(f.shards === undefined ? [] : ['SHARD']), 'ID', 'DIED AT', 'REASON', 'ATTEMPT', 'ORIGIN', 'ERROR'],
              letters.map((d) => [
                ...shard(d),
                d.id,
                isoTime(d.deadAt),
                d.reason,
                d.attempt,
                d.origin ?? '-',
                printable(clip(d.error)),
              ]),
              c,
            ),
          );
        return 0;
      }),
    );

  dlq
    .command('show')
    .description('one dead letter in full: error, payload, consumer, every field')
    .argument('<stream>', 'stream name')
    .argument('<id>', 'dead-letter id (from dlq list)', streamIdArg)
    .option('--json', 'print JSON')
    .action(
      run(async (stream: string, id: string, f: { json?: boolean }, cmd: Command) => {
        const g = globalsOf(cmd);
        const [d] = await withRedis(g.redis, (client) =>
          list(client, stream, g.prefix, { from: id, to: id, count: 1 }),
        );
        if (!d) throw new CliError(`no dead letter ${id} for ${stream}`);
        if (f.json) {
          writeJson(deadLetterJson(d));
          return 0;
        }
        const rows = Object.entries(d.fields).map(([k, v]) => `  ${k.padEnd(10)} ${printable(v)}`);
        process.stdout.write(`dead letter ${d.id} of ${stream} (died ${isoTime(d.deadAt)})\n${rows.join('\n')}\n`);
        return 0;
      }),
    );

  addFilters(
    dlq
      .command('replay')
      .description('move dead letters back into the stream (attempt reset, origin kept)')
      .argument('<stream>', 'stream name'),
  )
    .option('--ids <ids>', 'only these dead-letter ids (comma-separated)', listArg)
    .option('--limit <n>', 'replay at most n', intArg(0))
    .option('--dry-run', 'count what would be replayed; change nothing')
    .action(
      run(
        async (stream: string, f: FilterFlags & { ids?: string[]; limit?: number; dryRun?: boolean }, cmd: Command) => {
          const g = globalsOf(cmd);
          streamKeys(stream, g.prefix);
          const opts = {
            ...queryOf(g.prefix, f),
            ...(f.ids !== undefined && { ids: f.ids }),
            ...(f.limit !== undefined && { limit: f.limit }),
          };
          const result = await withRedis(g.redis, async (client) => {
            // A dry run first gives the bar its total (the same query, nothing written).
            const { replay } = await loadClaim();
            const preview = await replay(client, stream, { ...opts, dryRun: true });
            if (f.dryRun || preview.replayed === 0) return preview;
            const bar = progress({ label: `replay ${stream}`, total: preview.replayed + preview.skipped });
            try {
              return await replay(client, stream, { ...opts, onProgress: (p) => bar.update(p.scanned) });
            } finally {
              bar.stop();
            }
          });
          process.stdout.write(
            `${f.dryRun ? 'would replay' : 'replayed'} ${result.replayed} dead letter(s) of ${stream}, skipped ${result.skipped}\n`,
          );
          return 0;
        },
      ),
    );

  registerPurge(dlq, run);
};
