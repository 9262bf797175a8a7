// The `sluice` command as a function: parse argv, run the command, resolve with the exit code.
export { buildProgram, main, version } from './program/program.js';
