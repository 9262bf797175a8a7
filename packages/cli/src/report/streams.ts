// Every Sluice stream under a prefix: SCAN for `<prefix>:{name}` keys of type stream. The
// `:dlq` and `:results` streams carry a suffix after the hash tag, so they never match.

import type { RedisClient } from '@sluice/core';

/** Escape SCAN glob characters in a literal. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export async function listStreams(client: RedisClient, prefix: string): Promise<string[]> {
  const match = `${globEscape(prefix)}:{*}`;
  const exact = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\{([^{}]+)\\}$`);
  const names = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await client.sendCommand<[string, string[]]>([
      'SCAN',
      cursor,
      'MATCH',
      match,
      'COUNT',
      '1000',
      'TYPE',
      'stream',
    ]);
    cursor = String(next);
    for (const key of keys) {
      const m = exact.exec(String(key));
      if (m?.[1]) names.add(m[1]);
    }
  } while (cursor !== '0');
  return [...names].sort();
}
