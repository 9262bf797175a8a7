// durability: 'replicated' — after a write, WAIT until at least one replica has it. WAIT counts
// the writes of the connection it runs on, so on a Cluster it goes to the node that took them.
import { ConfigError, SluiceError } from '../errors.js';
import { ClusterClient } from './cluster.js';
import type { RedisClient } from './connection.js';

/** How long a replicated publish waits for a replica before it rejects. */
export const REPLICA_WAIT_MS = 2000;

/** No replica confirmed a write in time: it is on the master and may still be lost by a failover. */
export class ReplicationError extends SluiceError {
  constructor(message: string) {
    super('ERR_SLUICE_REPLICATION', message);
  }
}

export function durabilityOption(owner: string, value: unknown): 'leader' | 'replicated' {
  if (value === undefined || value === 'leader' || value === 'replicated') return value ?? 'leader';
  throw new ConfigError(`${owner}: option "durability" must be "leader" or "replicated", got ${JSON.stringify(value)}`);
}

/** WAIT 1 on the connection that wrote `key`; rejects with ReplicationError when no replica confirms. */
export async function waitForReplica(client: RedisClient, key: string, timeoutMs = REPLICA_WAIT_MS): Promise<void> {
  const args = ['WAIT', '1', String(timeoutMs)];
  const acked =
    client instanceof ClusterClient ? await client.sendCommandFor(key, args) : await client.sendCommand(args);
  if (Number(acked) < 1)
    throw new ReplicationError(`no replica confirmed the write to ${key} within ${timeoutMs} ms (it is on the master)`);
}
