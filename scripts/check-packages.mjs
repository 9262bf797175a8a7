// Package checks run by `npm run lint`: what `npm pack` would publish (no tests, no test
// utilities, a README and LICENSE), publint, and @arethetypeswrong/cli.
// attw runs with `cjs-resolves-to-esm` ignored: the packages are ESM, and `require()` of
// ESM works on every Node we support (>= 20.19); test/packaging proves it with a real app.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const packages = readdirSync('packages', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `packages/${d.name}`);
const bin = (name) => `node_modules/.bin/${name}`;
let failed = 0;

for (const dir of packages) {
  const problems = [];
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir }));
  const files = pack.files.map((f) => f.path);
  for (const f of files) if (/\.test\.|test-util|\.tsbuildinfo$/.test(f)) problems.push(`publishes ${f}`);
  for (const f of ['README.md', 'LICENSE', 'package.json'])
    if (!files.includes(f)) problems.push(`does not publish ${f}`);
  for (const [tool, args] of [
    ['publint', [dir, '--strict']],
    ['attw', ['--pack', dir, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: 'pipe' });
    } catch (err) {
      problems.push(`${tool}:\n${String(err.stdout)}${String(err.stderr)}`);
    }
  }
  console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${pack.name} (${files.length} files)`);
  for (const p of problems) console.log(`  - ${p}`);
  failed += problems.length > 0 ? 1 : 0;
}
process.exit(failed === 0 ? 0 : 1);
