// `sluice status <stream> <id>`: where one task is: queued, running (on which consumer, idle
// how long), retrying, done with its result, or dead with its error.
import { shardNames, shardOf } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { colorsFor, writeJson } from '../output/style.js';
import { duration, isoTime, printable } from '../output/units.js';
import { intArg, streamIdArg } from '../program/args.js';
import { UsageError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { withRedis } from '../redis/connect.js';
import { type TaskWhere, taskStatus } from '../report/task-status.js';

const show = (v: unknown) => printable(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

export function formatStatus(stream: string, id: string, w: TaskWhere, out: NodeJS.WriteStream): string {
  const c = colorsFor(out);
  const head = `task ${id} on ${stream}: `;
  switch (w.state) {
    case 'queued':
      return `${head}${c.cyan('queued')} (in the stream, not yet delivered)\n`;
    case 'running':
      return `${head}${c.yellow('running')} on consumer ${show(w.consumer)} (group ${show(w.group)}), idle ${duration(w.idleMs)}, delivered ${w.deliveries} time(s)\n`;
    case 'retrying':
      return `${head}${c.yellow('retrying')}${w.attempt ? ` attempt ${w.attempt}` : ''}${w.retryAt ? ` due ${isoTime(w.retryAt)}` : ''}\n`;
    case 'done':
      return w.status === 'ok'
        ? `${head}${c.green('done')} (ok)${w.entry ? ` as entry ${w.entry}` : ''} attempt ${w.attempt} by ${show(w.consumer)} in ${w.ms}ms\nresult ${show(w.result)}\n`
        : `${head}${c.red('failed')} attempt ${w.attempt} by ${show(w.consumer)}\nerror ${show(w.error ?? '')}\n`;
    case 'dead':
      return `${head}${c.red('dead')}${w.reason ? ` (${show(w.reason)})` : ''}${w.attempt ? ` after attempt ${w.attempt}` : ''}${w.deadLetterId ? `, dead letter ${w.deadLetterId}` : ''}\nerror ${show(w.error ?? '')}\n`;
    case 'acked':
      return `${head}${c.green('done')} (acked; no result recorded)\n`;
    case 'unknown':
      return `${head}unknown: not in the stream, its results, the delayed set or the DLQ\n`;
  }
}

export const registerStatus: Register = (program, run) => {
  program
    .command('status')
    .description('where one task is: queued, running (consumer, idle), retrying, done with result, dead with error')
    .argument('<stream>', 'stream name')
    .argument('<id>', 'the entry id publish returned', streamIdArg)
    .option('--shards <n>', 'the stream is sharded into n shards (Producer shards): look in its shards', intArg(1))
    .option('--key <key>', "with --shards: the task's key, which names its shard")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExit code 1 when the task is unknown. With --shards and no --key every shard is searched;\nids are per shard, so more than one may match (each is printed).',
    )
    .action(
      run(async (stream: string, id: string, opts: { json?: boolean; shards?: number; key?: string }, cmd: Command) => {
        const g = globalsOf(cmd);
        streamKeys(stream, g.prefix);
        if (opts.key !== undefined && opts.shards === undefined) throw new UsageError('status: --key needs --shards');
        const names =
          opts.shards === undefined
            ? [stream]
            : opts.key === undefined
              ? shardNames(stream, opts.shards)
              : [shardNames(stream, opts.shards)[shardOf(opts.key, opts.shards)] as string];
        const found = await withRedis(g.redis, async (client) => {
          const out: Array<{ stream: string; where: TaskWhere }> = [];
          for (const name of names)
            out.push({ stream: name, where: await taskStatus(client, streamKeys(name, g.prefix), g.prefix, id) });
          return out;
        });
        // One stream (or the key's shard): as before. Every shard: those that know the id, else unknown.
        const known = found.filter((f) => f.where.state !== 'unknown');
        const shown = names.length === 1 || known.length === 0 ? [found[0] as (typeof found)[0]] : known;
        if (shown.length === 1 && names.length > 1 && known.length === 0)
          (shown[0] as (typeof found)[0]).stream = stream;
        if (opts.json) {
          const rows = shown.map((f) => ({ stream: f.stream, id, ...f.where }));
          writeJson(rows.length === 1 ? rows[0] : rows);
        } else for (const f of shown) process.stdout.write(formatStatus(f.stream, id, f.where, process.stdout));
        return known.length === 0 ? 1 : 0;
      }),
    );
};
