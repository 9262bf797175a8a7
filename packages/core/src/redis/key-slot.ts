// The Redis Cluster hash slot of a key: the blocking-read path and the shard router need it
// without asking the server. cluster-key-slot is the function node-redis itself routes with, so
// our slot and the client's can never disagree.
import calculateSlot from 'cluster-key-slot';

/** The slot of `key`: only the part inside the first non-empty `{...}` counts, as in Redis. */
export const keySlot: (key: string | Buffer) => number = calculateSlot;
