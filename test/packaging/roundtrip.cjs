// A CommonJS app (NestJS-style `require`) loading every Sluice package and running one
// publish → consume → result round trip. Run by require.test.ts with REDIS_URL and PREFIX.
const core = require('@sluice/core');
const plugin = require('@sluice/core/plugin');
const { recovery } = require('@sluice/claim');
const { results, Results } = require('@sluice/results');
const testing = require('@sluice/testing');
const cli = require('@sluice/cli');

async function main() {
  const url = process.env.REDIS_URL;
  const prefix = process.env.PREFIX;
  const loaded = {
    core: typeof core.Producer === 'function' && typeof core.Consumer === 'function',
    plugin: typeof plugin.streamKeys === 'function',
    claim: typeof recovery === 'function',
    results: typeof results === 'function',
    testing: typeof testing.startRedis === 'function',
    cli: typeof cli === 'object' && cli !== null,
  };
  const producer = new core.Producer({ url, prefix });
  const got = [];
  let resolveDone;
  const done = new Promise((r) => {
    resolveDone = r;
  });
  const consumer = new core.Consumer({
    url,
    prefix,
    stream: 'cjs',
    group: 'g',
    startId: '0',
    use: [recovery(), results()],
    handler: async (payload) => {
      got.push(payload.n);
      if (got.length === 3) resolveDone();
      return { doubled: payload.n * 2 };
    },
  });
  await consumer.start();
  const ids = await Promise.all([1, 2, 3].map((n) => producer.publish('cjs', { n })));
  await done;
  const reader = new Results({ url, prefix, stream: 'cjs' });
  const outcome = await reader.waitFor(ids[2], { timeoutMs: 5000 });
  await reader.close();
  await consumer.close();
  await producer.close();
  console.log(JSON.stringify({ loaded, got: got.sort(), result: outcome.result }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
