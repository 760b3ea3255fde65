import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { bundleFromSecret, caBundlePatch, caBundlePem, decideCerts, issue, parseSecretRef, pemCertificates, secretData, type CertBundle } from '../../../src/webhook/certmanager.js';
import { generateCA, generateServingCert } from '../../../src/tls/certs.js';

const DAY = 86400_000;
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);
const DNS = ['gangplank-webhook.gangplank-system.svc'];

// Key generation is the slow part: make the fixtures once.
const ca = generateCA({ commonName: 'test-ca', days: 3650, now: T0 });
const otherCa = generateCA({ commonName: 'other-ca', days: 3650, now: T0 });
const serving = generateServingCert({ ca, commonName: DNS[0] as string, hosts: DNS, days: 365, now: T0 });
const bundle: CertBundle = { ca, serving };

describe('when to renew', () => {
  it.each([
    { name: 'nothing stored', b: undefined, now: T0, dns: DNS, want: 'issue-all' },
    { name: 'fresh bundle', b: bundle, now: at(1), dns: DNS, want: 'keep' },
    { name: 'serving cert two thirds through its year', b: bundle, now: at(240), dns: DNS, want: 'keep' },
    { name: 'serving cert with less than a third left', b: bundle, now: at(250), dns: DNS, want: 'issue-serving' },
    { name: 'serving cert expired', b: bundle, now: at(400), dns: DNS, want: 'issue-serving' },
    { name: 'a DNS name added', b: bundle, now: at(1), dns: [...DNS, 'gangplank-webhook'], want: 'issue-serving' },
    { name: 'serving cert from another CA', b: { ca: otherCa, serving }, now: at(1), dns: DNS, want: 'issue-serving' },
    { name: 'CA with less than a third left', b: bundle, now: at(2500), dns: DNS, want: 'issue-all' },
    { name: 'CA unreadable', b: { ca: { cert: 'junk', key: 'junk' }, serving }, now: at(1), dns: DNS, want: 'issue-all' },
  ])('$name → $want', ({ b, now, dns, want }) => {
    expect(decideCerts(b, now, { dnsNames: dns }).action).toBe(want);
  });
});

describe('issuing', () => {
  it('a serving renewal keeps the CA; the result is kept afterwards', () => {
    const next = issue({ action: 'issue-serving', reason: 'test' }, bundle, at(250), { dnsNames: DNS }) as CertBundle;
    expect(next.ca).toBe(bundle.ca);
    expect(next.serving.cert).not.toBe(bundle.serving.cert);
    expect(decideCerts(next, at(251), { dnsNames: DNS }).action).toBe('keep');
  });
  it('a CA rotation keeps the old CA in the bundle while it is valid', () => {
    const next = issue({ action: 'issue-all', reason: 'test' }, bundle, at(2500), { dnsNames: DNS }) as CertBundle;
    expect(next.previousCa).toBe(bundle.ca.cert);
    expect(caBundlePem(next, at(2500)).match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(caBundlePem(next, at(3700)).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(forge.pki.certificateFromPem(next.ca.cert).verify(forge.pki.certificateFromPem(next.serving.cert))).toBe(true);
  });
  it('round-trips through a Secret', () => {
    const data = secretData({ ...bundle, previousCa: otherCa.cert });
    expect(Object.keys(data).sort()).toEqual(['ca-previous.crt', 'ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect(bundleFromSecret({ data })).toEqual({ ...bundle, previousCa: otherCa.cert });
    expect(bundleFromSecret({ data: { 'tls.crt': data['tls.crt'] as string } })).toBeUndefined();
  });
  it.each([
    ['gangplank-system/gangplank-webhook-tls', { namespace: 'gangplank-system', name: 'gangplank-webhook-tls' }],
  ])('parses --cert-secret %s', (ref, want) => {
    expect(parseSecretRef(ref)).toEqual(want);
  });
  it.each(['just-a-name', 'a/b/c', 'Upper/case'])('rejects --cert-secret %s', (ref) => {
    expect(() => parseSecretRef(ref)).toThrow(/namespace\/name/);
  });
});

describe('what to patch in the MutatingWebhookConfiguration', () => {
  const pem = caBundlePem(bundle, T0);
  const b64 = Buffer.from(pem).toString('base64');
  it.each([
    { name: 'placeholder caBundle replaced', cfg: { webhooks: [{ name: 'spark-pods.gangplank.io', clientConfig: { caBundle: 'Cg==' } }] }, want: [{ op: 'test', path: '/webhooks/0/name', value: 'spark-pods.gangplank.io' }, { op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: b64 }] },
    { name: 'missing caBundle added', cfg: { webhooks: [{ name: 'spark-pods.gangplank.io', clientConfig: {} }] }, want: [{ op: 'test', path: '/webhooks/0/name', value: 'spark-pods.gangplank.io' }, { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: b64 }] },
    { name: 'already current: nothing', cfg: { webhooks: [{ name: 'spark-pods.gangplank.io', clientConfig: { caBundle: b64 } }] }, want: [] },
    {
      name: 'only the stale one of two',
      cfg: { webhooks: [{ name: 'a', clientConfig: { caBundle: b64 } }, { name: 'b', clientConfig: { caBundle: 'old' } }] },
      want: [{ op: 'test', path: '/webhooks/1/name', value: 'b' }, { op: 'replace', path: '/webhooks/1/clientConfig/caBundle', value: b64 }],
    },
  ])('$name', ({ cfg, want }) => {
    expect(caBundlePatch(cfg, pem)).toEqual(want);
  });
});

describe('short lifetimes (the rotation e2e test uses seconds)', () => {
  const SEC = 1000;
  const shortCa = generateCA({ commonName: 'short-ca', days: (45 * SEC) / DAY, now: T0 });
  const shortServing = generateServingCert({ ca: shortCa, commonName: DNS[0] as string, hosts: DNS, days: (30 * SEC) / DAY, now: T0 });
  const later = (ms: number): Date => new Date(T0.getTime() + ms);

  it.each([
    { name: 'just issued', ms: 1 * SEC, want: 'keep' },
    { name: 'serving cert 15 s into 30 s', ms: 15 * SEC, want: 'keep' },
    { name: 'serving cert with under a third left', ms: 22 * SEC, want: 'issue-serving' },
    { name: 'CA with under a third left', ms: 33 * SEC, want: 'issue-all' },
  ])('$name → $want', ({ ms, want }) => {
    expect(decideCerts({ ca: shortCa, serving: shortServing }, later(ms), { dnsNames: DNS }).action).toBe(want);
  });
});

describe('pemCertificates', () => {
  it('splits a bundle into normalised certificates, so a CA is found in a caBundle whatever its line endings', () => {
    const pem = caBundlePem({ ca, serving, previousCa: otherCa.cert }, at(1)).replace(/\n/g, '\r\n');
    const plain = (s: string): string => s.replace(/\r/g, '').trim();
    expect(pemCertificates(pem)).toEqual([plain(ca.cert), plain(otherCa.cert)]);
    expect(pemCertificates(ca.cert)).toEqual(pemCertificates(ca.cert.replace(/\r\n/g, '\n')));
    expect(pemCertificates('no certificate here')).toEqual([]);
  });
});
