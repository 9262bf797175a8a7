// Parsing stream replies from sendCommand (RESP2 arrays; RESP3 maps are accepted too).
import type { RawEntry } from '../wire/task.js';

type Reply = unknown;

function toEntries(list: Reply): RawEntry[] {
  if (!Array.isArray(list)) return [];
  const out: RawEntry[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as [string, string[] | null];
    const fields = item[1];
    // Replies are strings unless the client maps them to Buffers: copy only then.
    out[i] = {
      id: String(item[0]),
      fields:
        fields === null || fields === undefined ? null : typeof fields[0] === 'string' ? fields : fields.map(String),
    };
  }
  return out;
}

/** Entries of the first stream in an XREAD/XREADGROUP reply (we always read one stream). */
export function parseReadReply(reply: Reply): RawEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    const first = reply[0] as [string, Reply] | undefined;
    return first ? toEntries(first[1]) : [];
  }
  if (reply instanceof Map) {
    const first = reply.values().next().value as Reply;
    return toEntries(first);
  }
  const values = Object.values(reply as Record<string, Reply>);
  return values.length ? toEntries(values[0]) : [];
}

/** XRANGE / XREVRANGE reply → entries. */
export function parseRangeReply(reply: Reply): RawEntry[] {
  return toEntries(reply);
}

/** A flat [k, v, k, v] reply (RESP2) or a map (RESP3), e.g. XINFO's → object. */
export function replyToObject(reply: unknown): Record<string, unknown> {
  if (reply instanceof Map) return Object.fromEntries(reply);
  if (!Array.isArray(reply)) return (reply ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}
