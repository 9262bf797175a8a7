#!/usr/bin/env node
// Entry point of the `sluice` binary.
import { main } from './main.js';

// `sluice tail … | head -3`: the reader went away, which is a normal end, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    // main() reports every error itself; this is a bug in the CLI.
    process.stderr.write(`sluice: internal error: ${err?.message ?? err}\n`);
    process.exit(1);
  },
);
