// Random key prefixes so tests running in parallel against one server never share keys.
import { randomBytes } from 'node:crypto';

/** A fresh key prefix such as `t-1a2b3c4d5e6f`; pass a label to make MONITOR output readable. */
export function randomPrefix(label = 't'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}
