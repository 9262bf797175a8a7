// Small helpers shared inside core.

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isPromiseLike<X>(value: X | PromiseLike<X>): value is PromiseLike<X> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<X>).then === 'function'
  );
}

/** Wait for `work` at most `ms`; true when it settled in time (a rejection counts as settled). */
export async function bounded(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
