// The one payload shape every row publishes: a small JSON object of about `bytes` bytes.

export interface BenchPayload {
  /** Sequence number. */
  n: number;
  /** performance.now() at publish (latency row); 0 elsewhere. */
  at: number;
  user: string;
  pad: string;
}

/** `count` payload objects whose JSON text is about `bytes` long (the same objects for every row). */
export function makePayloads(count: number, bytes: number): BenchPayload[] {
  const base = JSON.stringify({ n: 0, at: 0, user: 'user-00042', pad: '' }).length;
  const pad = 'x'.repeat(Math.max(0, bytes - base - 5));
  const out: BenchPayload[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { n: i, at: 0, user: 'user-00042', pad };
  return out;
}
