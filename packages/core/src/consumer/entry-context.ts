// The `ctx` a handler receives. A class rather than an object literal per entry: no
// closures and no accessor literal on the hot path; the AbortSignal (lazy-abort.ts) and the
// child logger are created only if the handler reads `ctx.signal` / `ctx.log`.
import { childLogger, type Logger } from '../log.js';
import type { Entry, Headers } from '../wire/task.js';
import type { LazyAbort } from './lazy-abort.js';
import type { HandlerContext } from './options.js';

export class EntryContext implements HandlerContext {
  readonly id: string;
  readonly stream: string;
  readonly attempt: number;
  readonly key: string | undefined;
  readonly headers: Headers;
  readonly origin: string | undefined;
  readonly deliveries: number | undefined;
  readonly #log: Logger;
  #child: Logger | undefined;
  readonly #abort: LazyAbort;
  readonly #extend: (id: string) => Promise<boolean>;

  constructor(entry: Entry, log: Logger, abort: LazyAbort, extend: (id: string) => Promise<boolean>) {
    this.id = entry.id;
    this.stream = entry.stream;
    this.attempt = entry.attempt;
    this.key = entry.key;
    this.headers = entry.headers;
    this.origin = entry.origin;
    this.deliveries = entry.deliveries;
    this.#log = log;
    this.#abort = abort;
    this.#extend = extend;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The consumer's logger with this entry's `stream`, `id` and `attempt` on every line. */
  get log(): Logger {
    this.#child ??= childLogger(this.#log, { stream: this.stream, id: this.id, attempt: this.attempt });
    return this.#child;
  }

  extend(): Promise<boolean> {
    return this.#extend(this.id);
  }
}
