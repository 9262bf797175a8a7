// Command-line flags of `npm run bench`, their defaults, and the quick (CI smoke) profile.

/** What parseArgs needs to know about the rows (the registry passes them in). */
export interface RowName {
  name: string;
  byDefault?: boolean;
}

export interface BenchOptions {
  /** Entries per throughput row. @defaultValue 100000 (1000 with --quick) */
  entries: number;
  /** Runs per row; the report shows medians. @defaultValue 3 (1 with --quick) */
  runs: number;
  /** Approximate size of one JSON payload. @defaultValue 100 */
  payloadBytes: number;
  /** Entries per Promise.all window when producing (and per addBulk call). @defaultValue 1000 */
  window: number;
  /** Sluice consumers' prefetch; 0 keeps the library default (= concurrency). @defaultValue 0 */
  prefetch: number;
  /** Rows to run. @defaultValue every row with byDefault !== false (memory only with --big) */
  only: string[];
  /** Latency row: publish rate and duration. @defaultValue 5000/s for 10000 ms (500 ms with --quick) */
  rate: number;
  latencyMs: number;
  /** Entries drained by the memory row. @defaultValue 1000000 */
  bigEntries: number;
  /** A Redis of yours instead of a spawned one. @defaultValue undefined (spawn) */
  redisUrl: string | undefined;
  quick: boolean;
  json: boolean;
  /** Print Redis time per entry by command (INFO commandstats) too. */
  commands: boolean;
  /** Write the summary into docs/performance.md. */
  writeDocs: boolean;
  /** The cluster comparison (cluster.ts) instead of the rows. @defaultValue false */
  cluster: boolean;
  /** Shards of the logical stream in --cluster. @defaultValue 12 */
  shards: number;
}

const BOOLEAN = ['quick', 'json', 'big', 'help', 'commands', 'write-docs', 'cluster'];

const help = (rows: readonly RowName[]) => `npm run bench -- [flags]
  --entries N        entries per throughput row (default 100000; 1000 with --quick)
  --runs N           runs per row, medians reported (default 3; 1 with --quick)
  --payload-bytes N  approximate JSON payload size (default 100)
  --window N         publish()/addBulk window size (default 1000)
  --prefetch N       Sluice consumers' prefetch (default: the library's, = concurrency)
  --only a,b         rows: ${rows.map((r) => r.name).join(',')} (default: all but memory)
  --big              also run the memory row (RSS while draining 1,000,000 entries)
  --big-entries N    entries for the memory row (default 1000000)
  --rate N           latency row: publishes per second (default 5000)
  --latency-ms N     latency row: measured duration (default 10000; 500 with --quick)
  --quick            smoke profile for CI (< 30 s); numbers are not meaningful
  --json             print the results as one JSON object on the last stdout line
  --commands         also print Redis µs per entry by command (INFO commandstats)
  --write-docs       write the summary into docs/performance.md (between its bench markers)
  --redis-url URL    bench that server instead of a spawned one (keys under fresh prefixes,
                     removed after each row; its Redis CPU counts every other client too)
  --cluster          instead of the rows: a sharded stream on one spawned server vs a spawned
                     3-master cluster, publish and consume+ack+result by 1, 2, 4 processes
  --shards N         shards of the logical stream with --cluster (default 12)
Without --redis-url a throwaway redis-server is spawned (REDIS_URL is not used).`;

export function parseArgs(argv: readonly string[], rows: readonly RowName[]): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${help(rows)}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (BOOLEAN.includes(arg.slice(2))) flags.set(arg.slice(2), true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`flag ${arg} needs a value\n${help(rows)}`);
      flags.set(arg.slice(2), value);
    }
  }
  if (flags.has('help')) {
    console.log(help(rows));
    process.exit(0);
  }
  const quick = flags.get('quick') === true;
  const int = (name: string, fallback: number, min = 1): number => {
    const raw = flags.get(name);
    flags.delete(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const redisUrl = flags.get('redis-url');
  if (redisUrl === true || (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)))
    throw new Error(`--redis-url must be a redis:// URL, got ${JSON.stringify(redisUrl)}`);
  const shardsGiven = flags.has('shards');
  const opts: BenchOptions = {
    entries: int('entries', quick ? 1000 : 100_000),
    runs: int('runs', quick ? 1 : 3),
    payloadBytes: int('payload-bytes', 100, 40),
    window: int('window', 1000),
    prefetch: int('prefetch', 0, 0),
    rate: int('rate', 5000),
    latencyMs: int('latency-ms', quick ? 500 : 10_000, 100),
    bigEntries: int('big-entries', 1_000_000),
    redisUrl,
    only: [],
    quick,
    json: flags.get('json') === true,
    commands: flags.get('commands') === true,
    writeDocs: flags.get('write-docs') === true,
    cluster: flags.get('cluster') === true,
    shards: int('shards', 12, 2),
  };
  if (opts.cluster) {
    const clash = ['only', 'redis-url', 'big', 'write-docs'].find((f) => flags.has(f));
    if (clash) throw new Error(`--${clash} does not apply to --cluster (it spawns its own server and cluster)`);
  } else if (shardsGiven) throw new Error('--shards applies to --cluster only');
  if (opts.shards > 256) throw new Error(`--shards must be at most 256, got ${opts.shards}`);
  const names = rows.map((r) => r.name);
  const only = flags.get('only');
  if (typeof only === 'string') {
    for (const name of only.split(',').filter(Boolean)) {
      if (!names.includes(name))
        throw new Error(`--only: unknown row ${JSON.stringify(name)} (rows: ${names.join(', ')})`);
      opts.only.push(name);
    }
  } else {
    opts.only = rows
      .filter((r) => r.byDefault !== false || (r.name === 'memory' && flags.get('big') === true))
      .map((r) => r.name);
  }
  for (const name of ['only', 'redis-url', ...BOOLEAN]) flags.delete(name);
  if (flags.size > 0) throw new Error(`unknown flag --${[...flags.keys()][0]}\n${help(rows)}`);
  return opts;
}
