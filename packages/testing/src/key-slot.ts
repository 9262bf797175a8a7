// keySlot(): the Redis Cluster hash slot of a key, so a test can pick keys that land on a given
// node without asking the server (cluster-key-slot: the function node-redis routes with).
import calculateSlot from 'cluster-key-slot';

/** The slot of `key`: only the part inside the first non-empty `{...}` counts, as in Redis. */
export const keySlot: (key: string | Buffer) => number = calculateSlot;
