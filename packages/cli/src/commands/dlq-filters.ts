// The dead-letter filters shared by `dlq list|replay|purge`, turned into @sluice/claim's query.
import type { DeadLetterQuery } from '@sluice/claim';
import type { Command } from 'commander';
import { intArg, parseBound } from '../program/args.js';

export interface FilterFlags {
  reason?: string;
  error?: string;
  group?: string;
  from?: string | number;
  to?: string | number;
  shards?: number;
}

export function addFilters(cmd: Command): Command {
  return cmd
    .option('--reason <reason>', 'only this reason: attempts-exhausted, non-retryable, max-deliveries, malformed')
    .option('--error <text>', 'only dead letters whose error contains this text')
    .option('--group <group>', 'only dead letters written by this consumer group')
    .option('--from <T>', 'died at or after T (dead-letter id, ms since the epoch, or ISO date)', parseBound)
    .option('--to <T>', 'died at or before T', parseBound)
    .option(
      '--shards <n>',
      'the stream is sharded into n shards (Producer shards): every shard as one stream',
      intArg(1),
    );
}

export function queryOf(prefix: string, f: FilterFlags): DeadLetterQuery {
  const q: DeadLetterQuery = { prefix };
  if (f.reason !== undefined) q.reason = f.reason;
  if (f.error !== undefined) q.errorMatch = f.error;
  if (f.group !== undefined) q.group = f.group;
  if (f.from !== undefined) q.from = f.from;
  if (f.to !== undefined) q.to = f.to;
  if (f.shards !== undefined) q.shards = f.shards;
  return q;
}
