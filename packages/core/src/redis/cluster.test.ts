import { keySlot as serverSlot, startCluster, type TestCluster } from '@sluice/testing';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { ClusterClient, isClusterUrl, parseClusterUrl } from './cluster.js';
import { commandKey, isBlocking } from './command-key.js';
import { connectUrl, duplicateClient, openConnection } from './connection.js';
import { keySlot } from './key-slot.js';

describe('command routing', () => {
  it('finds the first key of the commands Sluice sends', () => {
    expect(commandKey(['EVALSHA', 'sha', '2', 'a', 'b', 'x'])).toBe('a');
    expect(commandKey(['EVAL', 'return 1', '0'])).toBeUndefined();
    expect(commandKey(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'BLOCK', '5', 'STREAMS', 's', '>'])).toBe('s');
    expect(commandKey(['XGROUP', 'CREATE', 's', 'g', '0', 'MKSTREAM'])).toBe('s');
    expect(commandKey(['XINFO', 'GROUPS', 's'])).toBe('s');
    expect(commandKey(['XACK', 's', 'g', '1-0'])).toBe('s');
    expect(commandKey(['CLIENT', 'ID'])).toBeUndefined();
    expect(isBlocking(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'])).toBe(true);
    expect(isBlocking(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'])).toBe(false);
  });

  it('computes the same slot as the server for hash-tagged keys', () => {
    for (const k of ['sluice:{jobs}', 'sluice:{jobs}:dlq', 'plain', '{}x', 'a{b}c{d}', 'é{ü}']) {
      expect(keySlot(k)).toBe(serverSlot(k));
    }
  });

  it('parses redis+cluster:// URLs and rejects bad ones with a ConfigError', () => {
    expect(isClusterUrl('redis+cluster://h:1')).toBe(true);
    expect(isClusterUrl('redis://h:1')).toBe(false);
    expect(parseClusterUrl('redis+cluster://u:p@a:1,b:2/?commandTimeoutMs=250')).toEqual({
      rootNodes: [{ url: 'redis://u:p@a:1' }, { url: 'redis://u:p@b:2' }],
      commandTimeoutMs: 250,
    });
    expect(parseClusterUrl('rediss+cluster://a:1').rootNodes).toEqual([{ url: 'rediss://a:1' }]);
    expect(() => parseClusterUrl('redis+cluster://')).toThrow(ConfigError);
    expect(() => parseClusterUrl('redis+cluster://a:1?commandTimeoutMs=0')).toThrow(ConfigError);
  });
});

describe('ClusterClient on a real 3-master cluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3 });
  });
  afterAll(() => cluster?.stop());
  const url = () => `redis+cluster://${cluster.masters.map((m) => `127.0.0.1:${m.port}`).join(',')}`;

  it('sends every key to its slot master, EVALSHA by KEYS[1]', async () => {
    const client = await connectUrl(url(), () => {});
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `k{${i}}`);
      for (const k of keys) await client.sendCommand(['SET', k, k]);
      for (const k of keys) {
        expect(await client.sendCommand(['EVAL', 'return redis.call("GET", KEYS[1])', '1', k])).toBe(k);
      }
      // Each node holds only the keys of its own slots: nothing was sent to the wrong node.
      const counts = await Promise.all(
        cluster.masters.map(async (m) => {
          const node = await connectUrl(m.url, () => {});
          const n = Number(await node.sendCommand(['DBSIZE']));
          await node.close();
          return n;
        }),
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
      expect(counts.every((n) => n > 0)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('unblocks a blocking read of a duplicate through CLIENT UNBLOCK on the parent', async () => {
    const client = await connectUrl(url(), () => {});
    const reader = await duplicateClient(client, () => {});
    try {
      const id = await reader.sendCommand(['CLIENT', 'ID']);
      const read = reader.sendCommand(['XREAD', 'BLOCK', '20000', 'STREAMS', 'never{x}', '$']);
      await new Promise((r) => setTimeout(r, 200));
      let unblocked = 0;
      while (!unblocked) unblocked = Number(await client.sendCommand(['CLIENT', 'UNBLOCK', String(id)]));
      // 1: the server found our blocked connection on the slot's node and woke it.
      expect(unblocked).toBe(1);
      expect(await read).toBeNull();
    } finally {
      await reader.close();
      await client.close();
    }
  });

  it('SCANs every master with one cursor', async () => {
    const client = await connectUrl(url(), () => {});
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `scan:{${i}}`);
      for (const k of keys) await client.sendCommand(['SET', k, '1']);
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, batch] = await client.sendCommand<[string, string[]]>([
          'SCAN',
          cursor,
          'MATCH',
          'scan:*',
          'COUNT',
          '5',
        ]);
        for (const k of batch) found.add(k);
        cursor = next;
      } while (cursor !== '0');
      expect([...found].sort()).toEqual([...keys].sort());
    } finally {
      await client.close();
    }
  });

  it('sends a pipelined MULTI ... EXEC to the node of its first key', async () => {
    const client = await connectUrl(url(), () => {});
    try {
      const sent = [
        client.sendCommand(['MULTI']),
        client.sendCommand(['SET', 'tx{7}', 'a']),
        client.sendCommand(['EVAL', 'return redis.call("GET", KEYS[1])', '1', 'tx{7}']),
        client.sendCommand(['EXEC']),
      ];
      expect(await Promise.all(sent)).toEqual(['OK', 'QUEUED', 'QUEUED', ['OK', 'a']]);
    } finally {
      await client.close();
    }
  });

  it('wraps a node-redis createCluster() client and never closes it', async () => {
    const own = createCluster({ rootNodes: cluster.rootNodes });
    const { client, owned } = await openConnection({ client: own as never }, () => {});
    expect(client).toBeInstanceOf(ClusterClient);
    expect(owned).toBe(false);
    expect(await client.sendCommand(['SET', 'w{1}', 'v'])).toBe('OK');
    expect(await own.get('w{1}')).toBe('v');
    await own.close();
  });
});
