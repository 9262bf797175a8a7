// The built demo as a user runs it from a script: stdin not a terminal, no REDIS_URL (so it
// starts its own redis-server). It must tell the whole story, serve the dashboard and /metrics
// while it runs, exit 0 by itself, and end with the summary.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the dashboard and /metrics answered while the demo ran. */
  served: { dashboard?: number; metrics?: string };
}

function runBuiltDemo(args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(); // not a TTY, and nothing to read
  const run: Run = { code: null, stdout: '', stderr: '', served: {} };
  const probes: Promise<unknown>[] = [];
  child.stdout.on('data', (d) => {
    const before = run.stdout;
    run.stdout += d;
    // Probe the servers as soon as their URLs are printed: the story takes a few seconds more.
    const dash = /^ {2}dashboard\s+(\S+)/m.exec(run.stdout);
    if (dash && !/^ {2}dashboard/m.test(before))
      probes.push(fetch(dash[1] as string).then((r) => (run.served.dashboard = r.status)));
    const metrics = /^ {2}metrics\s+(\S+)/m.exec(run.stdout);
    if (metrics && !/^ {2}metrics/m.test(before))
      probes.push(
        fetch(metrics[1] as string)
          .then((r) => r.text())
          .then((t) => (run.served.metrics = t)),
      );
  });
  child.stderr.on('data', (d) => (run.stderr += d));
  return new Promise((resolve) => {
    child.on('close', async (code) => {
      run.code = code;
      await Promise.allSettled(probes);
      resolve(run);
    });
  });
}

const count = (text: string, label: string) => Number(new RegExp(`^ {2}${label}\\s+(\\d+)`, 'm').exec(text)?.[1]);

describe('sluice demo', () => {
  it('tells the story on its own redis-server and exits 0 with the summary last when stdin is not a terminal', async () => {
    const run = await runBuiltDemo(['--tasks', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/a local redis-server for the demo/);
    expect(out).toMatch(/3 worker processes \(pids \d+, \d+, \d+\)/);
    expect(out).toMatch(/publishAndWait: order #1 charged by worker-\d/);
    const killed = /worker-2 killed \(SIGKILL\) holding (\d+) tasks/.exec(out);
    expect(Number(killed?.[1])).toBeGreaterThan(0);
    expect(out).toMatch(new RegExp(`worker-2's ${killed?.[1]} tasks reclaimed by worker-[13] \\(\\d+\\)`));

    // The summary: every order settled, each part of the story happened, nothing left pending.
    const summary = out.slice(out.lastIndexOf('\nsummary\n'));
    expect(count(summary, 'published')).toBe(200);
    const done = count(summary, 'done');
    const dead = count(summary, 'dead-lettered');
    expect(done + dead).toBe(200);
    expect(count(summary, 'retried')).toBeGreaterThan(0);
    expect(dead).toBeGreaterThan(0);
    expect(count(summary, 'reclaimed')).toBe(Number(killed?.[1]));
    expect(count(summary, 'still pending')).toBe(0);
    // Priority: the express orders jumped the 150 bulk ones queued before them. At most the two
    // live workers' slots and prefetch (2 × 16) of bulk were dispatched when they arrived.
    expect(out).toMatch(/priority: 5 express orders \(priority 1\) published after 150 bulk ones/);
    expect(count(summary, 'priority')).toBeLessThan(100);
    const perWorker = [1, 2, 3].map((i) => count(summary, `worker-${i}`));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(200);
    // The summary is the end of the output.
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^ {2}elapsed\s+[\d.]+ s$/);

    // While it ran, the dashboard and /metrics answered.
    expect(run.served.dashboard).toBe(200);
    expect(run.served.metrics).toMatch(/^sluice_build_info\{version="[\d.]+"\} 1$/m);
    expect(run.served.metrics).toMatch(/^sluice_group_pending\{stream="orders",group="billing"\}/m);
  }, 120_000); // a generous bound for loaded CI machines, not a speed claim

  it('on a terminal keeps serving after the summary until Ctrl-C, then stops cleanly with exit 0', async () => {
    // util-linux `script` gives the demo a pseudo-terminal; a Ctrl-C typed into it is a real SIGINT.
    // It runs the command through `$SHELL -c`: `exec`, or a shell that stays as the demo's parent
    // (dash, when CI's SHELL is not bash) dies of the same Ctrl-C and script reports 130.
    const env = { ...process.env };
    delete env.REDIS_URL;
    const child = spawn('script', ['-qefc', `exec ${process.execPath} ${BIN} demo --tasks 50`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 90_000;
    while (!/Ctrl-C to stop/.test(out) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toMatch(/^ {2}elapsed\s+[\d.]+ s/m); // the story was told…
    const url = /^serving (\S+) and/m.exec(out)?.[1] as string;
    expect((await fetch(url)).status).toBe(200); // …and the dashboard still serves
    child.stdin.write('\u0003');
    expect(await closed).toBe(0);
    expect(out).toMatch(/stopping…/);
  }, 120_000);

  it('rejects a fleet too small to lose a worker', async () => {
    await expect(runDemo({ consumers: 1, once: true })).rejects.toThrow(/consumers must be 2\.\.16/);
    await expect(runDemo({ tasks: 3, once: true })).rejects.toThrow(/tasks must be an integer >= 10/);
  });
});
