// Issue 9 item 5: whoever reaches the extender can have it bind pods, so off
// loopback it serves only HTTPS clients holding a certificate from the CA it
// is given; on loopback (the chart: beside its scheduler) plain HTTP is fine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopback, parseCommand, UsageError } from '../../../src/cli.js';
import { listen } from '../../../src/http/serve.js';
import { silentLogger } from '../../../src/log.js';
import { generateCA, generateServingCert, generateSignedCert } from '../../../src/tls/certs.js';

const TLS = ['--extender-tls-cert-file=/c', '--extender-tls-key-file=/k'];

describe('where the extender may listen', () => {
  it.each([
    ['the default (127.0.0.1)', ['extender']],
    ['another loopback address', ['extender', '--host=127.0.0.2']],
    ['IPv6 loopback', ['extender', '--host=::1']],
    ['localhost', ['extender', '--host=localhost']],
    ['all interfaces with TLS and client certificates', ['extender', '--host=0.0.0.0', ...TLS, '--extender-client-ca-file=/ca']],
    ['serve on loopback', ['serve', '--extender-host=127.0.0.1']],
  ])('accepts %s', (_name, argv) => {
    expect(() => parseCommand(argv)).not.toThrow();
  });

  it.each([
    ['all interfaces, plain HTTP', ['extender', '--host=0.0.0.0']],
    ['a pod IP, plain HTTP', ['extender', '--host=10.1.2.3']],
    ['all interfaces with TLS but no client CA', ['extender', '--host=0.0.0.0', ...TLS]],
    ['serve on all interfaces', ['serve', '--extender-host=0.0.0.0']],
  ])('refuses %s, naming what is missing', (_name, argv) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(/--extender-client-ca-file/);
  });

  it('refuses a client CA without TLS', () => {
    expect(() => parseCommand(['extender', '--extender-client-ca-file=/ca'])).toThrow(/needs --extender-tls-cert-file/);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['LOCALHOST', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['127.0.0.1.example.com', false],
  ])('isLoopback(%s) = %s', (host, want) => {
    expect(isLoopback(host)).toBe(want);
  });
});

describe('mutual TLS on the extender listener', () => {
  const ca = generateCA({ commonName: 'scheduler-clients' });
  const stranger = generateCA({ commonName: 'stranger' });
  const serving = generateServingCert({ ca, commonName: 'extender', hosts: ['127.0.0.1'] });
  const client = generateSignedCert({ ca, commonName: 'kube-scheduler', hosts: [], clientAuth: true, serverAuth: false });
  const impostor = generateSignedCert({ ca: stranger, commonName: 'kube-scheduler', hosts: [], clientAuth: true, serverAuth: false });

  const call = (port: number, cert?: { cert: string; key: string }): Promise<number | string> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', ca: ca.cert, agent: false, ...(cert ?? {}) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err) => resolve(err.message));
      req.end();
    });

  it('serves a client with a certificate from its CA, and no one else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gangplank-mtls-'));
    writeFileSync(join(dir, 'tls.crt'), serving.cert);
    writeFileSync(join(dir, 'tls.key'), serving.key);
    const server = await listen((_req, res) => res.end('ok'), {
      name: 'extender',
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
      clientCa: ca.cert,
      logger: silentLogger(),
    });
    try {
      expect(await call(server.port, client)).toBe(200);
      expect(typeof (await call(server.port))).toBe('string');
      expect(typeof (await call(server.port, impostor))).toBe('string');
    } finally {
      await server.close(100);
    }
  });
});
