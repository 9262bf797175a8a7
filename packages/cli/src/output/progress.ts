// A progress bar with a total and an ETA on a terminal (cli-progress); in logs and pipes, a
// plain line at most once a second, so a long replay is visible while it runs.
import cliProgress from 'cli-progress';
import { duration } from './units.js';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Where progress goes; stdout stays for the result. @defaultValue process.stderr */
  stream?: NodeJS.WriteStream;
  /** Minimum gap between plain lines. @defaultValue 1000 */
  everyMs?: number;
}

export function progress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${opts.label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.total, 0);
    return { update: (n) => bar.update(n), stop: () => bar.stop() };
  }
  const started = Date.now();
  const everyMs = opts.everyMs ?? 1000;
  let last = 0;
  let done = 0;
  const line = () => {
    const pct = opts.total ? Math.floor((100 * done) / opts.total) : 100;
    const elapsed = Date.now() - started;
    const eta = done > 0 && done < opts.total ? duration((elapsed / done) * (opts.total - done)) : '-';
    stream.write(`${opts.label}: ${done}/${opts.total} (${pct}%) elapsed ${duration(elapsed)} eta ${eta}\n`);
  };
  line();
  last = Date.now();
  return {
    update(n) {
      done = n;
      if (Date.now() - last >= everyMs) {
        line();
        last = Date.now();
      }
    },
    stop() {
      line();
    },
  };
}
