// The `ctx` a handler receives. A class rather than an object literal per entry: no
// closures and no accessor literal on the hot path, and the AbortSignal is created only if
// the handler reads `ctx.signal` (see lazy-abort.ts).
import type { Entry, Headers } from './codec.js';
import type { HandlerContext } from './consumer-options.js';
import type { LazyAbort } from './lazy-abort.js';
import type { Logger } from './log.js';

export class EntryContext implements HandlerContext {
  readonly id: string;
  readonly stream: string;
  readonly attempt: number;
  readonly key: string | undefined;
  readonly headers: Headers;
  readonly origin: string | undefined;
  readonly deliveries: number | undefined;
  readonly log: Logger;
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
    this.log = log;
    this.#abort = abort;
    this.#extend = extend;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  extend(): Promise<boolean> {
    return this.#extend(this.id);
  }
}
