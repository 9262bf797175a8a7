// What one cluster node believes: CLUSTER NODES parsed, plus the health checks startCluster waits on.
import { call, ReplyError, send } from './resp.js';

export const SLOTS = 16384;

/** One line of CLUSTER NODES. */
export interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  /** The master's id, for a replica. */
  masterId?: string;
  /** Slot ranges served, inclusive. */
  slots: Array<[number, number]>;
}

export function parseClusterNodes(text: string): NodeLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [id, addr, flags, master, , , , , ...slots] = line.trim().split(' ');
      const port = Number(/:(\d+)@/.exec(addr ?? '')?.[1] ?? 0);
      const node: NodeLine = { id: id as string, port, flags: (flags ?? '').split(','), slots: [] };
      if (master && master !== '-') node.masterId = master;
      for (const s of slots) {
        if (s.startsWith('[')) continue; // a slot being migrated or imported
        const [a, b] = s.split('-').map(Number);
        node.slots.push([a as number, b ?? (a as number)]);
      }
      return node;
    });
}

export async function clusterNodes(port: number): Promise<NodeLine[]> {
  return parseClusterNodes(String(await call({ port }, 'CLUSTER', 'NODES')));
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * How `port` sees the cluster, and why it is not settled yet if it is not: state ok, every
 * slot served by a live, non-failing master, all `total` nodes known (no handshake), and, on a
 * replica, the replication link up (so it can be promoted when its master dies).
 */
export async function inspect(port: number, live: Set<number>, total: number): Promise<View> {
  let replies: Awaited<ReturnType<typeof send>>;
  try {
    replies = await send({ port, timeoutMs: 2000 }, ['CLUSTER', 'INFO'], ['CLUSTER', 'NODES'], ['INFO', 'replication']);
  } catch (err) {
    return { problem: `${port} does not answer: ${(err as Error).message}`, nodes: [] };
  }
  const [info, nodesText, replication] = replies.map((r) => (r instanceof ReplyError ? '' : String(r)));
  const nodes = parseClusterNodes(nodesText as string);
  const problem = check(port, info as string, nodes, replication as string, live, total);
  return problem ? { problem, nodes } : { nodes };
}

export interface View {
  /** Why the cluster is not settled yet, as this node sees it; absent when it is. */
  problem?: string;
  nodes: NodeLine[];
}

function check(port: number, info: string, nodes: NodeLine[], replication: string, live: Set<number>, total: number) {
  const state = infoField(info, 'cluster_state');
  if (state !== 'ok') return `${port}: cluster_state ${state}`;
  const slotsOk = Number(infoField(info, 'cluster_slots_ok'));
  if (slotsOk !== SLOTS) return `${port}: ${slotsOk} slots ok`;
  if (nodes.length !== total) return `${port} knows ${nodes.length} of ${total} nodes`;
  for (const n of nodes) {
    if (n.flags.includes('handshake') || n.flags.includes('noaddr')) return `${port}: ${n.port} in handshake`;
    if (n.slots.length && (!live.has(n.port) || n.flags.some((f) => f === 'fail' || f === 'fail?'))) {
      return `${port}: slots still on ${n.port} (${n.flags.join(',')})`;
    }
  }
  if (/^role:slave/m.test(replication) && infoField(replication, 'master_link_status') !== 'up') {
    return `${port}: replica link not up`;
  }
  return undefined;
}

/** Slot owners as one comparable string, so the views of all nodes can be checked to agree. */
export function slotMap(nodes: NodeLine[]): string {
  return nodes
    .filter((n) => n.slots.length)
    .map((n) => `${n.id}=${n.slots.map(([a, b]) => `${a}-${b}`).join(',')}`)
    .sort()
    .join(' ');
}
