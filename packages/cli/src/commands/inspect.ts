// `sluice inspect <stream>`: one stream in detail, down to each consumer of each group.
import { readResourceState, streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { type Colors, colorsFor, table, writeJson } from '../output/style.js';
import { duration } from '../output/units.js';
import { CliError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { withRedis } from '../redis/connect.js';
import { describeLimits } from '../report/limits.js';
import { formatResources } from '../report/resources.js';
import { readStream, type StreamReport } from '../report/stream-report.js';

export function formatInspect(r: StreamReport, c: Colors): string {
  const keeps = describeLimits(r.limits);
  const trimmed =
    r.limits.trimmedAt === null ? 'no trim recorded yet' : `last trim ${duration(Date.now() - r.limits.trimmedAt)} ago`;
  const lines = [
    `${c.bold(`stream ${r.stream}`)} ${c.dim(`(${r.key})`)}`,
    `  length        ${r.length}${r.firstId ? `  first ${r.firstId}  last ${r.lastId}` : ''}`,
    `                ${c.dim(keeps.stream)}`,
    `  dead letters  ${r.deadLetters ? c.red(String(r.deadLetters)) : '0'}`,
    `                ${c.dim(keeps.dlq)}`,
    `  delayed       ${r.delayed}  (retries and scheduled tasks)`,
    `                ${c.dim(keeps.delayed)}`,
    `  results       ${r.results}`,
    `  ${c.dim(`bounds: ${trimmed}; "default" = not recorded in Redis yet (docs/guarantees.md#retention)`)}`,
    '',
  ];
  let text = `${lines.join('\n')}\n`;
  if (r.groups.length === 0) return `${text}no consumer groups\n`;
  text += table(
    ['GROUP', 'CONSUMERS', 'LAG', 'PENDING', 'OLDEST PENDING', 'IDLE', 'LAST DELIVERED'],
    r.groups.map((g) => [
      g.name,
      g.consumers,
      g.lag,
      g.pending,
      g.oldestPendingId ?? '-',
      duration(g.oldestPendingIdleMs),
      g.lastDeliveredId,
    ]),
    c,
  );
  const rows = r.groups.flatMap((g) =>
    (g.consumerList ?? []).map((k) => [
      g.name,
      k.name,
      k.pending,
      duration(k.idleMs),
      k.inactiveMs === null ? '-' : duration(k.inactiveMs),
    ]),
  );
  if (rows.length) text += `\n${table(['GROUP', 'CONSUMER', 'PENDING', 'IDLE', 'INACTIVE'], rows, c)}`;
  return text;
}

export const registerInspect: Register = (program, run) => {
  program
    .command('inspect')
    .description(
      'one stream: length, DLQ, delayed, results; per group lag and pending; per consumer pending and idle; resources (capacities, waiting and unschedulable tasks)',
    )
    .argument('<stream>', 'stream name (without prefix)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nIDLE is the time since the oldest pending entry was delivered; INACTIVE (Redis >= 7.2) since a consumer last read.',
    )
    .action(
      run(async (stream: string, opts: { json?: boolean }, cmd: Command) => {
        const g = globalsOf(cmd);
        const keys = streamKeys(stream, g.prefix);
        const [report, resources] = await withRedis(g.redis, (client) =>
          Promise.all([readStream(client, keys, { consumers: true }), readResourceState(client, keys)]),
        );
        if (!report.exists && !report.deadLetters && !report.delayed && !report.results && !resources.queued)
          throw new CliError(`no stream "${stream}" under prefix "${g.prefix}" (key ${keys.stream} does not exist)`);
        if (opts.json) writeJson({ ...report, resources });
        else {
          const c = colorsFor(process.stdout);
          process.stdout.write(formatInspect(report, c) + formatResources(resources, c));
        }
        return 0;
      }),
    );
};
