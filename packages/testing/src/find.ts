// Locating what a throwaway server needs: the redis-server binary and a free loopback port.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Absolute path of `redis-server` on PATH (or REDIS_SERVER_BIN), or undefined. */
export function findRedisServer(): string | undefined {
  const explicit = process.env.REDIS_SERVER_BIN;
  if (explicit) return explicit;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const INSTALL_HINT = [
  'Sluice tests need a real Redis (>= 7.0) and none could be started:',
  '  - install it:  apt-get install -y redis-server   (Debian/Ubuntu)',
  '                 brew install redis               (macOS)',
  '  - or point at one: REDIS_URL=redis://127.0.0.1:6379 npm test',
  '  - or start a Docker engine (testcontainers is used as a fallback).',
].join('\n');
