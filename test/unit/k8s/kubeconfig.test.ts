// The connection Gangplank builds from a kubeconfig file or in-cluster config,
// without @kubernetes/client-node (src/k8s/kubeconfig.ts).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { inClusterConnection, kubeconfigConnection } from '../../../src/k8s/kubeconfig.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function kubeconfig(dir: string, user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA PEM') }): string {
  const file = join(dir, 'config');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      contexts: [{ name: 'other', context: { cluster: 'nope', user: 'nope' } }, { name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
    }),
  );
  return file;
}

describe('kubeconfig connection', () => {
  it('client certificate data inline: server, CA, certificate and key from the current context', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const c = kubeconfigConnection(kubeconfig(dir, { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') }));
    expect(c).toMatchObject({ server: 'https://127.0.0.1:6443', ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' });
    expect(c.token).toBeUndefined();
    expect(c.authenticate).toBeUndefined();
  });

  it('files relative to the kubeconfig, a token file re-read, insecure-skip-tls-verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA FROM FILE');
    writeFileSync(join(dir, 'token'), 'token-1\n');
    const c = kubeconfigConnection(kubeconfig(dir, { tokenFile: 'token' }, { server: 'https://api:443', 'certificate-authority': 'pki/ca.crt', 'insecure-skip-tls-verify': true }));
    expect(c).toMatchObject({ server: 'https://api:443', ca: 'CA FROM FILE', insecure: true });
    expect(c.token?.()).toBe('token-1');
  });

  it('an inline token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    expect(kubeconfigConnection(kubeconfig(dir, { token: 'abc' })).token?.()).toBe('abc');
  });

  it('an exec credential plugin is left to client-node (loaded only then)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const c = kubeconfigConnection(kubeconfig(dir, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', args: ['eks', 'get-token'] } }));
    expect(typeof c.authenticate).toBe('function');
    expect(c.cert).toBeUndefined();
  });

  it('a missing current context is an error that says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const file = join(dir, 'config');
    writeFileSync(file, stringify({ 'current-context': 'gone', contexts: [] }));
    expect(() => kubeconfigConnection(file)).toThrow(/no current context/);
  });

  it('in-cluster: the Service address (IPv6 bracketed) and the ServiceAccount CA and token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(dir, 'ca.crt'), 'SA CA');
    writeFileSync(join(dir, 'token'), 'sa-token');
    const c = inClusterConnection('fd00::1', '443', dir);
    expect(c.server).toBe('https://[fd00::1]:443');
    expect(c.ca).toBe('SA CA');
    expect(c.token?.()).toBe('sa-token');
  });
});
