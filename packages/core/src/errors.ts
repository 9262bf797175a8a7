// Errors a caller can act on. Every error carries a stable `code`.

export class SluiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option was missing or out of range; the message names the field and the bad value. */
export class ConfigError extends SluiceError {
  constructor(message: string) {
    super('ERR_SLUICE_CONFIG', message);
  }
}

/** A payload could not be published (not serializable, too large); nothing was written. */
export class PayloadError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SLUICE_PAYLOAD', message, options);
  }
}

/**
 * A payload failed its schema (option `schema` / `schemas`): `issues` are the Standard
 * Schema issues. Publish writes nothing; a consumer dead-letters the entry as `invalid`.
 */
export class ValidationError extends PayloadError {
  readonly issues: readonly { message: string; path?: readonly unknown[] | undefined }[];
  constructor(message: string, issues: readonly { message: string; path?: readonly unknown[] | undefined }[]) {
    super(message);
    this.issues = issues;
  }
}

/** An entry on the stream does not follow wire format v1; it is dead-lettered as `malformed`. */
export class MalformedEntryError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SLUICE_MALFORMED', message, options);
  }
}

/** Thrown by a handler to say "retrying will not help": the entry is dead-lettered at once. */
export class NonRetryableError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SLUICE_NON_RETRYABLE', message, options);
  }
}

/** A handler ran longer than `timeoutMs`; its AbortSignal was aborted with this error. */
export class TimeoutError extends SluiceError {
  constructor(message: string) {
    super('ERR_SLUICE_TIMEOUT', message);
  }
}

/** A scheduled publish found the stream's delayed set at `maxDelayed`: nothing was written. */
export class DelayedFullError extends SluiceError {
  constructor(
    readonly key: string,
    readonly size: number,
    readonly maxDelayed: number,
  ) {
    super(
      'ERR_SLUICE_DELAYED_FULL',
      `scheduled publish to "${key}" rejected: the delayed set holds ${size} of maxDelayed=${maxDelayed} ` +
        '(nothing written; publish it later, without a delay, or raise maxDelayed)',
    );
  }
}

/** The consumer or producer was closed while the operation was waiting. */
export class ClosedError extends SluiceError {
  constructor(message: string) {
    super('ERR_SLUICE_CLOSED', message);
  }
}

/** Render any thrown value as a one-line message for the wire (`err` field). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
