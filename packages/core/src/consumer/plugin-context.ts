// The PluginContext a Consumer hands its plugins at start: what a source of entries
// (recovery) or an observer (metrics) may see and do, and nothing more.
import type { EventEmitter } from 'eventemitter3';
import type { StreamKeys } from '../keys.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connection.js';
import type { Script } from '../redis/script.js';
import type { Codec } from '../wire/task.js';
import type { ConsumerEvents } from './events.js';
import type { Intake } from './intake.js';
import type { PluginContext } from './plugin-types.js';
import type { Settler } from './settler.js';

export interface PluginContextDeps {
  client: RedisClient;
  keys: StreamKeys;
  group: string;
  consumer: string;
  codec: Codec;
  log: Logger;
  events: EventEmitter<ConsumerEvents>;
  intake: Intake<unknown>;
  settler: Settler;
  freeSlots(): number;
  heldIds(): string[];
  running(): boolean;
  reportError(err: unknown): void;
}

export function pluginContext(d: PluginContextDeps): PluginContext {
  return {
    redis: d.client,
    keys: d.keys,
    group: d.group,
    consumer: d.consumer,
    codec: d.codec,
    log: d.log,
    freeSlots: d.freeSlots,
    heldIds: d.heldIds,
    deliver: (entries, opts = {}) => {
      if (!d.running()) return;
      d.intake.dispatch(entries, opts.deliveries);
      if (opts.source === 'reclaimed' && entries.length > 0)
        d.events.emit(
          'reclaimed',
          entries.map((e) => e.id),
        );
    },
    deadLetter: (raw, reason, error, deliveries) => d.intake.deadLetter(raw, reason, error, deliveries),
    flush: () => d.settler.drain(),
    run: <X>(script: Script, keys: readonly string[], args: readonly string[]) => script.run<X>(d.client, keys, args),
    reportError: d.reportError,
    on: (event, listener) => {
      d.events.on(event, listener as never);
    },
    get closing() {
      return !d.running();
    },
  };
}
