// The read loop of a Consumer: XREADGROUP on its own blocking connection, own pending
// entries first (after a restart), then new ones, COUNT = the slots it may fill.
import { SluiceError } from '../errors.js';
import type { StreamKeys } from '../keys.js';
import { type RedisClient, reconnectDelayMs } from '../redis/connection.js';
import { ensureGroup, readGroupCommand } from '../redis/group.js';
import { parseReadReply } from '../redis/reply.js';
import { sleep } from '../util.js';
import type { RawEntry } from '../wire/task.js';

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
  /** `readAt`: Redis ms taken right before the read of new entries (0 for others), see lua/fence.ts. */
  dispatch(entries: RawEntry[], readAt?: number): void;
  onError(err: unknown): void;
  /** The ordered read (schedule/dispatcher.ts), used instead of XREADGROUP '>' when set. */
  ordered?: ((reader: RedisClient, count: number) => Promise<RawEntry[]>) | undefined;
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
        if (this.deps.ordered && cursor === '>') {
          const entries = await this.deps.ordered(reader, count);
          failures = 0;
          if (entries.length > 0) this.deps.dispatch(entries);
          continue;
        }
        // Redis time before a read of new entries, on the same connection: a lower bound of
        // their delivery time, for the settle fence's window (lua/fence.ts).
        const time = cursor === '>' ? reader.sendCommand<[string, string]>(['TIME']).then(redisMs, () => 0) : undefined;
        const reply = await reader.sendCommand(
          readGroupCommand(group, consumer, keys.stream, count, { id: cursor, blockMs }),
        );
        failures = 0;
        const entries = parseReadReply(reply);
        const readAt = time ? await time : 0;
        if (cursor !== '>') cursor = entries.length === 0 ? '>' : (entries[entries.length - 1] as RawEntry).id;
        if (entries.length > 0) this.deps.dispatch(entries, readAt);
      } catch (err) {
        if (!this.deps.active()) break;
        if (/NOGROUP/.test(String((err as Error)?.message))) await this.recreateGroup(err);
        else this.deps.onError(err);
        // A reply lost in a disconnect may have delivered entries to our PEL: re-read them.
        cursor = '0';
        await sleep(reconnectDelayMs(failures++));
      }
    }
  }

  /**
   * The group vanished (FLUSHALL, a restart without persistence, XGROUP DESTROY). It is made
   * again at "0", not at `startId`: whatever the stream holds now was published after the
   * loss, and "$" would skip it. At-least-once prefers a re-run to a loss.
   */
  private async recreateGroup(cause: unknown): Promise<void> {
    const { client, keys, group } = this.deps;
    try {
      await ensureGroup(client, keys.stream, group, '0');
    } catch (err) {
      this.deps.onError(err);
      return;
    }
    const what = `group "${group}" of stream "${keys.name}" was missing (NOGROUP: Redis lost its data or the group was deleted)`;
    this.deps.onError(
      new SluiceError(
        'GROUP_RECREATED',
        `${what}: recreated it at the start of the stream; outcomes of entries held before are dropped`,
        { cause },
      ),
    );
  }
}

/** A TIME reply ([seconds, microseconds]) in ms. */
function redisMs([seconds, micros]: [string, string]): number {
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
