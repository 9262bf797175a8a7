// `sluice dlq purge <stream>`: delete dead letters for good. Asks on a terminal; anywhere
// else it needs --yes, so a script never deletes by accident.
import { createInterface } from 'node:readline/promises';
import { streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { UsageError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Runner } from '../program/register.js';
import { withRedis } from '../redis/connect.js';
import { loadClaim } from '../report/lazy.js';
import { addFilters, type FilterFlags, queryOf } from './dlq-filters.js';

/** Most dead letters one purge selects (listDeadLetters' own cap). */
const MAX = 1_000_000;
const BATCH = 500;

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function registerPurge(dlq: Command, run: Runner): void {
  addFilters(
    dlq
      .command('purge')
      .description('delete dead letters (all, or those the filters select)')
      .argument('<stream>', 'stream name'),
  )
    .option('-y, --yes', 'do not ask (required when stdin is not a terminal)')
    .option('--dry-run', 'count what would be deleted; change nothing')
    .action(
      run(async (stream: string, f: FilterFlags & { yes?: boolean; dryRun?: boolean }, cmd: Command) => {
        const g = globalsOf(cmd);
        streamKeys(stream, g.prefix);
        const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
        if (!f.yes && !f.dryRun && !interactive)
          throw new UsageError('dlq purge: stdin is not a terminal, so nothing was deleted; pass --yes to confirm');
        return withRedis(g.redis, async (client) => {
          const { listDeadLetters } = await loadClaim();
          const letters = await listDeadLetters(client, stream, { ...queryOf(g.prefix, f), count: MAX });
          const ids = letters.map((d) => d.id);
          if (f.dryRun || ids.length === 0) {
            process.stdout.write(`would delete ${ids.length} dead letter(s) of ${stream}\n`);
            return 0;
          }
          if (!f.yes && !(await confirm(`Delete ${ids.length} dead letter(s) of ${stream} for good? [y/N] `))) {
            process.stdout.write('nothing deleted\n');
            return 1;
          }
          // Each from its own DLQ: with --shards they come from every shard's.
          const byStream = new Map<string, string[]>();
          for (const d of letters) {
            const of = byStream.get(d.stream);
            if (of) of.push(d.id);
            else byStream.set(d.stream, [d.id]);
          }
          let deleted = 0;
          for (const [name, of] of byStream) {
            const dlqKey = streamKeys(name, g.prefix).dlq;
            for (let i = 0; i < of.length; i += BATCH)
              deleted += Number(await client.sendCommand(['XDEL', dlqKey, ...of.slice(i, i + BATCH)]));
          }
          process.stdout.write(`deleted ${deleted} dead letter(s) of ${stream}\n`);
          return 0;
        });
      }),
    );
}
