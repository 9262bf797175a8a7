#!/usr/bin/env node
// Entry point of the `sluice` binary.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`sluice: ${err.message}\n`);
    process.exit(1);
  },
);
