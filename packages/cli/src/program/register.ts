// The contract between the program and its commands: each command module exports a `Register`.
import type { Command } from 'commander';

/** What an action resolves with: an exit code, or nothing for success. */
export type ActionResult = number | undefined;

/** Wraps an action so its result becomes the exit code. */
export type Runner = <A extends unknown[]>(fn: (...args: A) => Promise<ActionResult>) => (...args: A) => Promise<void>;

/** Adds one command (or command group) to the program. */
export type Register = (program: Command, run: Runner) => void;
