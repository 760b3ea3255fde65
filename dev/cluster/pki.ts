// Certificates for a local control plane: one CA signs the API server's
// serving cert, client certs for the admin and the default scheduler, and a
// webhook serving cert for the chart's `provided` TLS mode. Gangplank itself
// authenticates with its ServiceAccount's token (pod-runner.ts).
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCA, generateServingCert, generateSignedCert, type KeyPair } from '../../src/tls/certs.js';

export interface ClusterPki {
  readonly dir: string;
  readonly ca: KeyPair;
  readonly caFile: string;
  readonly apiserver: { certFile: string; keyFile: string };
  readonly admin: { certFile: string; keyFile: string; pair: KeyPair };
  readonly scheduler: { certFile: string; keyFile: string; pair: KeyPair };
  readonly webhook: { certFile: string; keyFile: string };
  readonly serviceAccount: { publicKeyFile: string; privateKeyFile: string };
}

function write(dir: string, name: string, pair: KeyPair): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, pair.cert);
  writeFileSync(keyFile, pair.key, { mode: 0o600 });
  return { certFile, keyFile };
}

export function createClusterPki(dir: string): ClusterPki {
  mkdirSync(dir, { recursive: true });
  const ca = generateCA({ commonName: 'gangplank-local-ca' });
  const caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, ca.cert);
  const apiserver = write(
    dir,
    'apiserver',
    generateServingCert({
      ca,
      commonName: 'kube-apiserver',
      hosts: ['127.0.0.1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', '10.0.0.1'],
    }),
  );
  const adminPair = generateSignedCert({ ca, commonName: 'gangplank-admin', organization: 'system:masters', hosts: [], clientAuth: true, serverAuth: false });
  const schedulerPair = generateSignedCert({ ca, commonName: 'system:kube-scheduler', hosts: [], clientAuth: true, serverAuth: false });
  const webhook = write(
    dir,
    'webhook',
    generateServingCert({ ca, commonName: 'gangplank-webhook', hosts: ['127.0.0.1', 'localhost', 'gangplank-webhook.gangplank-system.svc'] }),
  );
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyFile = join(dir, 'sa.pub');
  const privateKeyFile = join(dir, 'sa.key');
  writeFileSync(publicKeyFile, sa.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(privateKeyFile, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return {
    dir,
    ca,
    caFile,
    apiserver,
    admin: { ...write(dir, 'admin', adminPair), pair: adminPair },
    scheduler: { ...write(dir, 'scheduler', schedulerPair), pair: schedulerPair },
    webhook,
    serviceAccount: { publicKeyFile, privateKeyFile },
  };
}

/** A kubeconfig with a client certificate or a bearer token, embedded (no file references). */
export function kubeconfigYaml(server: string, ca: string, user: string, credential: KeyPair | { token: string }): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const auth =
    'token' in credential
      ? [`    token: ${credential.token}`]
      : [`    client-certificate-data: ${b64(credential.cert)}`, `    client-key-data: ${b64(credential.key)}`];
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(ca)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    ...auth,
    'contexts:',
    '- name: local',
    '  context:',
    '    cluster: local',
    `    user: ${user}`,
    'current-context: local',
    '',
  ].join('\n');
}
