// Issue 9 item 6: Gangplank's HTTPS listeners speak TLS 1.2+ with forward-secret
// AEAD suites only, also after a certificate swap (setSecureContext replaces
// the whole context, ciphers included).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server as HttpsServer } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/http/serve.js';
import { silentLogger } from '../../../src/log.js';
import { generateCA, generateServingCert } from '../../../src/tls/certs.js';
import { TLS_POLICY } from '../../../src/tls/policy.js';

const ca = generateCA({ commonName: 'policy-ca' });
const pair = generateServingCert({ ca, commonName: 'localhost', hosts: ['127.0.0.1'] });

/** The negotiated protocol and cipher, or the handshake error. */
function handshake(port: number, opts: ConnectionOptions): Promise<{ protocol?: string | null; cipher?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: undefined, ...opts }, () => {
      const out = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(out);
    });
    socket.on('error', (err) => resolve({ error: err.message }));
  });
}

describe('TLS policy of the HTTPS listeners', () => {
  let server: Listening;
  let port: number;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gangplank-tls-policy-'));
    writeFileSync(join(dir, 'tls.crt'), pair.cert);
    writeFileSync(join(dir, 'tls.key'), pair.key);
    server = await listen((_req, res) => res.end('ok'), {
      name: 'policy',
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
      logger: silentLogger(),
    });
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server.close(100);
  });

  it('negotiates TLS 1.3 by default', async () => {
    expect((await handshake(port, {})).protocol).toBe('TLSv1.3');
  });

  it.each([
    ['ECDHE-RSA-AES128-GCM-SHA256'],
    ['ECDHE-RSA-AES256-GCM-SHA384'],
    ['ECDHE-RSA-CHACHA20-POLY1305'],
  ])('accepts TLS 1.2 with %s', async (cipher) => {
    expect(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: cipher })).toEqual({ protocol: 'TLSv1.2', cipher });
  });

  it.each([
    ['CBC with ECDHE', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' }],
    ['RSA key transport (no forward secrecy)', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }],
    ['TLS 1.1', { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }],
  ] as const)('refuses %s', async (_name, opts) => {
    expect((await handshake(port, opts as ConnectionOptions)).error).toBeTruthy();
  });

  it('keeps the policy after the certificate is swapped in place', async () => {
    const next = generateServingCert({ ca, commonName: 'localhost', hosts: ['127.0.0.1'] });
    (server.server as HttpsServer).setSecureContext({ cert: next.cert, key: next.key, ...TLS_POLICY });
    expect((await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' })).error).toBeTruthy();
    expect((await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).protocol).toBe('TLSv1.2');
  });
});
