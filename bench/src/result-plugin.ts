// Results for the consume+ack+result row. A stand-in until @sluice/results exports
// results(): one result entry per outcome, written by the settle script with the ack.
import type { ConsumerPlugin, Outcome } from '@sluice/core';

export function benchResults(): ConsumerPlugin {
  return {
    name: 'bench-results',
    record(outcome: Outcome) {
      const fields = ['id', outcome.entry.id, 'status', outcome.status];
      if (outcome.status === 'ok') fields.push('result', JSON.stringify(outcome.result ?? null));
      else fields.push('error', outcome.error?.message ?? '');
      fields.push(
        'attempt',
        String(outcome.entry.attempt),
        'ms',
        outcome.durationMs.toFixed(3),
        'consumer',
        outcome.consumer,
      );
      outcome.writes.push({ op: 'xadd', key: 'results', fields });
    },
  };
}
