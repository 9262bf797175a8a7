import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { Consumer, Producer } from './index.js';
import { knownOptions } from './options.js';

describe('knownOptions', () => {
  const known = ['concurrency', 'prefetch', 'blockMs', 'group'];

  it('accepts known names and rejects an unknown one as a ConfigError naming it', () => {
    expect(() => knownOptions('Consumer', { concurrency: 1, group: 'g' }, known)).not.toThrow();
    expect(() => knownOptions('Consumer', { bogus: 1 }, known)).toThrow(ConfigError);
    expect(() => knownOptions('Consumer', { bogus: 1 }, known)).toThrow(/^Consumer: unknown option "bogus"$/);
  });

  it('suggests the name a typo most likely meant: another case, or at most two edits away', () => {
    expect(() => knownOptions('C', { blockms: 1 }, known)).toThrow(/did you mean "blockMs"/);
    expect(() => knownOptions('C', { concurency: 1 }, known)).toThrow(/did you mean "concurrency"/);
    expect(() => knownOptions('C', { prefecth: 1 }, known)).toThrow(/did you mean "prefetch"/);
    expect(() => knownOptions('C', { grp: 1 }, known)).toThrow(/unknown option "grp"$/); // short: too far to guess
    expect(() => knownOptions('C', { timeout: 1 }, known)).toThrow(/unknown option "timeout"$/);
  });

  it('is what Producer and Consumer use', () => {
    expect(() => new Producer({ url: 'redis://127.0.0.1:1', retires: 3 } as never)).toThrow(/unknown option "retires"/);
    expect(
      () =>
        new Consumer({
          url: 'redis://127.0.0.1:1',
          stream: 's',
          group: 'g',
          handler: () => {},
          concurency: 3,
        } as never),
    ).toThrow(/Consumer: unknown option "concurency" \(did you mean "concurrency"\?\)/);
  });
});
