// JSON text from the wire, parsed without prototype pollution: secure-json-parse rejects
// `__proto__` keys and `constructor.prototype` (two regex tests, run only on text that could hold them).
import sjson from 'secure-json-parse';

const OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/** JSON.parse that throws on `__proto__` / `constructor.prototype` keys (hostile input). */
export function parseJson(text: string): unknown {
  // The regex tests are skipped for text that cannot hold a forbidden key: `__proto__` and
  // `constructor.prototype` both spell "proto", unless a letter is escaped (which needs "\u").
  // A leading BOM goes the long way too (secure-json-parse strips it; JSON.parse would throw).
  if (text.indexOf('proto') === -1 && text.indexOf('\\u') === -1 && text.charCodeAt(0) !== 0xfeff)
    return JSON.parse(text);
  return sjson.parse(text, null, OPTIONS);
}
