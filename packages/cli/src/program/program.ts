// The `sluice` program: global options, error and exit-code policy, and every command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAcl } from '../commands/acl.js';
import { registerBench } from '../commands/bench.js';
import { registerDashboard } from '../commands/dashboard.js';
import { registerDemo } from '../commands/demo.js';
import { registerDlq } from '../commands/dlq.js';
import { registerExporter } from '../commands/exporter.js';
import { registerInspect } from '../commands/inspect.js';
import { registerLs } from '../commands/ls.js';
import { registerPublish } from '../commands/publish.js';
import { registerRewind } from '../commands/rewind.js';
import { registerStatus } from '../commands/status.js';
import { registerTail } from '../commands/tail.js';
import { COMMAND_TIMEOUT_MS, CONNECT_DEADLINE_MS } from '../redis/connect.js';
import { intArg } from './args.js';
import { describeError, EXIT, exitCodeOf } from './errors.js';
import type { Runner } from './register.js';

/** The package version (src/program and dist/program both sit two levels under the package). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(state: { code: number }): Command {
  const program = new Command('sluice')
    .description('Look at Sluice streams, follow tasks, and fix what failed.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('--url <url>', 'Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix of the streams', 'sluice')
    .option('--tls-ca <file>', 'CA certificate (PEM) for a rediss:// URL (env SLUICE_TLS_CA)')
    .option('--tls-cert <file>', 'client certificate (PEM) for a rediss:// URL (env SLUICE_TLS_CERT)')
    .option('--tls-key <file>', 'client key (PEM) for --tls-cert (env SLUICE_TLS_KEY)')
    .option(
      '--timeout-ms <ms>',
      `give up when Redis does not answer a connect or a command within this long (env SLUICE_TIMEOUT_MS; default: connect ${CONNECT_DEADLINE_MS}, each command ${COMMAND_TIMEOUT_MS})`,
      intArg(1),
    )
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`sluice: ${text.replace(/^error: /, '')}`),
    });
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 failure (Redis unreachable, task not found, ...), 2 usage error.
Environment: REDIS_URL, SLUICE_TLS_CA, SLUICE_TLS_CERT, SLUICE_TLS_KEY, SLUICE_TIMEOUT_MS,
NO_COLOR, SLUICE_DEBUG=1 (stack traces).`,
  );
  const run: Runner =
    (fn) =>
    async (...args) => {
      state.code = (await fn(...args)) ?? EXIT.ok;
    };
  for (const register of [
    registerLs,
    registerInspect,
    registerTail,
    registerStatus,
    registerPublish,
    registerDlq,
    registerRewind,
    registerExporter,
    registerDashboard,
    registerDemo,
    registerBench,
    registerAcl,
  ]) {
    register(program, run);
  }
  return program;
}

/** Run the CLI on `argv` (without node and script); resolves with the exit code, never throws. */
export async function main(argv: string[]): Promise<number> {
  const state = { code: EXIT.ok as number };
  const program = buildProgram(state);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      // A command group without its subcommand (`sluice dlq`) printed its help: a usage error.
      return EXIT.usage;
    }
    process.stderr.write(`${describeError(err)}\n`);
    return exitCodeOf(err);
  }
}
