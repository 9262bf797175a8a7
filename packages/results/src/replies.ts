// replies(): the Producer plugin behind `producer.publishAndWait()`. It keeps one Results
// reader per stream (one blocking connection each) on one shared command connection.
import {
  closeQuietly,
  connectionOption,
  consoleLogger,
  type Logger,
  openConnection,
  type ProducerPlugin,
  type RedisClient,
  type WaitOptions,
} from '@sluice/core';
import type { ResultEntry } from './entry.js';
import { Results, type ResultsOptions } from './results.js';

export type RepliesOptions = Omit<ResultsOptions, 'stream'>;

class Replies implements ProducerPlugin {
  readonly name = 'replies';
  private readonly readers = new Map<string, Results>();
  private conn: Promise<{ client: RedisClient; owned: boolean }> | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: RepliesOptions) {
    connectionOption('replies()', opts);
    this.log = opts.log ?? consoleLogger();
  }

  async waitFor(stream: string, id: string, opts: WaitOptions): Promise<ResultEntry> {
    let reader = this.readers.get(stream);
    if (!reader) {
      this.conn ??= openConnection(this.opts, (err) => this.log.warn(`replies: ${err.message}`));
      const { client } = await this.conn;
      reader = this.readers.get(stream);
      if (!reader) {
        reader = new Results({ ...this.opts, url: undefined, client, stream });
        this.readers.set(stream, reader);
      }
    }
    return reader.waitFor(id, opts);
  }

  async close(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    this.readers.clear();
    const conn = await this.conn?.catch(() => undefined);
    if (conn?.owned) await closeQuietly(conn.client);
  }
}

/**
 * Lets `producer.publishAndWait(stream, payload, { timeoutMs })` resolve with the task's final
 * ResultEntry: `new Producer({ url, use: [replies({ url })] })`.
 */
export function replies(opts: RepliesOptions): ProducerPlugin {
  return new Replies(opts);
}
