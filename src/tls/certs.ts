// Certificate authority and serving certificates on node-forge, for the
// webhook (the API server must trust it through the caBundle) and for the
// local cluster. RSA 2048 keeps generation under a second on small machines.
import forge from 'node-forge';
import { isIP } from 'node:net';

export interface KeyPair {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key (PKCS#1). */
  readonly key: string;
}

export interface CAOptions {
  readonly commonName: string;
  readonly days?: number;
  readonly now?: Date;
}

export interface ServingOptions {
  readonly ca: KeyPair;
  readonly commonName: string;
  /** DNS names and IP addresses, mixed; IPs are recognised and put in IP SANs. */
  readonly hosts: readonly string[];
  readonly days?: number;
  readonly now?: Date;
  /** Extended key usages; serving certs default to serverAuth. */
  readonly clientAuth?: boolean;
  readonly serverAuth?: boolean;
  /** Subject organisation, e.g. `system:masters` for an admin client cert. */
  readonly organization?: string;
}

function serial(): string {
  // Positive 16-byte serial (the top bit cleared keeps it positive in DER).
  const bytes = forge.random.getBytesSync(16);
  return (0x40 | (bytes.charCodeAt(0) & 0x3f)).toString(16).padStart(2, '0') + forge.util.bytesToHex(bytes.slice(1));
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  // Back-date so clock skew between processes never makes it "not yet valid":
  // an hour, or a tenth of a short lifetime, so that renewal (which measures
  // the lifetime from notBefore) still happens a third of the way from the end.
  const lifeMs = days * 86400_000;
  cert.validity.notBefore = new Date(now.getTime() - Math.min(3600_000, lifeMs / 10));
  cert.validity.notAfter = new Date(now.getTime() + lifeMs);
}

export function generateCA(options: CAOptions): KeyPair {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  validity(cert, options.now ?? new Date(), options.days ?? 3650);
  const subject = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

export function generateSignedCert(options: ServingOptions): KeyPair {
  const caCert = forge.pki.certificateFromPem(options.ca.cert);
  const caKey = forge.pki.privateKeyFromPem(options.ca.key);
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  validity(cert, options.now ?? new Date(), options.days ?? 365);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: options.commonName }];
  if (options.organization) subject.push({ name: 'organizationName', value: options.organization });
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = options.hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: options.serverAuth ?? !options.clientAuth,
      clientAuth: options.clientAuth ?? false,
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** A serving certificate (serverAuth) for the given DNS names and IPs. */
export function generateServingCert(options: Omit<ServingOptions, 'clientAuth' | 'serverAuth'>): KeyPair {
  return generateSignedCert({ ...options, serverAuth: true, clientAuth: false });
}

/** When the certificate in `pem` stops being valid. */
export function certificateNotAfter(pem: string): Date {
  return forge.pki.certificateFromPem(pem).validity.notAfter;
}

/** True when the certificate has less than `fraction` of its lifetime left at `now`. */
export function needsRenewal(pem: string, now: Date, fraction = 1 / 3): boolean {
  const { notBefore, notAfter } = forge.pki.certificateFromPem(pem).validity;
  const life = notAfter.getTime() - notBefore.getTime();
  return notAfter.getTime() - now.getTime() < life * fraction;
}
