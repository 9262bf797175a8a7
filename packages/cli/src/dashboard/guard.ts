// Who may call the API. Every /api request carries the token in a header: a custom header
// cannot be sent cross-site without a CORS preflight (which is never granted), so no other
// page can read data or trigger replay/purge. On loopback without a user token a random one is
// minted per run and handed out in the page; the Host header is checked there so a DNS-rebinding
// page (which would be same-origin) cannot fetch that page either.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-sluice-token';

export class Guard {
  /** The token requests must carry: the user's, or one minted for this run. */
  readonly token: string;
  /** Whether the page may embed the token (only when it was minted for a loopback listener). */
  readonly embed: boolean;
  private readonly expected: Buffer;
  private port = 0;

  constructor(
    userToken: string | undefined,
    private readonly loopback: boolean,
  ) {
    this.token = userToken ?? randomBytes(24).toString('base64url');
    this.embed = userToken === undefined;
    this.expected = Buffer.from(this.token);
  }

  listening(port: number): void {
    this.port = port;
  }

  /** A loopback dashboard answers only to loopback host names (DNS-rebinding defence). */
  hostAllowed(req: IncomingMessage): boolean {
    if (!this.loopback) return true;
    const host = String(req.headers.host ?? '');
    const allowed = ['127.0.0.1', 'localhost', '[::1]'].flatMap((h) => [h, `${h}:${this.port}`]);
    return allowed.includes(host.toLowerCase());
  }

  tokenOk(req: IncomingMessage): boolean {
    const given = req.headers[TOKEN_HEADER];
    if (typeof given !== 'string') return false;
    const buf = Buffer.from(given);
    return buf.length === this.expected.length && timingSafeEqual(buf, this.expected);
  }
}
