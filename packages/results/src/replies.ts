// replies(): the Producer plugin behind `producer.publishAndWait()`. It keeps one Results
// reader per stream (one blocking connection each) on one shared command connection.
import { consoleLogger, type ProducerPlugin, type WaitOptions } from '@sluice/core';
import type { ResultEntry } from '@sluice/core/plugin';
import { connectionOption, knownOptions, LazyConnection, tlsOption } from '@sluice/core/plugin';
import { RESULTS_OPTIONS, Results, type ResultsOptions, waitTimeoutOption } from './results.js';

export type RepliesOptions = Omit<ResultsOptions, 'stream'>;

class Replies implements ProducerPlugin {
  readonly name = 'replies';
  private readonly readers = new Map<string, Results>();
  private readonly connection: LazyConnection;

  constructor(private readonly opts: RepliesOptions) {
    const owner = 'replies()';
    knownOptions(
      owner,
      opts,
      RESULTS_OPTIONS.filter((o) => o !== 'stream'),
    );
    connectionOption(owner, opts);
    tlsOption(owner, opts.tls);
    if (opts.waitTimeoutMs !== undefined) waitTimeoutOption(owner, 'waitTimeoutMs', opts.waitTimeoutMs);
    const log = opts.log ?? consoleLogger();
    this.connection = new LazyConnection(opts, (err) => log.warn({ err }, `replies: ${err.message}`));
  }

  async waitFor(stream: string, id: string, opts: WaitOptions): Promise<ResultEntry> {
    let reader = this.readers.get(stream);
    if (!reader) {
      const client = await this.connection.get();
      reader = this.readers.get(stream);
      if (!reader) {
        reader = new Results({ ...this.opts, url: undefined, tls: undefined, client, stream });
        this.readers.set(stream, reader);
      }
    }
    return reader.waitFor(id, opts);
  }

  async close(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    this.readers.clear();
    await this.connection.close();
  }
}

/**
 * Lets `producer.publishAndWait(stream, payload, { timeoutMs })` resolve with the task's final
 * ResultEntry: `new Producer({ url, use: [replies({ url })] })`. Without `timeoutMs` the wait
 * gives up after `waitTimeoutMs` (30 s) with a WaitTimeoutError.
 */
export function replies(opts: RepliesOptions): ProducerPlugin {
  return new Replies(opts);
}
