// `sluice demo`: the story of what Sluice is for, on the embedded redis-server unless a URL is given.
import type { Command } from 'commander';
import { intArg, portArg } from '../program/args.js';
import { UsageError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { connect, release } from '../redis/connect.js';

interface DemoFlags {
  tasks?: number;
  consumers?: number;
  once?: boolean;
  dashboardPort?: number;
  metricsPort?: number;
}

export const registerDemo: Register = (program, run) => {
  program
    .command('demo')
    .description('run the demo (uses --url / REDIS_URL, else starts a local redis-server)')
    .option('--tasks <n>', 'orders to publish (default: 400)', intArg(1))
    .option('--consumers <n>', 'worker processes, one of them killed (default: 3)', intArg(1))
    .option('--once', 'exit when the story is told (the default when stdin is not a terminal)')
    .option('--dashboard-port <port>', 'preferred dashboard port (default: 8080)', portArg)
    .option('--metrics-port <port>', 'preferred /metrics port (default: 9464)', portArg)
    .action(
      run(async (f: DemoFlags, cmd: Command) => {
        const g = globalsOf(cmd);
        if (g.redis.tls) throw new UsageError('demo: --tls-* is not supported here; run it on a local Redis');
        // An unreachable or silent Redis fails now, in one line, not inside the worker processes.
        if (g.urlGiven) await release(await connect(g.redis));
        const { runDemo } = await import('../demo.js');
        const summary = await runDemo({
          url: g.urlGiven ? g.url : undefined,
          ...(f.tasks !== undefined && { tasks: f.tasks }),
          ...(f.consumers !== undefined && { consumers: f.consumers }),
          ...(f.once !== undefined && { once: f.once }),
          ...(f.dashboardPort !== undefined && { dashboardPort: f.dashboardPort }),
          ...(f.metricsPort !== undefined && { metricsPort: f.metricsPort }),
        });
        return summary.processed === summary.published && summary.pending === 0 ? 0 : 1;
      }),
    );
};
