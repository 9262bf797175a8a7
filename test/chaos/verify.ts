// After a soak: what the producers saw resolve, what the result stream and the handler logs
// say was processed, and the checks (0 lost, duplicates only where a holder was killed).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from '@sluice/core';
import { fieldsToObject } from '@sluice/core/plugin';

/** Sequence numbers whose publish resolved, one bitset per producer. */
export class SeqBits {
  private readonly bits = new Map<number, Uint8Array>();

  set(p: number, seq: number): void {
    let b = this.bits.get(p);
    if (!b || b.length * 8 <= seq) {
      const grown = new Uint8Array(Math.max(1024, (seq >> 3) * 2 + 1));
      if (b) grown.set(b);
      this.bits.set(p, grown);
      b = grown;
    }
    b[seq >> 3] = (b[seq >> 3] as number) | (1 << (seq & 7));
  }

  /** Every set (producer, seq), as "p:seq" tags. */
  *tags(): Generator<string> {
    for (const [p, b] of this.bits) {
      for (let i = 0; i < b.length * 8; i++) if ((b[i >> 3] as number) & (1 << (i & 7))) yield `${p}:${i}`;
    }
  }
}

/** Per tag: the consumers whose `ok` result entry names it. */
export async function okResults(redis: RedisClient, resultsKey: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let start = '-';
  for (;;) {
    const rows = await redis.sendCommand<Array<[string, string[]]>>([
      'XRANGE',
      resultsKey,
      start,
      '+',
      'COUNT',
      '5000',
    ]);
    for (const [, f] of rows) {
      const r = fieldsToObject(f);
      if (r.status !== 'ok' || r.result === undefined) continue;
      const tag = (JSON.parse(r.result) as { tag: string }).tag;
      out.set(tag, [...(out.get(tag) ?? []), r.consumer as string]);
    }
    if (rows.length < 5000) return out;
    start = `(${(rows[rows.length - 1] as [string, string[]])[0]}`;
  }
}

/** Per tag: the consumers that started its handler, one element per start (logs are `<consumer>.log`). */
export function handlerStarts(logDir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(logDir)) {
    if (!file.endsWith('.log')) continue;
    const consumer = file.slice(0, -4);
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      const [kind, tag] = line.split(' ');
      if (kind !== 'S' || !tag) continue;
      out.set(tag, [...(out.get(tag) ?? []), consumer]);
    }
  }
  return out;
}

export interface Tally {
  /** Resolved publishes without an `ok` result. */
  lost: string[];
  /** Tags with more than one `ok` result (acked twice). */
  doubleAcked: string[];
  /** Handler starts beyond the first, over all tags. */
  duplicates: number;
  /** Tags run more than once where a run not by the result's writer was by a live (not killed) consumer. */
  unexplained: string[];
  /** Distinct tags with an `ok` result. */
  processed: number;
  handlerRuns: number;
}

/** The checks over the whole run. */
export function tally(
  resolved: SeqBits,
  ok: Map<string, string[]>,
  starts: Map<string, string[]>,
  killed: ReadonlySet<string>,
): Tally {
  const lost: string[] = [];
  for (const tag of resolved.tags()) if (!ok.has(tag)) lost.push(tag);
  const doubleAcked = [...ok].filter(([, cs]) => cs.length > 1).map(([tag]) => tag);
  let duplicates = 0;
  let handlerRuns = 0;
  const unexplained: string[] = [];
  for (const [tag, runs] of starts) {
    handlerRuns += runs.length;
    if (runs.length <= 1) continue;
    duplicates += runs.length - 1;
    const writer = ok.get(tag)?.[0];
    // Every run but the acked one must be by a consumer that was killed while holding it.
    const others = [...runs];
    if (writer !== undefined) others.splice(others.indexOf(writer), 1);
    if (others.some((c) => !killed.has(c))) unexplained.push(`${tag} run by ${runs.join(', ')}, acked by ${writer}`);
  }
  return { lost, doubleAcked, duplicates, unexplained, processed: ok.size, handlerRuns };
}
