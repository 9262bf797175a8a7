// A minimal RESP2 client for the harness's own checks (CLUSTER INFO, ACL SETUSER, ...), so that
// @sluice/testing needs no Redis client library: one connection, pipelined commands, then closed.
import { createConnection, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/** An error reply (`-ERR ...`), returned in place rather than thrown so pipelines keep going. */
export class ReplyError extends Error {
  override readonly name = 'ReplyError';
}

export type Reply = string | number | null | ReplyError | Reply[];

export interface Endpoint {
  host?: string;
  port: number;
  username?: string;
  password?: string;
  /** Connect with TLS using these options (CA, client cert...). */
  tls?: ConnectionOptions;
  /** @defaultValue 5000 */
  timeoutMs?: number;
}

/** Host, port and credentials of a `redis://` or `rediss://` URL. */
export function endpointFromUrl(url: string): Endpoint {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Send `commands` in one pipeline (after AUTH when the endpoint has a password); one reply each. */
export function send(ep: Endpoint, ...commands: string[][]): Promise<Reply[]> {
  const all = ep.password ? [['AUTH', ...(ep.username ? [ep.username] : []), ep.password], ...commands] : commands;
  const host = ep.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const sock: Socket = ep.tls
      ? tlsConnect({ host, port: ep.port, ...ep.tls }, write)
      : createConnection({ host, port: ep.port }, write);
    sock.setTimeout(ep.timeoutMs ?? 5000, () => sock.destroy(new Error(`no reply from ${host}:${ep.port}`)));
    let buf = Buffer.alloc(0);
    const replies: Reply[] = [];
    function write() {
      sock.write(all.map(encode).join(''));
    }
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed = parse(buf, 0);
      while (parsed) {
        replies.push(parsed[0]);
        buf = buf.subarray(parsed[1]);
        parsed = replies.length < all.length ? parse(buf, 0) : undefined;
      }
      if (replies.length === all.length) {
        sock.end();
        const auth = ep.password ? replies.shift() : undefined;
        if (auth instanceof ReplyError) reject(auth);
        else resolve(replies);
      }
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error(`connection to ${host}:${ep.port} closed early`)));
  });
}

/** One command; an error reply is thrown. */
export async function call(ep: Endpoint, ...args: string[]): Promise<Reply> {
  const [reply] = await send(ep, args);
  if (reply instanceof ReplyError) throw reply;
  return reply as Reply;
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One reply starting at `pos`, and where the next one starts; undefined while incomplete. */
function parse(buf: Buffer, pos: number): [Reply, number] | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[pos] as number)) {
    case '+':
      return [head, next];
    case '-':
      return [new ReplyError(head), next];
    case ':':
      return [Number(head), next];
    case '$': {
      const len = Number(head);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case '*': {
      const len = Number(head);
      if (len < 0) return [null, next];
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < len; i++) {
        const item = parse(buf, at);
        if (!item) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`not RESP2: ${buf.toString('utf8', pos, Math.min(buf.length, pos + 40))}`);
  }
}
