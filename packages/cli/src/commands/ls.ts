// `sluice ls`: every stream under the prefix, one line each.
import { streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { colorsFor, table, writeJson } from '../output/style.js';
import { duration } from '../output/units.js';
import type { Globals } from '../program/globals.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { withRedis } from '../redis/connect.js';
import { readStream, type StreamReport } from '../report/stream-report.js';
import { listStreams } from '../report/streams.js';

/** Streams read at once: enough to hide round trips, few enough not to flood Redis. */
const FAN_OUT = 8;

export async function lsReports(g: Globals): Promise<StreamReport[]> {
  return withRedis(g.redis, async (client) => {
    const names = await listStreams(client, g.prefix);
    const limit = pLimit(FAN_OUT);
    return Promise.all(names.map((name) => limit(() => readStream(client, streamKeys(name, g.prefix)))));
  });
}

export function formatLs(reports: StreamReport[], prefix: string, out: NodeJS.WriteStream): string {
  const c = colorsFor(out);
  if (reports.length === 0) return `no streams under prefix "${prefix}"\n`;
  return table(
    ['STREAM', 'LENGTH', 'GROUPS', 'LAG', 'PENDING', 'OLDEST IDLE', 'DLQ', 'DELAYED', 'RESULTS'],
    reports.map((r) => [
      r.stream,
      r.length,
      r.groups.length,
      r.lag,
      r.pending,
      duration(r.oldestPendingIdleMs),
      r.deadLetters,
      r.delayed,
      r.results,
    ]),
    c,
  );
}

export const registerLs: Register = (program, run) => {
  program
    .command('ls')
    .description('list every stream under the prefix: length, groups, lag, pending, DLQ, delayed, results')
    .option('--json', 'print JSON')
    .action(
      run(async (opts: { json?: boolean }, cmd: Command) => {
        const g = globalsOf(cmd);
        const reports = await lsReports(g);
        if (opts.json) writeJson(reports);
        else process.stdout.write(formatLs(reports, g.prefix, process.stdout));
        return 0;
      }),
    );
};
