import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

// `npm run test:cluster` (SLUICE_TEST_TOPOLOGY=cluster): the core, claim, results and recovery suites and
// the cluster system tests against one 3-master Redis Cluster. Left out: tests that watch one
// server from the side (INFO commandstats, CLIENT KILL/LIST, a plain createClient on the URL).
const cluster = process.env.SLUICE_TEST_TOPOLOGY === 'cluster';
const clusterInclude = [
  'packages/{core,claim,results}/src/**/*.test.ts',
  'test/{cluster,recovery,ordered}/**/*.test.ts',
];
const singleNodeOnly = [
  'packages/results/src/atomic.test.ts', // CLIENT KILL of the consumer's connections
  'packages/results/src/waiters.test.ts', // counts connections with CLIENT LIST
  'packages/core/src/wire/delayed.test.ts', // counts ZADD calls with INFO commandstats
  'packages/core/src/types.test.ts', // type tests: nothing topology-specific
];

export default defineConfig({
  resolve: {
    // Tests run against the sources; spawned worker processes use the built dist.
    alias: [
      { find: /^@sluice\/testing\/vitest$/, replacement: src('testing', 'vitest.ts') },
      { find: /^@sluice\/core\/plugin$/, replacement: src('core', 'plugin.ts') },
      { find: /^@sluice\/(core|claim|results|testing|cli)$/, replacement: src('$1') },
    ],
  },
  test: {
    include: cluster
      ? clusterInclude
      : ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'],
    ...(cluster ? { exclude: ['**/node_modules/**', ...singleNodeOnly] } : {}),
    globalSetup: [src('testing', 'vitest.ts')],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
