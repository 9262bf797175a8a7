// Runs the BUILT `sluice` binary as a child process (build first: npx tsc -b packages/cli).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit (used only as an upper bound on failure paths). */
  ms: number;
}

export interface CliOptions {
  url?: string;
  prefix?: string;
  input?: string;
  env?: Record<string, string>;
}

function args(argv: string[], opts: CliOptions): string[] {
  const out = [BIN, ...argv];
  if (opts.url) out.push('--url', opts.url);
  if (opts.prefix) out.push('--prefix', opts.prefix);
  return out;
}

/** Start the CLI; the caller reads its output and ends it. */
export function startCli(argv: string[], opts: CliOptions = {}): ChildProcess {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -b packages/cli\` (npm test builds first)`);
  const { REDIS_URL: _drop, ...env } = process.env;
  return spawn(process.execPath, args(argv, opts), {
    env: { ...env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Run the CLI to completion. */
export function sluice(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  const started = performance.now();
  const child = startCli(argv, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdin?.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
}

/** Resolve with the first stdout line that matches. */
export function lineMatching(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d;
      const line = text.split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.on('close', () => reject(new Error(`exited before printing ${re}: ${text}`)));
  });
}

/** util-linux `script`, which runs a command on a pseudo-terminal (for TTY-only behaviour). */
export const HAS_SCRIPT = existsSync('/usr/bin/script');

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run the CLI with stdin, stdout and stderr on a pseudo-terminal; `input` is typed into it. */
export function sluiceInTty(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  const command = [process.execPath, ...args(argv, opts)].map(quote).join(' ');
  const { REDIS_URL: _drop, ...env } = process.env;
  const started = performance.now();
  const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], {
    env: { ...env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stdin?.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr: '', ms: performance.now() - started }));
  });
}
