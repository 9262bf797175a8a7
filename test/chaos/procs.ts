// Child processes for the chaos tests: spawn a fixture with a JSON config, collect the JSON
// lines it prints, signal it, wait for its exit. No vitest here: `npm run soak` uses it too.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export type Line = Record<string, unknown>;

export class Proc {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  stderr = '';
  private readonly proc: ChildProcess;
  private listeners: Array<(line: Line) => void> = [];

  constructor(script: string, config: unknown) {
    // stdin is a pipe that ends when we die: a child never outlives its runner.
    this.proc = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Line;
        this.lines.push(line);
        for (const l of this.listeners) l(line);
      }
    });
    this.proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  onLine(listener: (line: Line) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the first line matching `pred`; rejects if the process exits or time runs out. */
  async waitFor(pred: (line: Line) => boolean, timeoutMs: number, what: string): Promise<Line> {
    const seen = this.lines.find(pred);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${this.stderr}`)), timeoutMs);
      this.onLine((line) => {
        if (!pred(line)) return;
        clearTimeout(timer);
        resolve(line);
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`process exited (${code}) before ${what}: ${this.stderr}`));
      });
    });
  }

  ready(timeoutMs = 60_000): Promise<Line> {
    return this.waitFor((l) => l.event === 'ready', timeoutMs, `process ${this.pid} to be ready`);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.proc.kill(sig);
  }

  /** SIGKILL (if still running) and wait for the exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}
