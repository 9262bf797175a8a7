import { Script } from '../redis/script.js';
import { listShape, packTemplates, pushRow, pushTemplate, type Template } from './pack.js';

/**
 * publish: append a batch of task entries to one stream in one call. The entries' fields
 * come column-packed (pack.ts): a few templates with the strings entries share, then per
 * entry only the strings that differ, so 'v' '1' 'data' cross the wire once per batch.
 *
 * KEYS[1]  the stream
 * ARGV[1]  n, the number of entries
 * ARGV[2]  t, the number of templates
 * then t templates: len, len field/value strings ('' where entries differ), v, v positions (1-based)
 * then n entries: the template number when t > 1, then the template's v differing strings
 *
 * Returns the n new entry ids, in order.
 */
export const publishScript = new Script(
  'publish',
  `
local n, nt = tonumber(ARGV[1]), tonumber(ARGV[2])
local templates, i = {}, 3
for t = 1, nt do
  local len = tonumber(ARGV[i])
  local cmd = { 'XADD', KEYS[1], '*' }
  for j = 1, len do cmd[3 + j] = ARGV[i + j] end
  i = i + 1 + len
  local slots = {}
  for j = 1, tonumber(ARGV[i]) do slots[j] = 3 + tonumber(ARGV[i + j]) end
  i = i + 1 + #slots
  templates[t] = { cmd, slots, 3 + len }
end
local ids = {}
for e = 1, n do
  local t = templates[1]
  if nt > 1 then
    t = templates[tonumber(ARGV[i])]
    i = i + 1
  end
  local cmd, slots = t[1], t[2]
  for j = 1, #slots do
    cmd[slots[j]] = ARGV[i]
    i = i + 1
  end
  ids[e] = redis.call(unpack(cmd, 1, t[3]))
end
return ids
`,
);

/** ARGV for publishScript: the entries' field lists, column-packed. */
export function publishArgs(entries: readonly (readonly string[])[]): string[] {
  const { templates, of } = packTemplates(entries, listShape);
  const args = [String(entries.length), String(templates.length)];
  for (const t of templates) pushTemplate(args, t, listShape);
  const many = templates.length > 1;
  for (let e = 0; e < entries.length; e++) {
    const t = templates[of[e] as number] as Template<readonly string[]>;
    if (many) args.push(String((of[e] as number) + 1));
    pushRow(args, t, entries[e] as readonly string[], listShape);
  }
  return args;
}

/** The new entry ids, in publish order. */
export function parsePublishReply(reply: unknown): string[] {
  return reply as string[];
}
