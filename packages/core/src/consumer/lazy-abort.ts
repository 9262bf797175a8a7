// A handler's AbortSignal, created only when the handler asks for it. Most handlers never
// read ctx.signal, and an AbortController per entry was ~10% of the consumer's CPU time
// in the benchmark profile (bench/, `npm run bench`).

export class LazyAbort {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Abort now, or as soon as the signal is created; the first reason wins. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
