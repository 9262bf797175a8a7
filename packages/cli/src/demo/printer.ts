// What the demo prints: story lines as they happen, a progress line (redrawn on a terminal,
// a plain line every half second otherwise), and the summary, which is always the last output.

export interface DemoSummary {
  /** Orders published (all of them awaited). */
  published: number;
  /** Final outcomes received: done + dead-lettered. */
  processed: number;
  done: number;
  /** Orders that failed at least once and then succeeded. */
  retried: number;
  deadLettered: number;
  /** Tasks of the killed worker taken over by the others. */
  reclaimed: number;
  killed: { name: string; held: number };
  /** Express orders (priority 1) published after `bulk` ones (priority 5): bulk settled before the last express. */
  priority: { bulk: number; express: number; bulkBefore: number };
  /** Final outcomes per worker. */
  perWorker: Record<string, number>;
  /** Still pending in the group at the end (0 when nothing was lost). */
  pending: number;
  seconds: number;
  dashboardUrl: string;
  metricsUrl: string;
}

export class Printer {
  private readonly tty: boolean;
  private lastProgress = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.tty = Boolean(out.isTTY);
  }

  line(text = ''): void {
    this.clearProgress();
    this.out.write(`${text}\n`);
  }

  step(text: string): void {
    this.line(`▸ ${text}`);
  }

  progress(done: number, total: number, extra = ''): void {
    const text = `  ${done}/${total} orders settled${extra}`;
    if (this.tty) {
      this.out.write(`\r\u001b[2K${text}`);
      this.drawn = true;
    } else if (Date.now() - this.lastProgress >= 500) {
      this.out.write(`${text}\n`);
      this.lastProgress = Date.now();
    }
  }

  summary(s: DemoSummary): void {
    const row = (label: string, value: string | number, note = '') =>
      `  ${label.padEnd(14)} ${String(value).padStart(6)}${note ? `  ${note}` : ''}`;
    this.line();
    this.line('summary');
    this.line(row('published', s.published));
    this.line(row('done', s.done, 'charged (results awaited with Results.waitFor)'));
    this.line(row('retried', s.retried, 'failed once, succeeded on a later attempt'));
    this.line(row('dead-lettered', s.deadLettered, 'failed every attempt: in the DLQ for replay'));
    this.line(row('reclaimed', s.reclaimed, `taken over from ${s.killed.name} after its SIGKILL`));
    this.line(
      row(
        'priority',
        s.priority.bulkBefore,
        `bulk orders charged before the ${s.priority.express} express ones published after all ${s.priority.bulk}`,
      ),
    );
    for (const [name, n] of Object.entries(s.perWorker).sort()) {
      this.line(row(name, n, name === s.killed.name ? 'settled before it was killed' : ''));
    }
    this.line(row('still pending', s.pending));
    this.line(row('elapsed', `${s.seconds.toFixed(1)} s`));
  }

  private clearProgress(): void {
    if (this.tty && this.drawn) this.out.write('\r\u001b[2K');
    this.drawn = false;
  }
}
