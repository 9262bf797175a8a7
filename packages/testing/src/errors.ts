// Errors of @sluice/testing: a `code` a caller can branch on, and the cause when there is one.

export type TestingErrorCode =
  | 'BAD_OPTION'
  | 'NO_REDIS'
  | 'NO_TLS'
  | 'NO_OPENSSL'
  | 'CLUSTER_START'
  | 'CLUSTER_TIMEOUT'
  | 'UNKNOWN_NODE'
  | 'REDIS_ERROR'
  | 'PARSE';

export class TestingError extends Error {
  override readonly name = 'TestingError';
  constructor(
    readonly code: TestingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Throws a BAD_OPTION error for any key of `opts` not in `known` (a typo is not silence). */
export function rejectUnknown(where: string, opts: object, known: readonly string[]): void {
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) {
      throw new TestingError('BAD_OPTION', `${where}: unknown option '${key}' (known: ${known.join(', ')})`);
    }
  }
}
