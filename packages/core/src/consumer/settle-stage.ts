// The settle stage: plugins decide an outcome's fate (retry, dead letter) and add the writes
// that record it (result entry); a dead outcome gets its dead letter; the batch goes to the
// Settler (one script call per flush). Applied and fenced outcomes are reported back.
import type { EventEmitter } from 'eventemitter3';
import { SluiceError } from '../errors.js';
import { toError } from '../util.js';
import { deadLetterFields } from '../wire/deadletter.js';
import type { Outcome } from '../wire/outcome.js';
import type { ConsumerEvents } from './events.js';
import type { ConsumerPlugin } from './plugin-types.js';
import type { Settler } from './settler.js';

export interface SettleStageDeps {
  group: string;
  plugins: readonly ConsumerPlugin[];
  events: EventEmitter<ConsumerEvents>;
  /** The entry left this process. */
  forget(id: string): void;
  onError(err: unknown): void;
}

export class SettleStage {
  settler: Settler | undefined;

  constructor(private readonly deps: SettleStageDeps) {}

  finish(outcome: Outcome): void {
    const { group } = this.deps;
    if (outcome.status === 'failed') this.deps.events.emit('failed', outcome);
    this.callHooks('decide', outcome);
    if (outcome.status === 'dead') {
      outcome.ack = true;
      outcome.writes.push({ op: 'xadd', key: 'dlq', fields: deadLetterFields(outcome, group) });
    }
    this.callHooks('record', outcome);
    if (!outcome.ack && outcome.writes.length === 0) {
      // Failed and left pending (no retry policy): nothing to write; recovery or a restart re-delivers it.
      this.deps.forget(outcome.entry.id);
      return;
    }
    (this.settler as Settler).add(outcome);
  }

  settled(applied: Outcome[], fenced: Outcome[]): void {
    const { events, forget } = this.deps;
    for (const o of applied) {
      forget(o.entry.id);
      events.emit('settled', o);
      if (o.status === 'dead') events.emit('deadLettered', o);
    }
    for (const o of fenced) {
      forget(o.entry.id);
      events.emit('fenced', o);
    }
    for (const p of this.deps.plugins) {
      try {
        p.settled?.(applied, fenced);
      } catch (err) {
        this.deps.onError(err);
      }
    }
  }

  /**
   * Every plugin's `decide` or `record` hook, called inline (no closure: this runs per outcome).
   * A hook that throws is reported; the outcome still settles (a bug in a plugin must not stall
   * the consumer).
   */
  private callHooks(hook: 'decide' | 'record', outcome: Outcome): void {
    for (const p of this.deps.plugins) {
      const fn = p[hook];
      if (!fn) continue;
      try {
        fn.call(p, outcome);
      } catch (err) {
        this.deps.onError(
          new SluiceError('ERR_SLUICE_PLUGIN', `plugin ${p.name} threw: ${toError(err).message}`, { cause: err }),
        );
      }
    }
  }
}
