import { readFileSync } from 'node:fs';
import { freePort } from '@sluice/testing';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import { sluice } from '../test-util/cli.js';
import { DOWN } from '../test-util/commands.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('sluice program', () => {
  it('prints --version from package.json and help for the program and each command', async () => {
    const v = await sluice(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = await sluice(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['ls', 'inspect', 'tail', 'status', 'publish', 'dlq', 'rewind', 'exporter', 'dashboard', 'demo'])
      expect(help.stdout).toContain(`  ${cmd} `);
    const sub = await sluice(['inspect', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: sluice inspect \[options\] <stream>/);
    expect(sub.stdout).toContain('--url <url>');
    const nested = await sluice(['dlq', 'replay', '--help']);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toContain('--dry-run');
  });

  it('exits 2 with one line on unknown commands, unknown options, bad values and missing arguments', async () => {
    const cases = [
      ['frobnicate'],
      ['inspect', 'orders', '--bogus'],
      ['tail', 'orders', '--count', 'lots'],
      ['status', 'orders', 'not-an-id'],
      ['rewind', 'orders', 'g'],
      ['rewind', 'orders', 'g', '--to', 'yesterday-ish'],
      ['inspect'],
      ['inspect', 'bad{name}'],
      ['dashboard', '--host', '0.0.0.0'],
    ];
    const results = [];
    for (const argv of cases) results.push(await sluice(argv, { url: 'redis://127.0.0.1:1' }));
    results.forEach((r, i) => {
      expect(r.code, cases[i]?.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^sluice: /);
    });
    expect(results[1]?.stderr).toContain("unknown option '--bogus'");
    expect(results[5]?.stderr).toMatch(/--to <T>.*yesterday-ish/);
  }, 180_000);

  it('with no command (or a group without its subcommand) prints the help on stderr and exits 2', async () => {
    const r = await sluice([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: sluice [options] [command]');
    const dlq = await sluice(['dlq']);
    expect(dlq.code).toBe(2);
    expect(dlq.stderr).toContain('Usage: sluice dlq [options] [command]');
  });

  it('fails every Redis command with exit 1 and one line, never printing the password', async () => {
    const port = await freePort(); // nothing listens there
    const url = `redis://:hunter2@127.0.0.1:${port}`;
    for (const argv of DOWN) {
      const r = await sluice(argv, { url }); // one at a time: a dozen node processes at once starve the machine
      const name = argv.join(' ');
      expect(r.code, name).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^sluice: cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `),
      );
      expect(r.stderr + r.stdout).not.toContain('hunter2');
    }
  }, 180_000);

  it('gives up on an unreachable Redis within 5 s in every command', async () => {
    // In process: the bound is on the command, not on how long a loaded machine takes to start node.
    const port = await freePort();
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      for (const argv of DOWN) {
        written.length = 0;
        const started = performance.now();
        const code = await main([...argv, '--url', `redis://127.0.0.1:${port}`]);
        const ms = performance.now() - started;
        expect(code, argv.join(' ')).toBe(1);
        expect(ms, argv.join(' ')).toBeLessThan(5000);
        expect(written.join('')).toMatch(/^sluice: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: [^\n]+\n$/);
      }
    } finally {
      spy.mockRestore();
    }
  });
});
