// The `sluice` command: argument parsing and dispatch to subcommands.
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';
import { runDlqList, runReplay, runRewind } from './dlq.js';
import { runInspect } from './inspect.js';

const USAGE = `usage: sluice <command> [options]

commands:
  demo [--tasks N] [--consumers N]   publish tasks and consume them with a group of workers
                                     (uses REDIS_URL, else spawns a local redis-server)
  inspect <stream> [--prefix P] [--json]
                                     length, groups (pending, lag, consumers), dead letters, delayed
  dlq <stream> [--count N] [--reason R] [--error TEXT] [--from T] [--to T] [--json]
                                     list dead letters (T: stream id, ms, or ISO date)
  replay <stream> [--ids a,b] [--from T] [--to T] [--reason R] [--error TEXT] [--limit N] [--dry-run]
                                     move dead letters back into the stream (attempt reset, origin kept)
  rewind <stream> <group> <T>        re-deliver everything after T to the group (XGROUP SETID)
  help                               this text

common options: --prefix P (key prefix, default "sluice")

environment:
  REDIS_URL                          Redis to use (default redis://127.0.0.1:6379; demo spawns its own)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { tasks: { type: 'string', default: '5000' }, consumers: { type: 'string', default: '3' } },
      });
      const tasks = Number(values.tasks);
      const consumers = Number(values.consumers);
      if (!Number.isInteger(tasks) || tasks < 1)
        throw new Error(`--tasks must be a positive integer, got ${values.tasks}`);
      if (!Number.isInteger(consumers) || consumers < 1)
        throw new Error(`--consumers must be a positive integer, got ${values.consumers}`);
      const summary = await runDemo({ url: process.env.REDIS_URL || undefined, tasks, consumers });
      return summary.processed === summary.published && summary.pending === 0 ? 0 : 1;
    }
    case 'inspect': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { prefix: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      const stream = positionals[0];
      if (!stream) throw new Error('inspect: give a stream name, e.g. `sluice inspect orders`');
      await runInspect(redisUrl(), stream, values.prefix, values.json ?? false);
      return 0;
    }
    case 'dlq':
    case 'replay': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          prefix: { type: 'string' },
          count: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          error: { type: 'string' },
          reason: { type: 'string' },
          json: { type: 'boolean' },
          ids: { type: 'string' },
          limit: { type: 'string' },
          'dry-run': { type: 'boolean' },
        },
      });
      const stream = positionals[0];
      if (!stream) throw new Error(`${command}: give a stream name, e.g. \`sluice ${command} orders\``);
      if (command === 'dlq') await runDlqList(redisUrl(), stream, values);
      else await runReplay(redisUrl(), stream, { ...values, dryRun: values['dry-run'] });
      return 0;
    }
    case 'rewind': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { prefix: { type: 'string' } },
      });
      const [stream, group, to] = positionals;
      if (!stream || !group || !to) throw new Error('rewind: usage `sluice rewind <stream> <group> <time|id>`');
      await runRewind(redisUrl(), stream, group, to, values.prefix);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`sluice: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

function redisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}
