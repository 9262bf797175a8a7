// The demo's worker processes: fork them, learn what each took over from others, kill one.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig, WorkerMessage } from './worker.js';

/** The compiled worker script (also when this module runs from src/ under a test runner). */
export function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith('.ts')
    ? fileURLToPath(new URL('../../dist/demo/worker.js', import.meta.url))
    : here.replace(/fleet\.js$/, 'worker.js');
  if (!existsSync(built)) throw new Error(`demo worker not built (${built}): run npm run build`);
  return built;
}

export interface Worker {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Ids this worker took over from other consumers. */
  reclaimed: string[];
  killed: boolean;
}

export class Fleet {
  readonly workers: Worker[] = [];
  /** Errors and warnings the workers reported, printed with the story. */
  readonly notes: string[] = [];

  /** Start `count` workers and resolve when every one is consuming. */
  async start(count: number, base: Omit<WorkerConfig, 'name'>): Promise<void> {
    const script = workerScript();
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const name = `worker-${i + 1}`;
        const child = fork(script, [JSON.stringify({ ...base, name })], {
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        const w: Worker = { name, pid: child.pid ?? 0, child, reclaimed: [], killed: false };
        this.workers.push(w);
        return new Promise<void>((resolve, reject) => {
          child.on('message', (m: WorkerMessage) => {
            if (m.t === 'ready') resolve();
            else if (m.t === 'reclaimed') w.reclaimed.push(...m.ids);
            else if (m.t === 'error' || m.t === 'log') this.notes.push(`${name}: ${m.message}`);
          });
          child.once('exit', (code) => reject(new Error(`${name} exited (code ${code}) before it was ready`)));
        });
      }),
    );
  }

  get(name: string): Worker {
    const w = this.workers.find((x) => x.name === name);
    if (!w) throw new Error(`no worker ${name}`);
    return w;
  }

  /** SIGKILL: no drain, no ack — its entries stay pending until someone reclaims them. */
  async kill(name: string): Promise<void> {
    const w = this.get(name);
    w.killed = true;
    const exited = new Promise((resolve) => w.child.once('exit', resolve));
    w.child.kill('SIGKILL');
    await exited;
  }

  /** Who took over which of `ids`: each id counted once, for the first worker that took it. */
  takenOver(ids: readonly string[]): Map<string, number> {
    const wanted = new Set(ids);
    const by = new Map<string, number>();
    for (const w of this.workers) {
      for (const id of w.reclaimed) {
        if (!wanted.delete(id)) continue;
        by.set(w.name, (by.get(w.name) ?? 0) + 1);
      }
    }
    return by;
  }

  /** Graceful stop (SIGTERM: drain and close), then SIGKILL whatever is left after `timeoutMs`. */
  async stop(timeoutMs = 3000): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        const exited = new Promise((resolve) => w.child.once('exit', resolve));
        w.child.kill('SIGTERM');
        const timer = setTimeout(() => w.child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
