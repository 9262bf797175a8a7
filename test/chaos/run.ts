// `npm run soak -- --seconds N`: the chaos soak on its own, report printed, exit 1 on a failed check.
import { parseArgs } from 'node:util';
import { runSoak, soakFailures } from './soak.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '120' } }, strict: true });
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 10) {
  console.error(`--seconds must be an integer >= 10, got ${values.seconds}`);
  process.exit(2);
}

const report = await runSoak({ seconds });
const failures = soakFailures(report);
for (const f of failures) console.error(`[soak] FAILED: ${f}`);
process.exit(failures.length > 0 ? 1 : 0);
