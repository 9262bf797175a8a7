// Shared bits of the cluster system tests: the `redis+cluster://` URL of a test cluster and
// which master serves a key.
import { keySlot, type TestCluster } from '@sluice/testing';

export function clusterUrl(cluster: TestCluster, query = ''): string {
  return `redis+cluster://${cluster.masters.map((m) => `127.0.0.1:${m.port}`).join(',')}${query}`;
}

/** The port of the master that serves `key` (from the cluster's slot table). */
export function masterOf(cluster: TestCluster, key: string): number {
  const slot = keySlot(key);
  const owner = cluster.masters.find((m) => m.slots.some(([lo, hi]) => slot >= lo && slot <= hi));
  if (!owner) throw new Error(`no master serves slot ${slot}`);
  return owner.port;
}
