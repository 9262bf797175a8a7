// `sluice inspect <stream>`: length, groups (pending, lag, consumers), dead letters, delayed.
import { closeQuietly, openConnection, type RedisClient, replyToObject, streamKeys } from '@sluice/core';

export interface GroupInfo {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: string;
  lag: number | null;
}

export interface StreamReport {
  stream: string;
  key: string;
  length: number;
  groups: GroupInfo[];
  deadLetters: number;
  delayed: number;
  results: number;
}

export async function inspectStream(client: RedisClient, stream: string, prefix?: string): Promise<StreamReport> {
  const keys = streamKeys(stream, prefix);
  const [length, dlq, delayed, results] = await Promise.all([
    client.sendCommand<number>(['XLEN', keys.stream]),
    client.sendCommand<number>(['XLEN', keys.dlq]),
    client.sendCommand<number>(['ZCARD', keys.delayed]),
    client.sendCommand<number>(['XLEN', keys.results]),
  ]);
  let groups: GroupInfo[] = [];
  if (Number(length) > 0 || (await client.sendCommand<number>(['EXISTS', keys.stream])) === 1) {
    const raw = await client.sendCommand<unknown[]>(['XINFO', 'GROUPS', keys.stream]);
    groups = raw.map((g) => {
      const info = replyToObject(g);
      return {
        name: String(info.name),
        consumers: Number(info.consumers),
        pending: Number(info.pending),
        lastDeliveredId: String(info['last-delivered-id']),
        lag: info.lag === null || info.lag === undefined ? null : Number(info.lag),
      };
    });
  }
  return {
    stream,
    key: keys.stream,
    length: Number(length),
    groups,
    deadLetters: Number(dlq),
    delayed: Number(delayed),
    results: Number(results),
  };
}

export function formatReport(r: StreamReport): string {
  const lines = [
    `stream ${r.stream} (${r.key})`,
    `  entries       ${r.length}`,
    `  dead letters  ${r.deadLetters}`,
    `  delayed       ${r.delayed}`,
    `  results       ${r.results}`,
    r.groups.length ? '  groups' : '  groups        none',
    ...r.groups.map(
      (g) =>
        `    ${g.name.padEnd(16)} consumers ${g.consumers}  pending ${g.pending}  lag ${g.lag ?? 'unknown'}  last ${g.lastDeliveredId}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export async function runInspect(
  url: string,
  stream: string,
  prefix: string | undefined,
  json: boolean,
): Promise<StreamReport> {
  const { client } = await openConnection({ url }, () => {});
  try {
    const report = await inspectStream(client, stream, prefix);
    process.stdout.write(json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return report;
  } finally {
    await closeQuietly(client);
  }
}
