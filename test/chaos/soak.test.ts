// The 30-second chaos soak (npm run soak -- --seconds N runs it longer): kill -9 of consumers,
// a Redis restart, clean closes while publishing. Nothing resolved is lost; a duplicate only
// ever comes from a consumer killed while holding the entry; a clean close() makes none.
import { describe, expect, it } from 'vitest';
import { runSoak, soakFailures } from './soak.js';

describe('chaos soak (30 s)', () => {
  it('loses nothing, duplicates only what killed consumers held, and a clean close duplicates nothing', async () => {
    const r = await runSoak({ seconds: 30 });
    expect(r.kills).toBeGreaterThanOrEqual(3);
    expect(r.redisDowntimeMs).toBeGreaterThan(0);
    expect(r.resolved).toBeGreaterThan(1000);
    expect(soakFailures(r)).toEqual([]);
    expect(r.lost).toBe(0);
    expect(r.doubleAcked).toBe(0);
    expect(r.unexplained).toEqual([]);
    expect(r.phase2Duplicates).toBe(0);
    expect(r.pendingLeft).toBe(0);
    expect(r.deadLettered).toBe(0);
    // Every rejected publish may or may not have been written; every resolved one was processed.
    expect(r.processed).toBeGreaterThanOrEqual(r.resolved);
    expect(r.processed).toBeLessThanOrEqual(r.resolved + r.failedPublishes);
  }, 180_000);
});
