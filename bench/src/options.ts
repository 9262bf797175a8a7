// Command-line flags of `npm run bench`, their defaults, and the quick (CI smoke) profile.

export const ROWS = ['produce', 'consume', 'result', 'latency', 'memory'] as const;
export type Row = (typeof ROWS)[number];

export interface BenchOptions {
  /** Entries per throughput row. @defaultValue 100000 (5000 with --quick) */
  entries: number;
  /** Runs per row; the report shows medians. @defaultValue 3 (1 with --quick) */
  runs: number;
  /** Approximate size of one JSON payload. @defaultValue 100 */
  payloadBytes: number;
  /** Entries per Promise.all window when producing (and per addBulk call). @defaultValue 1000 */
  window: number;
  /** Sluice consumers' prefetch; 0 keeps the library default (= concurrency). @defaultValue 0 */
  prefetch: number;
  /** Rows to run. @defaultValue all but memory (memory only with --big) */
  only: Row[];
  /** Latency row: publish rate and duration. @defaultValue 5000/s for 10000 ms (2000 ms with --quick) */
  rate: number;
  latencyMs: number;
  /** Entries drained by the memory row. @defaultValue 1000000 */
  bigEntries: number;
  quick: boolean;
  json: boolean;
}

const HELP = `npm run bench -- [flags]
  --entries N        entries per throughput row (default 100000; 5000 with --quick)
  --runs N           runs per row, medians reported (default 3; 1 with --quick)
  --payload-bytes N  approximate JSON payload size (default 100)
  --window N         publish()/addBulk window size (default 1000)
  --prefetch N       Sluice consumers' prefetch (default: the library's, = concurrency)
  --only a,b         rows: ${ROWS.join(',')} (default: all but memory)
  --big              also run the memory row (RSS while draining 1,000,000 entries)
  --big-entries N    entries for the memory row (default 1000000)
  --rate N           latency row: publishes per second (default 5000)
  --latency-ms N     latency row: measured duration (default 10000; 2000 with --quick)
  --quick            smoke profile for CI (< 60 s); numbers are not meaningful
  --json             print the results as one JSON object on the last stdout line
REDIS_URL=redis://... uses that server (keys under fresh random prefixes, removed after
each row); otherwise a throwaway redis-server is spawned.`;

export function parseArgs(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${HELP}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (['quick', 'json', 'big', 'help'].includes(arg.slice(2))) flags.set(arg.slice(2), true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`flag ${arg} needs a value\n${HELP}`);
      flags.set(arg.slice(2), value);
    }
  }
  if (flags.has('help')) {
    console.log(HELP);
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
  const opts: BenchOptions = {
    entries: int('entries', quick ? 5000 : 100_000),
    runs: int('runs', quick ? 1 : 3),
    payloadBytes: int('payload-bytes', 100, 40),
    window: int('window', 1000),
    prefetch: int('prefetch', 0, 0),
    rate: int('rate', 5000),
    latencyMs: int('latency-ms', quick ? 2000 : 10_000, 100),
    bigEntries: int('big-entries', 1_000_000),
    only: [],
    quick,
    json: flags.get('json') === true,
  };
  const only = flags.get('only');
  if (typeof only === 'string') {
    for (const name of only.split(',').filter(Boolean)) {
      if (!(ROWS as readonly string[]).includes(name))
        throw new Error(`--only: unknown row ${JSON.stringify(name)} (rows: ${ROWS.join(', ')})`);
      opts.only.push(name as Row);
    }
  } else {
    opts.only = ROWS.filter((r) => r !== 'memory' || flags.get('big') === true);
  }
  for (const name of ['only', 'quick', 'json', 'big']) flags.delete(name);
  if (flags.size > 0) throw new Error(`unknown flag --${[...flags.keys()][0]}\n${HELP}`);
  return opts;
}
