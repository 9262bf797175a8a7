// Exit codes and the one line a user sees when a command fails: never a stack trace for
// something the user can fix (a bad argument, an unreachable Redis, a missing group).
import { SluiceError } from '@sluice/core';
import { redactText } from '@sluice/core/plugin';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad command line: unknown option, bad argument value, missing confirmation. Exit 2. */
export class UsageError extends SluiceError {
  constructor(message: string) {
    super('ERR_SLUICE_USAGE', message);
  }
}

/** A failure the user can act on, already phrased for them. Exit 1. */
export class CliError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SLUICE_CLI', message, options);
  }
}

/** Redis could not be reached (or went away): the message names the redacted URL. */
export class UnreachableError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SLUICE_UNREACHABLE', message, options);
  }
}

/** Exit code for an error: usage and config errors are 2, everything else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof SluiceError && err.code === 'ERR_SLUICE_CONFIG') return EXIT.usage;
  return EXIT.failure;
}

/** One line for stderr; the stack only with SLUICE_DEBUG=1 (for bugs, not for users). */
export function describeError(err: unknown): string {
  const e = err as Error | undefined;
  let text = e instanceof Error ? e.message : String(err);
  if (e instanceof Error && !(e instanceof SluiceError) && e.name && e.name !== 'Error') text = `${e.name}: ${text}`;
  text = text.replace(/\s*\n\s*/g, ' ').trim();
  const line = `sluice: ${redactText(text)}`;
  if (process.env.SLUICE_DEBUG && e?.stack) return `${line}\n${redactText(e.stack)}`;
  return line;
}
