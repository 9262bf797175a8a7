import { Script } from '../redis/script.js';

/**
 * touch: reset the idle time of entries this consumer still owns (XCLAIM … JUSTID, which
 * leaves the delivery count alone), so no reclaimer takes work that is still running.
 * Entries another consumer took over in the meantime are skipped, never stolen back:
 * a consumer that wakes from a pause must not undo a reclaim.
 *
 * KEYS[1]  stream
 * ARGV[1]  group
 * ARGV[2]  consumer
 * ARGV[3…] entry ids (callers send at most a few hundred per call)
 *
 * Returns the ids that were still owned and were touched.
 */
export const touchScript = new Script(
  'touch',
  `
local owned = {}
local claim = { KEYS[1], ARGV[1], ARGV[2], 0 }
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) == 1 then
    owned[#owned + 1] = ARGV[i]
    claim[#claim + 1] = ARGV[i]
  end
end
if #owned > 0 then
  claim[#claim + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(claim))
end
return owned
`,
);

export function touchArgs(group: string, consumer: string, ids: readonly string[]): string[] {
  return [group, consumer, ...ids];
}

/** The ids still owned (and touched). */
export function parseTouchReply(reply: unknown): string[] {
  return (reply as unknown[]).map(String);
}
