// `sluice tail <stream>`: follow a stream's entries (tasks, results or dead letters) live,
// one decoded line each (NDJSON with --json), until Ctrl-C or --count entries.
import type { RedisClient } from '@sluice/core';
import { parseRangeReply, parseReadReply, replyToObject, streamKeys } from '@sluice/core/plugin';
import { type Command, Option } from 'commander';
import { intArg, streamIdArg } from '../program/args.js';
import { CliError, UsageError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { connect, type RedisTarget, release } from '../redis/connect.js';
import { decoderFor, type Kind } from '../report/decode.js';

interface TailFlags {
  results?: boolean;
  dlq?: boolean;
  group?: string;
  from?: string;
  count?: number;
  json?: boolean;
  blockMs: number;
}

/** Where to start: --from, else the group's position (tasks), else the current end. */
async function startCursor(client: RedisClient, key: string, kind: Kind, flags: TailFlags): Promise<string> {
  if (flags.from !== undefined) return flags.from;
  if (kind === 'tasks' && flags.group !== undefined) {
    const groups = (await client.sendCommand<unknown[]>(['XINFO', 'GROUPS', key]).catch(() => [])).map((g) =>
      replyToObject(g),
    );
    const g = groups.find((x) => x.name === flags.group);
    if (!g) throw new CliError(`no group "${flags.group}" on ${key}`);
    return String(g['last-delivered-id']);
  }
  const last = parseRangeReply(await client.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1']));
  return last[0]?.id ?? '0-0';
}

export async function tail(target: RedisTarget, key: string, kind: Kind, flags: TailFlags): Promise<number> {
  const client = await connect(target);
  let stopping = false;
  const stop = () => {
    stopping = true;
    client.destroy(); // ends a blocked XREAD at once
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const decode = await decoderFor(kind);
  let shown = 0;
  try {
    let cursor = await startCursor(client, key, kind, flags);
    process.stderr.write(`sluice: following ${key} after ${cursor} (Ctrl-C to stop)\n`);
    while (!stopping && (flags.count === undefined || shown < flags.count)) {
      let reply: unknown;
      try {
        reply = await client.sendCommand([
          'XREAD',
          'COUNT',
          '100',
          'BLOCK',
          String(flags.blockMs),
          'STREAMS',
          key,
          cursor,
        ]);
      } catch (err) {
        if (stopping) break;
        throw err;
      }
      for (const raw of parseReadReply(reply)) {
        cursor = raw.id;
        const d = decode(raw);
        if (kind !== 'tasks' && flags.group !== undefined && d.group !== flags.group) continue;
        process.stdout.write(`${flags.json ? JSON.stringify(d.json) : d.line}\n`);
        if (flags.count !== undefined && ++shown >= flags.count) break;
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (!stopping) await release(client);
  }
}

export const registerTail: Register = (program, run) => {
  program
    .command('tail')
    .description('follow new entries of a stream live, decoded (tasks by default)')
    .argument('<stream>', 'stream name')
    .addOption(new Option('--results', 'follow the result stream').conflicts('dlq'))
    .addOption(new Option('--dlq', 'follow the dead-letter stream'))
    .option('--group <group>', 'results/dlq: only this group; tasks: start at what the group has not read yet')
    .option('--from <id>', 'start after this entry id (0 = from the oldest)', (t) =>
      t === '0' ? '0-0' : streamIdArg(t),
    )
    .option('--count <n>', 'stop after n entries', intArg(1))
    .option('--json', 'one JSON object per line (NDJSON)')
    .addOption(new Option('--block-ms <ms>', 'XREAD BLOCK time').default(1000).argParser(intArg(1)).hideHelp())
    .action(
      run(async (stream: string, flags: TailFlags, cmd: Command) => {
        const g = globalsOf(cmd);
        const keys = streamKeys(stream, g.prefix);
        const kind: Kind = flags.results ? 'results' : flags.dlq ? 'dlq' : 'tasks';
        if (flags.from !== undefined && flags.group !== undefined && kind === 'tasks')
          throw new UsageError('tail: give --from or --group, not both');
        return tail(g.redis, keys[kind === 'tasks' ? 'stream' : kind], kind, flags);
      }),
    );
};
