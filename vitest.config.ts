import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; spawned worker processes use the built dist.
    alias: [
      { find: /^@sluice\/testing\/vitest$/, replacement: src('testing', 'vitest.ts') },
      { find: /^@sluice\/(core|claim|results|testing|cli)$/, replacement: src('$1') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: [src('testing', 'vitest.ts')],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
