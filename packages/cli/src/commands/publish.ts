// `sluice publish <stream> [json]`: one task from the argument, or one per line of stdin
// (batched through the Producer). Every line is parsed before anything is published, so a
// bad line publishes nothing.
import { Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { intArg } from '../program/args.js';
import { UsageError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { withRedis } from '../redis/connect.js';

/** Publishes in flight at once; the Producer coalesces each slice into few script calls. */
const SLICE = 500;

interface PublishFlags {
  key?: string;
  delayMs?: number;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not JSON: ${(err as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function payloadsFrom(json: string | undefined): Promise<unknown[]> {
  if (json !== undefined) return [parseJson(json, 'the payload argument')];
  if (process.stdin.isTTY)
    throw new UsageError('publish: give a JSON payload, or pipe one JSON document per line on stdin');
  const out: unknown[] = [];
  const lines = (await readStdin()).split('\n');
  lines.forEach((line, i) => {
    if (line.trim()) out.push(parseJson(line, `stdin line ${i + 1}`));
  });
  return out;
}

export const registerPublish: Register = (program, run) => {
  program
    .command('publish')
    .description('publish one task (JSON argument) or one task per stdin line; prints the ids')
    .argument('<stream>', 'stream name')
    .argument('[json]', 'the payload as JSON; omit to read one JSON per line from stdin')
    .option('--key <key>', 'ordering/partition key of every task')
    .option('--delay-ms <ms>', 'publish this many ms from now (prints schedule ids)', intArg(0))
    .addHelpText('after', `\nExample:\n  printf '{"n":1}\\n{"n":2}\\n' | sluice publish orders`)
    .action(
      run(async (stream: string, json: string | undefined, flags: PublishFlags, cmd: Command) => {
        const g = globalsOf(cmd);
        streamKeys(stream, g.prefix); // a bad name fails before stdin is read
        const payloads = await payloadsFrom(json);
        const options = {
          ...(flags.key !== undefined && { key: flags.key }),
          ...(flags.delayMs !== undefined && { delayMs: flags.delayMs }),
        };
        await withRedis(g.redis, async (client) => {
          const producer = new Producer({ client, prefix: g.prefix });
          try {
            for (let i = 0; i < payloads.length; i += SLICE) {
              const slice = payloads.slice(i, i + SLICE);
              const ids = await Promise.all(slice.map((p) => producer.publish(stream, p, options)));
              process.stdout.write(`${ids.join('\n')}\n`);
            }
          } finally {
            await producer.close();
          }
        });
        if (payloads.length === 0) process.stderr.write('sluice: stdin held no JSON lines; nothing published\n');
        return 0;
      }),
    );
};
