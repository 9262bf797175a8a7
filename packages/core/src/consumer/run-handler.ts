// One handler call: plugin wrappers (tracing), the timeout that aborts ctx.signal, and the
// fast path with no promise of our own when neither is in use.
import { TimeoutError } from '../errors.js';
import { isPromiseLike } from '../util.js';
import type { Entry } from '../wire/task.js';
import type { LazyAbort } from './lazy-abort.js';
import type { Handler, HandlerContext } from './options.js';
import type { ConsumerPlugin } from './plugin-types.js';

type Wrap = <X>(run: () => Promise<X>, entry: Entry) => Promise<X>;

export async function runHandler<T, R>(
  handler: Handler<T, R>,
  entry: Entry<T>,
  ctx: HandlerContext,
  abort: LazyAbort,
  timeoutMs: number,
  wrappers: readonly ConsumerPlugin[],
): Promise<R> {
  if (wrappers.length === 0 && timeoutMs === 0) {
    // The common case: a handler's plain value is used as is.
    const value = handler(entry.payload, ctx);
    return isPromiseLike(value) ? await value : value;
  }
  const call = () => handler(entry.payload, ctx);
  const work = wrappers.length === 0 ? Promise.resolve().then(call) : wrapped(call, entry, wrappers);
  if (timeoutMs === 0) return work;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<R>((resolve, reject) => {
      timer = setTimeout(() => {
        const err = new TimeoutError(`handler exceeded timeoutMs=${timeoutMs} for entry ${entry.id}`);
        abort.abort(err);
        reject(err);
      }, timeoutMs);
      work.then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
  }
}

/** The handler call inside every plugin's `wrap` (the first plugin is the outermost). */
function wrapped<R>(call: () => R | Promise<R>, entry: Entry, wrappers: readonly ConsumerPlugin[]): Promise<R> {
  let run = () => Promise.resolve().then(call);
  for (let i = wrappers.length - 1; i >= 0; i--) {
    const wrap = (wrappers[i] as ConsumerPlugin).wrap as Wrap;
    const inner = run;
    run = () => wrap(inner, entry as Entry);
  }
  return run();
}
