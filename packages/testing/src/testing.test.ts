import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { randomPrefix } from './prefix.js';
import { startRedis } from './redis.js';
import { until } from './wait.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function ping(port: number, password?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ port, host: '127.0.0.1' }, () => {
      sock.write(password ? `AUTH ${password}\r\nPING\r\n` : 'PING\r\n');
    });
    let out = '';
    sock.on('data', (d) => {
      out += d.toString();
      if (out.includes('PONG') || out.includes('-')) {
        sock.end();
        resolve(out);
      }
    });
    sock.on('error', reject);
  });
}

describe('@sluice/testing', () => {
  it('spawns a real redis-server on a free port and stops it', async () => {
    const server = await startRedis({ fresh: true });
    expect(server.kind).toBe('spawned');
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await ping(server.port)).toContain('PONG');
    const pid = server.pid as number;
    expect(alive(pid)).toBe(true);
    await server.stop();
    await server.stop(); // idempotent
    expect(alive(pid)).toBe(false);
  });

  it('configures a password and AOF', async () => {
    const server = await startRedis({ fresh: true, password: 's3cret', aof: true });
    expect(server.url).toBe(`redis://:s3cret@127.0.0.1:${server.port}`);
    expect(await ping(server.port)).toContain('NOAUTH');
    expect(await ping(server.port, 's3cret')).toContain('PONG');
    await server.stop();
  });

  it('loads an ACL file', async () => {
    const server = await startRedis({
      fresh: true,
      acl: 'user default off\nuser alice on >pw ~app:* +@all\n',
    });
    expect(await ping(server.port)).toContain('NOAUTH');
    expect(await ping(server.port, 'alice pw')).toContain('PONG');
    await server.stop();
  });

  it('gives every caller its own random prefix', async () => {
    const a = await startRedis();
    const b = await startRedis();
    expect(a.prefix).not.toBe(b.prefix);
    expect(randomPrefix('x')).toMatch(/^x-[0-9a-f]{12}$/);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('leaves no orphan redis-server when the test process is killed with SIGKILL', async () => {
    const dist = new URL('../dist/index.js', import.meta.url);
    expect(existsSync(dist)).toBe(true);
    const script = `import { startRedis } from ${JSON.stringify(dist.href)};
      const s = await startRedis({ fresh: true }); console.log(s.pid); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await until(() => !alive(pid), 10_000, 'orphaned redis-server to die');
    expect(alive(pid)).toBe(false);
  });

  it('kills its servers on a normal exit too', async () => {
    const dist = new URL('../dist/index.js', import.meta.url);
    const script = `import { startRedis } from ${JSON.stringify(dist.href)};
      const s = await startRedis({ fresh: true }); console.log(s.pid); process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const pid = Number(out.trim());
    await until(() => !alive(pid), 5_000, 'redis-server to die with its parent');
  });

  it('on SIGINT kills its servers, and exits by the signal only when the program does not handle it', async () => {
    const dist = new URL('../dist/index.js', import.meta.url);
    const run = (handles: boolean) => {
      // A program that handles Ctrl-C (once: its listener is gone while it cleans up) and exits 0.
      const onSigint = handles
        ? `process.once('SIGINT', () => setTimeout(() => { console.log('cleaned'); process.exit(0); }, 200));`
        : '';
      const script = `import { startRedis } from ${JSON.stringify(dist.href)};
        ${onSigint} const s = await startRedis({ fresh: true }); console.log(s.pid); setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise<[number | null, string | null]>((resolve) =>
        child.on('exit', (code, signal) => resolve([code, signal])),
      );
      return { child, exited, pid: () => Number(out.split('\n')[0]), out: () => out };
    };
    for (const handles of [false, true]) {
      const p = run(handles);
      await until(() => p.out().includes('\n'), 10_000, 'the server pid');
      const pid = p.pid();
      expect(alive(pid)).toBe(true);
      p.child.kill('SIGINT');
      const [code, signal] = await p.exited;
      if (handles) {
        expect([code, signal]).toEqual([0, null]);
        expect(p.out()).toContain('cleaned');
      } else {
        expect([code, signal]).toEqual([null, 'SIGINT']);
      }
      await until(() => !alive(pid), 5_000, 'redis-server to die on the signal');
    }
  });

  it('uses REDIS_URL instead of spawning when it is set', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'redis://127.0.0.1:6390';
    try {
      const s = await startRedis();
      expect(s.kind).toBe('external');
      expect(s.url).toBe('redis://127.0.0.1:6390');
      expect(s.port).toBe(6390);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it('explains how to install Redis when there is no server to be had', async () => {
    const dist = new URL('../dist/index.js', import.meta.url);
    const script = `import { startRedis } from ${JSON.stringify(dist.href)};
      try { await startRedis(); } catch (e) { console.log(e.message); }`;
    const env = { ...process.env, PATH: '/nonexistent', REDIS_URL: '', DOCKER_HOST: 'unix:///nonexistent.sock' };
    delete (env as Record<string, string | undefined>).REDIS_SERVER_BIN;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    expect(out).toContain('apt-get install -y redis-server');
    expect(out).toContain('brew install redis');
    expect(out).toContain('REDIS_URL');
  });
});
