// `sluice dashboard`: the web dashboard, served by this process until Ctrl-C.
import type { Command } from 'commander';
import { portArg } from '../program/args.js';
import { UsageError } from '../program/errors.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { connect, release } from '../redis/connect.js';
import { untilSignal } from './signals.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const registerDashboard: Register = (program, run) => {
  program
    .command('dashboard')
    .description('serve the web dashboard (streams, lag, consumers, DLQ with replay, task status)')
    .option('--port <port>', 'TCP port', portArg, 8080)
    .option('--host <host>', 'interface to bind; anything but loopback requires --token', '127.0.0.1')
    .option('--token <token>', 'required in every action (POST); env SLUICE_DASHBOARD_TOKEN')
    .action(
      run(async (f: { port: number; host: string; token?: string }, cmd: Command) => {
        const g = globalsOf(cmd);
        const token = f.token ?? process.env.SLUICE_DASHBOARD_TOKEN;
        if (!LOOPBACK.has(f.host) && !token)
          throw new UsageError(`dashboard: binding ${f.host} exposes it beyond this machine; give --token`);
        // An unreachable Redis fails now, in one line; the dashboard then uses this client (TLS included).
        const client = await connect(g.redis, { persistent: true });
        try {
          const opts = {
            url: g.url,
            client,
            prefix: g.prefix,
            port: f.port,
            host: f.host,
            ...(token !== undefined && { token }),
          };
          const { startDashboard } = await import('../dashboard/index.js');
          const dash = (await startDashboard(opts)) as { url?: string; close?: () => Promise<void> } | undefined;
          if (dash?.url) process.stdout.write(`sluice dashboard: ${dash.url} (Ctrl-C to stop)\n`);
          await untilSignal();
          await dash?.close?.();
        } finally {
          await release(client);
        }
        return 0;
      }),
    );
};
