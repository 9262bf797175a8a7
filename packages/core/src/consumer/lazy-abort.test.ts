import { describe, expect, it } from 'vitest';
import { LazyAbort } from './lazy-abort.js';

describe('LazyAbort', () => {
  it('hands out one signal that aborts with the first reason', () => {
    const a = new LazyAbort();
    const signal = a.signal;
    expect(signal.aborted).toBe(false);
    a.abort('first');
    a.abort('second');
    expect(a.signal).toBe(signal);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('first');
  });

  it('gives an already aborted signal when asked for it after the abort', () => {
    const a = new LazyAbort();
    const reason = new Error('timed out');
    a.abort(reason);
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe(reason);
  });
});
