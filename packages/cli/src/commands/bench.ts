// `sluice bench`: runs the repository's benchmark (bench/dist/run.js) with the given arguments.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../program/errors.js';
import type { Register } from '../program/register.js';

/** bench/dist/run.js in the current directory or any parent of it or of this file. */
export function findBench(): string | undefined {
  for (const start of [process.cwd(), dirname(fileURLToPath(import.meta.url))]) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, 'bench', 'dist', 'run.js');
      if (existsSync(candidate)) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

export const registerBench: Register = (program, run) => {
  program
    .command('bench')
    .description('run the benchmark of a Sluice checkout (arguments are passed through)')
    .argument('[args...]', 'arguments for bench/dist/run.js (try: sluice bench -- --help)')
    .allowUnknownOption()
    .helpOption(false)
    .action(
      run(async (args: string[]) => {
        const script = findBench();
        if (!script)
          throw new CliError(
            'bench: no bench/dist/run.js here; run it from a Sluice checkout after `npm run build && npx tsc -b bench`',
          );
        const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
        return new Promise<number>((done) => {
          child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
          child.on('error', () => done(1));
        });
      }),
    );
};
