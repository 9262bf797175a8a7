// A background job on a jittered interval: the promoter, and recovery's reclaimer,
// keepalive and reaper each run on one. A run may ask for an earlier next run (more work
// waiting); errors go to the consumer's `error` event and the job keeps going.

/** A delay spread uniformly over [0.5, 1.5) × `ms`, so a fleet started together does not run in step. */
export function jittered(ms: number): number {
  return Math.max(1, Math.round(ms * (0.5 + Math.random())));
}

export type Job = () => Promise<number | undefined>;

export class Repeating {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  /**
   * @param intervalMs mean delay between runs (jittered ±50%)
   * @param job returns a delay in ms for the next run, or undefined for the usual interval
   */
  constructor(
    private readonly intervalMs: number,
    private readonly job: Job,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(firstDelayMs?: number): void {
    this.stopped = false;
    this.schedule(firstDelayMs ?? jittered(this.intervalMs));
  }

  /** Stop and wait for a run in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().then((next) => {
        this.running = undefined;
        this.schedule(next ?? jittered(this.intervalMs));
      });
    }, delayMs);
  }

  private async runOnce(): Promise<number | undefined> {
    try {
      return await this.job();
    } catch (err) {
      if (!this.stopped) this.onError(err);
      return undefined;
    }
  }
}
