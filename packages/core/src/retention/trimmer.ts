// Retention in the background: every Consumer runs the trim script on a jittered timer (not
// per publish), so the cost is amortized and no leader is needed: the script is safe when
// several consumers run it at once.
import type { StreamKeys } from '../keys.js';
import { parseTrimReply, trimArgs, trimScript } from '../lua/trim.js';
import type { RedisClient } from '../redis/connection.js';
import { Repeating } from '../timer.js';
import type { ResolvedRetention } from './options.js';

export interface TrimResult {
  /** Entries removed from the stream. */
  trimmed: number;
  /** Of those, entries some group had not read or still had pending (only `hardCap` does this). */
  unprocessed: number;
  /** Dead letters removed. */
  dlqTrimmed: number;
}

/** Run the trim script once for one stream. */
export async function trimStream(
  client: RedisClient,
  keys: StreamKeys,
  retention: ResolvedRetention,
): Promise<TrimResult> {
  return parseTrimReply(await trimScript.run(client, [keys.stream, keys.dlq, keys.limits], trimArgs(retention)));
}

export class Trimmer {
  private readonly timer: Repeating;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: StreamKeys,
    private readonly retention: ResolvedRetention,
    private readonly onTrimmed: (result: TrimResult) => void,
    onError: (err: unknown) => void,
  ) {
    this.timer = new Repeating(retention.intervalMs, () => this.tick(), onError);
  }

  start(): void {
    this.timer.start();
  }

  stop(): Promise<void> {
    return this.timer.stop();
  }

  private async tick(): Promise<undefined> {
    const result = await trimStream(this.client, this.keys, this.retention);
    if (result.trimmed > 0 || result.dlqTrimmed > 0) this.onTrimmed(result);
    return undefined;
  }
}
