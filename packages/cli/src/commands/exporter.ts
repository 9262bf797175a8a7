// `sluice exporter`: a standalone /metrics server for teams that cannot add the metrics
// plugin to their workers. It reads the same stream gauges (lag, pending, oldest pending,
// consumers, DLQ, delayed) through @sluice/results' SluiceMetrics.watch().
import type { RedisClient } from '@sluice/core';
import { replyToObject, streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { intArg, listArg, portArg } from '../program/args.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { connect, release } from '../redis/connect.js';
import { listStreams } from '../report/streams.js';
import { untilSignal } from './signals.js';

interface ExporterFlags {
  port: number;
  host: string;
  streams?: string[];
  group?: string[];
  refreshMs: number;
}

const env = (name: string) => process.env[name] || undefined;

/** Watch every (stream, group) pair not watched yet; streams and groups not given are discovered. */
async function discover(
  client: RedisClient,
  prefix: string,
  f: ExporterFlags,
  watched: Set<string>,
  watch: (s: string, g: string) => void,
) {
  const streams = f.streams ?? (await listStreams(client, prefix));
  for (const stream of streams) {
    const key = streamKeys(stream, prefix).stream;
    const groups =
      f.group ??
      (await client.sendCommand<unknown[]>(['XINFO', 'GROUPS', key]).catch(() => [])).map((g) =>
        String(replyToObject(g).name),
      );
    for (const group of groups) {
      const id = `${stream}\u0000${group}`;
      if (watched.has(id)) continue;
      watched.add(id);
      watch(stream, group);
    }
  }
}

export const registerExporter: Register = (program, run) => {
  program
    .command('exporter')
    .description('serve Prometheus /metrics (stream gauges) without touching the workers')
    .option(
      '--port <port>',
      'TCP port (env SLUICE_EXPORTER_PORT)',
      portArg,
      Number(env('SLUICE_EXPORTER_PORT') ?? 9464),
    )
    .option('--host <host>', 'interface (env SLUICE_EXPORTER_HOST)', env('SLUICE_EXPORTER_HOST') ?? '0.0.0.0')
    .option(
      '--streams <a,b>',
      'streams to report (env SLUICE_STREAMS; default: every stream under the prefix)',
      listArg,
    )
    .option('--group <g>', 'groups to report, comma-separated (env SLUICE_GROUPS; default: every group)', listArg)
    .option('--refresh-ms <ms>', 'look for new streams and groups this often', intArg(1000), 30_000)
    .action(
      run(async (f: ExporterFlags, cmd: Command) => {
        const g = globalsOf(cmd);
        const fromEnv = (name: string) => (env(name) === undefined ? undefined : listArg(env(name) as string));
        f.streams ??= fromEnv('SLUICE_STREAMS');
        f.group ??= fromEnv('SLUICE_GROUPS');
        for (const s of f.streams ?? []) streamKeys(s, g.prefix);
        const client = await connect(g.redis, { persistent: true });
        // Loaded only here: prom-client is the heaviest module of the CLI.
        const { serveMetrics, sluiceMetrics } = await import('@sluice/results');
        const metrics = sluiceMetrics();
        const watched = new Set<string>();
        const watch = (stream: string, group: string) => metrics.watch(client, { stream, group, prefix: g.prefix });
        await discover(client, g.prefix, f, watched, watch);
        const server = await serveMetrics({ metrics, port: f.port, host: f.host });
        process.stdout.write(
          `sluice exporter: ${server.url}/metrics (${watched.size} stream/group pair(s); Ctrl-C to stop)\n`,
        );
        const timer = setInterval(() => {
          discover(client, g.prefix, f, watched, watch).catch((err) =>
            process.stderr.write(`sluice exporter: ${(err as Error).message}\n`),
          );
        }, f.refreshMs);
        await untilSignal();
        clearInterval(timer);
        await server.close();
        await release(client);
        return 0;
      }),
    );
};
