import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/http/serve.js';
import { silentLogger } from '../../../src/log.js';
import { generateCA, generateServingCert, needsRenewal } from '../../../src/tls/certs.js';

const ca = generateCA({ commonName: 'test-ca' });

function serial(url: string, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, { ca: caPem, agent: false }, (res) => {
      const cert = (res.socket as unknown as { getPeerX509Certificate(): X509Certificate }).getPeerX509Certificate();
      res.resume();
      resolve(cert.serialNumber);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close(100);
    server = undefined;
  });

  it('issues a serving certificate that chains to the CA with DNS and IP SANs', () => {
    const pair = generateServingCert({ ca, commonName: 'svc', hosts: ['gangplank-webhook.gangplank-system.svc', '127.0.0.1'] });
    const cert = new X509Certificate(pair.cert);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:gangplank-webhook.gangplank-system.svc');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkIssued(new X509Certificate(ca.cert))).toBe(true);
  });

  it('says a certificate needs renewal only in the last third of its life', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const pair = generateServingCert({ ca, commonName: 'svc', hosts: ['x'], days: 90, now });
    expect(needsRenewal(pair.cert, new Date('2026-02-01T00:00:00Z'))).toBe(false);
    expect(needsRenewal(pair.cert, new Date('2026-03-15T00:00:00Z'))).toBe(true);
  });

  it('serves HTTPS from files and picks up rotated files without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-tls-'));
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    const first = generateServingCert({ ca, commonName: 'first', hosts: ['127.0.0.1'] });
    writeFileSync(certFile, first.cert);
    writeFileSync(keyFile, first.key);
    server = await listen((_req, res) => res.end('ok'), {
      name: 't',
      host: '127.0.0.1',
      port: 0,
      tls: { certFile, keyFile },
      logger: silentLogger(),
      certReloadIntervalMs: 50,
    });
    const before = await serial(server.url, ca.cert);
    expect(before).toBe(new X509Certificate(first.cert).serialNumber);
    const second = generateServingCert({ ca, commonName: 'second', hosts: ['127.0.0.1'] });
    writeFileSync(certFile, second.cert);
    writeFileSync(keyFile, second.key);
    const want = new X509Certificate(second.cert).serialNumber;
    let after = before;
    for (let i = 0; i < 100 && after !== want; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await serial(server.url, ca.cert);
    }
    expect(after).toBe(want);
  });

  it('keeps connections alive longer than Go clients (90 s idle)', async () => {
    server = await listen((_req, res) => res.end('ok'), { name: 't', host: '127.0.0.1', port: 0, logger: silentLogger() });
    expect(server.server.keepAliveTimeout).toBeGreaterThan(90_000);
  });
});
