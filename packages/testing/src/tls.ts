// Throwaway TLS material for a test server: a CA, a server cert for 127.0.0.1/localhost and a
// client cert, made with the openssl CLI; and a check that redis-server was built with TLS.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestingError } from './errors.js';

/** PEM strings a client needs: `socket: { tls: true, ca, cert, key }` in node-redis. */
export interface TlsMaterial {
  /** The CA that signed both certificates. */
  ca: string;
  /** A client certificate signed by the CA (the server accepts it, and also none). */
  cert: string;
  /** The client certificate's private key. */
  key: string;
}

/** Files of the server side, inside the server's temp dir. */
export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes ca.crt, server.crt/key and client.crt/key into `dir`. */
export function makeCerts(dir: string): { files: TlsFiles; client: TlsMaterial } {
  const f = (name: string) => join(dir, name);
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new TestingError(
        'NO_OPENSSL',
        missing
          ? 'startRedis({ tls: true }) needs the openssl CLI on PATH (apt-get install -y openssl)'
          : `openssl ${args[0]} failed: ${stderr.trim()}`,
        { cause: err },
      );
    }
  };
  openssl(
    ['req', '-x509', ...EC, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2']
      .concat(['-subj', '/CN=Sluice test CA', '-addext', 'basicConstraints=critical,CA:TRUE'])
      .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
  );
  for (const [name, usage, san] of [
    ['server', 'serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'clientAuth', 'subjectAltName=DNS:sluice-test-client'],
  ] as const) {
    writeFileSync(f(`${name}.ext`), `${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
    openssl(['req', '-new', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`]);
    openssl(
      ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key')]
        .concat(['-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2'])
        .concat(['-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`)]),
    );
  }
  const read = (name: string) => readFileSync(f(name), 'utf8');
  return {
    files: { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') },
    client: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') },
  };
}

/** redis-server flags that serve TLS only, on `port`. */
export function tlsArgs(port: number, files: TlsFiles): string[] {
  return ['--port', '0', '--tls-port', String(port), '--tls-cert-file', files.certFile]
    .concat(['--tls-key-file', files.keyFile, '--tls-ca-cert-file', files.caFile])
    .concat(['--tls-auth-clients', 'optional']);
}

const tlsBuilt = new Map<string, boolean>();

/**
 * Throws NO_TLS unless `bin` was built with TLS. A TLS build refuses `--tls-port` without a
 * certificate ("No tls-cert-file configured"); a build without it says something else.
 */
export function assertTlsBuild(bin: string): void {
  let ok = tlsBuilt.get(bin);
  if (ok === undefined) {
    const probe = spawnSync(bin, ['--port', '0', '--tls-port', '1', '--save', '', '--loglevel', 'warning'], {
      encoding: 'utf8',
      timeout: 5000,
      killSignal: 'SIGKILL',
    });
    ok = /tls-cert-file/i.test(`${probe.stdout}${probe.stderr}`);
    tlsBuilt.set(bin, ok);
  }
  if (!ok) {
    throw new TestingError(
      'NO_TLS',
      `startRedis({ tls: true }): ${bin} was built without TLS support (it does not understand --tls-port); ` +
        'install a Redis built with BUILD_TLS=yes (Debian/Ubuntu redis-server packages are)',
    );
  }
}
