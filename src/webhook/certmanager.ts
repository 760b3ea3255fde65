// Self-managed TLS for the webhook (`--cert-secret ns/name`): a CA and a
// serving certificate kept in one Secret, renewed well before they expire,
// with the MutatingWebhookConfiguration's caBundle kept in step.
//
// Secret layout (type kubernetes.io/tls): tls.crt, tls.key (serving pair),
// ca.crt, ca.key (the CA), ca-previous.crt (the CA before the last rotation,
// kept in the caBundle until it expires so that replicas still serving a
// certificate signed by it are trusted during the change-over).
//
// Renewal: a certificate is renewed when less than a third of its lifetime
// is left (CA 10 years, serving cert 1 year by default), when the serving
// cert does not cover every --cert-dns-names entry, or is not signed by the
// current CA. Several replicas may race: writes carry the resourceVersion
// they read, a conflict means another replica won, and the next round reads
// its result. The decisions are pure functions, tested without an API server.
import forge from 'node-forge';
import type { Logger } from 'pino';
import { ApiError, type KubeClient } from '../k8s/client.js';
import { generateCA, generateServingCert, needsRenewal, type KeyPair } from '../tls/certs.js';

export interface CertBundle {
  readonly ca: KeyPair;
  readonly serving: KeyPair;
  readonly previousCa?: string;
}

export type CertDecision =
  | { readonly action: 'keep' }
  | { readonly action: 'issue-serving'; readonly reason: string }
  | { readonly action: 'issue-all'; readonly reason: string };

export interface CertPolicy {
  readonly dnsNames: readonly string[];
  /** Renew when less than this fraction of the lifetime is left. */
  readonly renewFraction?: number;
  readonly caDays?: number;
  readonly servingDays?: number;
}

const RENEW_FRACTION = 1 / 3;

interface SecretLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  type?: string;
  data?: Record<string, string>;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

/** The bundle stored in a Secret, or undefined when any part is missing. */
export function bundleFromSecret(secret: SecretLike | undefined): CertBundle | undefined {
  const d = secret?.data ?? {};
  const [caCert, caKey, cert, key] = [unb64(d['ca.crt']), unb64(d['ca.key']), unb64(d['tls.crt']), unb64(d['tls.key'])];
  if (!caCert || !caKey || !cert || !key) return undefined;
  const previousCa = unb64(d['ca-previous.crt']);
  return { ca: { cert: caCert, key: caKey }, serving: { cert, key }, ...(previousCa ? { previousCa } : {}) };
}

export function secretData(bundle: CertBundle): Record<string, string> {
  const data: Record<string, string> = {
    'tls.crt': b64(bundle.serving.cert),
    'tls.key': b64(bundle.serving.key),
    'ca.crt': b64(bundle.ca.cert),
    'ca.key': b64(bundle.ca.key),
  };
  if (bundle.previousCa) data['ca-previous.crt'] = b64(bundle.previousCa);
  return data;
}

function sanNames(cert: forge.pki.Certificate): string[] {
  const ext = cert.getExtension('subjectAltName') as { altNames?: { type: number; value?: string; ip?: string }[] } | null;
  return (ext?.altNames ?? []).map((a) => (a.type === 7 ? (a.ip ?? '') : (a.value ?? '')));
}

/** What to do with the bundle found in the Secret at `now`. */
export function decideCerts(bundle: CertBundle | undefined, now: Date, policy: CertPolicy): CertDecision {
  const fraction = policy.renewFraction ?? RENEW_FRACTION;
  if (!bundle) return { action: 'issue-all', reason: 'no certificates yet' };
  let ca: forge.pki.Certificate;
  try {
    ca = forge.pki.certificateFromPem(bundle.ca.cert);
    forge.pki.privateKeyFromPem(bundle.ca.key);
  } catch {
    return { action: 'issue-all', reason: 'CA unreadable' };
  }
  if (needsRenewal(bundle.ca.cert, now, fraction)) return { action: 'issue-all', reason: 'CA near expiry' };
  let serving: forge.pki.Certificate;
  try {
    serving = forge.pki.certificateFromPem(bundle.serving.cert);
    forge.pki.privateKeyFromPem(bundle.serving.key);
  } catch {
    return { action: 'issue-serving', reason: 'serving certificate unreadable' };
  }
  let signed = false;
  try {
    signed = ca.verify(serving);
  } catch {
    signed = false;
  }
  if (!signed) return { action: 'issue-serving', reason: 'serving certificate not signed by the current CA' };
  const sans = sanNames(serving);
  const missing = policy.dnsNames.filter((n) => !sans.includes(n));
  if (missing.length > 0) return { action: 'issue-serving', reason: `serving certificate lacks ${missing.join(', ')}` };
  if (needsRenewal(bundle.serving.cert, now, fraction)) return { action: 'issue-serving', reason: 'serving certificate near expiry' };
  return { action: 'keep' };
}

/** Carry out a decision: new certificates where it says so. */
export function issue(decision: CertDecision, current: CertBundle | undefined, now: Date, policy: CertPolicy): CertBundle | undefined {
  if (decision.action === 'keep') return current;
  const commonName = policy.dnsNames[0] ?? 'gangplank-webhook';
  const ca = decision.action === 'issue-all' || !current ? generateCA({ commonName: 'gangplank-webhook-ca', days: policy.caDays ?? 3650, now }) : current.ca;
  const serving = generateServingCert({ ca, commonName, hosts: policy.dnsNames, days: policy.servingDays ?? 365, now });
  const previousCa = decision.action === 'issue-all' && current ? current.ca.cert : current?.previousCa;
  return { ca, serving, ...(previousCa ? { previousCa } : {}) };
}

/** PEM bundle for the webhook configuration: the CA, and the previous CA while it is still valid. */
export function caBundlePem(bundle: CertBundle, now: Date): string {
  const parts = [bundle.ca.cert.trim()];
  if (bundle.previousCa) {
    try {
      if (forge.pki.certificateFromPem(bundle.previousCa).validity.notAfter.getTime() > now.getTime()) parts.push(bundle.previousCa.trim());
    } catch {
      // an unreadable previous CA is simply dropped
    }
  }
  return `${parts.join('\n')}\n`;
}

function normalisePem(pem: string): string {
  return pem.replace(/\r/g, '').trim();
}

/** The certificates of a PEM bundle, each normalised for comparison. */
export function pemCertificates(bundle: string): string[] {
  return (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(normalisePem);
}

export interface JsonPatchOp {
  op: 'add' | 'replace' | 'test';
  path: string;
  value: unknown;
}

interface WebhookConfigurationLike {
  webhooks?: { name: string; clientConfig?: { caBundle?: string } }[];
}

/**
 * JSON Patch that sets every webhook's caBundle to `pem`; empty when all
 * already match. Each change is guarded by a `test` of the webhook's name, so
 * a configuration reordered meanwhile makes the patch fail rather than land
 * on the wrong webhook.
 */
export function caBundlePatch(config: WebhookConfigurationLike, pem: string): JsonPatchOp[] {
  const want = b64(pem);
  const ops: JsonPatchOp[] = [];
  (config.webhooks ?? []).forEach((w, i) => {
    if (w.clientConfig?.caBundle === want) return;
    ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: w.name });
    ops.push({ op: w.clientConfig?.caBundle === undefined ? 'add' : 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: want });
  });
  return ops;
}

// ---- the loop against the API server ----

export interface CertManagerOptions {
  readonly client: KubeClient;
  /** "namespace/name" of the Secret. */
  readonly secret: string;
  readonly webhookConfiguration: string;
  readonly policy: CertPolicy;
  readonly logger: Logger;
  /** Called with the serving pair whenever it changes (and once at start). */
  readonly onPair: (pair: KeyPair) => void;
  readonly now?: () => Date;
  readonly intervalMs?: number;
  /**
   * How long a CA must have been in the caBundle before the webhook serves a
   * certificate it signed: every API server's informer must have taken the
   * new bundle in, or its calls would fail the TLS handshake (default 10 s).
   */
  readonly propagationMs?: number;
}

export interface CertManager {
  /** Run one round now; resolves with the serving pair in use. */
  reconcile(): Promise<KeyPair>;
  stop(): void;
}

export function parseSecretRef(ref: string): { namespace: string; name: string } {
  const m = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(ref);
  if (!m) throw new Error(`--cert-secret must be namespace/name, got ${JSON.stringify(ref)}`);
  return { namespace: m[1] as string, name: m[2] as string };
}

export function startCertManager(opts: CertManagerOptions): CertManager {
  const { client, logger: log, policy } = opts;
  const now = opts.now ?? (() => new Date());
  const { namespace, name } = parseSecretRef(opts.secret);
  const path = `/api/v1/namespaces/${namespace}/secrets`;
  let current: KeyPair | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const propagationMs = opts.propagationMs ?? 10_000;
  /** When each CA now in the caBundle was first seen there (ms). */
  const trustedSince = new Map<string, number>();
  let swapPending = false;

  const read = async (): Promise<SecretLike | undefined> => {
    try {
      return await client.request<SecretLike>({ path: `${path}/${name}` });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  };

  const round = async (attempt: number): Promise<KeyPair> => {
    const secret = await read();
    const found = bundleFromSecret(secret);
    const decision = decideCerts(found, now(), policy);
    let bundle = found;
    if (decision.action !== 'keep') {
      bundle = issue(decision, found, now(), policy) as CertBundle;
      const body = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace, ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}) }, data: secretData(bundle) };
      try {
        if (secret) await client.request({ method: 'PUT', path: `${path}/${name}`, body });
        else await client.request({ method: 'POST', path, body });
        log.info({ secret: opts.secret, reason: decision.reason, action: decision.action }, 'webhook certificates issued');
      } catch (err) {
        // Another replica wrote first: take what it wrote.
        if (err instanceof ApiError && (err.status === 409 || err.status === 422) && attempt < 3) return round(attempt + 1);
        throw err;
      }
    }
    const b = bundle as CertBundle;
    let inEffect: string[] = [];
    try {
      const mwc = await client.request<WebhookConfigurationLike>({ path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${opts.webhookConfiguration}` });
      const want = caBundlePem(b, now());
      const ops = caBundlePatch(mwc, want);
      if (ops.length > 0) {
        await client.request({ method: 'PATCH', patchType: 'json', path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${opts.webhookConfiguration}`, body: ops });
        log.info({ webhookConfiguration: opts.webhookConfiguration, webhooks: ops.length / 2 }, 'caBundle updated');
      }
      inEffect = pemCertificates(want);
    } catch (err) {
      log.warn({ err: String(err), webhookConfiguration: opts.webhookConfiguration }, 'cannot update the caBundle; will retry');
    }
    const t = now().getTime();
    for (const ca of inEffect) if (!trustedSince.has(ca)) trustedSince.set(ca, t);
    for (const ca of [...trustedSince.keys()]) if (!inEffect.includes(ca)) trustedSince.delete(ca);

    if (!current || current.cert !== b.serving.cert || current.key !== b.serving.key) {
      // At start there is nothing to break: serve at once. Later, serve a
      // certificate only once its CA has been trusted long enough everywhere.
      const since = trustedSince.get(normalisePem(b.ca.cert));
      if (!current || (since !== undefined && t - since >= propagationMs)) {
        current = b.serving;
        swapPending = false;
        opts.onPair(current);
      } else {
        swapPending = true;
        log.info({ waitMs: propagationMs }, 'new CA published in the caBundle; serving its certificate once every API server trusts it');
      }
    }
    return current;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      round(0)
        .catch((err: unknown) => log.warn({ err: String(err) }, 'certificate round failed; will retry'))
        .finally(schedule);
    }, swapPending ? propagationMs : (opts.intervalMs ?? 5 * 60_000));
    timer.unref();
  };

  return {
    async reconcile() {
      const pair = await round(0);
      if (!timer) schedule();
      return pair;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
