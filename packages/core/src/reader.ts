// The read loop of a Consumer: XREADGROUP on its own blocking connection, own pending
// entries first (after a restart), then new ones, COUNT = the slots it may fill.
import type { RawEntry } from './codec.js';
import { type RedisClient, reconnectDelayMs } from './connection.js';
import { ensureGroup } from './group.js';
import type { StreamKeys } from './keys.js';
import { parseReadReply } from './reply.js';
import { sleep } from './util.js';

export interface ReaderDeps {
  /** The blocking connection, used for nothing else. */
  reader: RedisClient;
  /** The command connection (CLIENT UNBLOCK, group re-creation). */
  client: RedisClient;
  keys: StreamKeys;
  group: string;
  consumer: string;
  blockMs: number;
  startId: string;
  /** Entries to read now; 0 means wait for `wake()`. */
  wanted(): number;
  /** False once the consumer stops: the loop ends. */
  active(): boolean;
  dispatch(entries: RawEntry[]): void;
  onError(err: unknown): void;
}

export class StreamReader {
  private waiter: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readerId: string | undefined;

  constructor(private readonly deps: ReaderDeps) {}

  async start(): Promise<void> {
    this.readerId = await this.deps.reader.sendCommand<number>(['CLIENT', 'ID']).then(String, () => undefined);
    this.loop = this.run();
  }

  /** True while the loop waits for a free slot. */
  get waiting(): boolean {
    return this.waiter !== undefined;
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Make a blocked XREADGROUP return now (CLIENT UNBLOCK), else wait up to blockMs for it. */
  async stop(): Promise<void> {
    this.wake();
    let done = false;
    const loop = this.loop?.finally(() => {
      done = true;
    });
    while (!done && this.readerId) {
      await this.deps.client.sendCommand(['CLIENT', 'UNBLOCK', this.readerId]).catch(() => {
        this.readerId = undefined;
      });
      await Promise.race([loop, sleep(50)]);
    }
    await loop;
  }

  private async run(): Promise<void> {
    const { reader, keys, group, consumer, blockMs } = this.deps;
    let cursor = '0';
    let failures = 0;
    while (this.deps.active()) {
      const count = this.deps.wanted();
      if (count <= 0) {
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
        continue;
      }
      try {
        const reply = await reader.sendCommand([
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          String(count),
          'BLOCK',
          String(blockMs),
          'STREAMS',
          keys.stream,
          cursor,
        ]);
        failures = 0;
        const entries = parseReadReply(reply);
        if (cursor !== '>') cursor = entries.length === 0 ? '>' : (entries[entries.length - 1] as RawEntry).id;
        if (entries.length > 0) this.deps.dispatch(entries);
      } catch (err) {
        if (!this.deps.active()) break;
        this.deps.onError(err);
        if (/NOGROUP/.test(String((err as Error)?.message))) {
          await ensureGroup(this.deps.client, keys.stream, group, this.deps.startId).catch(() => {});
        }
        // A reply lost in a disconnect may have delivered entries to our PEL: re-read them.
        cursor = '0';
        await sleep(reconnectDelayMs(failures++));
      }
    }
  }
}
